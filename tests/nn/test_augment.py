"""Image augmentation: shifts move whole images by whole pixels, flips mirror them."""

import torch

from aekit.nn.augment import random_flip, random_shift


def test_shift_moves_each_image_by_at_most_the_limit_and_keeps_its_values():
    x = torch.zeros(16, 1, 9, 9)
    x[:, :, 4, 4] = 1.0  # one bright pixel in the middle
    moved = random_shift(x, 2, torch.Generator().manual_seed(0))
    assert moved.shape == x.shape
    assert torch.equal(moved.sum(dim=(1, 2, 3)), torch.ones(16))
    where = moved[:, 0].flatten(1).argmax(1)
    rows, cols = where // 9, where % 9
    assert (rows - 4).abs().max() <= 2 and (cols - 4).abs().max() <= 2
    assert len(set(zip(rows.tolist(), cols.tolist()))) > 1  # images move independently


def test_shift_leaves_tables_and_zero_shifts_alone():
    table = torch.randn(5, 7)
    assert random_shift(table, 2, None) is table
    images = torch.randn(3, 1, 4, 4)
    assert random_shift(images, 0, None) is images


def test_flip_mirrors_about_half_of_the_images():
    x = torch.arange(8.0).repeat(200, 1, 1, 1)  # (200, 1, 1, 8)
    flipped = random_flip(x, torch.Generator().manual_seed(0))
    mirrored = (flipped[:, 0, 0, 0] == 7).float().mean()
    assert 0.35 < float(mirrored) < 0.65
    assert torch.equal(flipped.sort(-1).values, x)
