"""Denoiser: learns to take noise away, de-noises whole images in tiles, saves and loads."""

import numpy as np
import pytest
from scipy import ndimage

import aekit
import aekit.image.denoiser as denoiser_module
from aekit.errors import AekitError, InputError
from aekit.image import Denoiser

TINY = dict(width=16, depth=4, crop=32, batch_size=8, verbose=False, random_state=0)


def smooth_photos(n, shape=(48, 64), seed=0):
    """Blurred random fields: images with structure a small net can learn to keep."""
    rng = np.random.default_rng(seed)
    sigma = (3, 3, 0) if len(shape) == 3 else 3
    return [np.clip(128 + 12 * ndimage.gaussian_filter(rng.normal(0, 10, shape), sigma), 0, 255)
            for _ in range(n)]


def psnr(clean, result):
    return 10 * np.log10(255 ** 2 / np.mean((result - clean) ** 2))


@pytest.fixture(scope="module")
def trained():
    return Denoiser(**TINY, sigma=(10, 40), max_steps=150, learning_rate=3e-3).fit(smooth_photos(12))


def test_training_takes_noise_away(trained):
    clean = smooth_photos(1, seed=99)[0]
    noisy = clean + np.random.default_rng(1).normal(0, 25, clean.shape)
    assert psnr(clean, trained.denoise(noisy)) > psnr(clean, noisy) + 3
    assert psnr(clean, trained.denoise(noisy, sigma=25)) > psnr(clean, noisy) + 3


def test_result_keeps_shape_and_float_input_is_not_clipped(trained):
    image = np.random.default_rng(0).normal(100, 80, (37, 53))  # odd sizes, values below 0
    out = trained.denoise(image)
    assert out.shape == image.shape and out.dtype == np.float32 and np.isfinite(out).all()
    assert trained.denoise(image.astype(np.uint8)).shape == image.shape


def test_tiles_give_the_whole_image_result(trained, monkeypatch):
    image = smooth_photos(1, shape=(150, 211))[0]
    whole = trained.denoise(image)
    monkeypatch.setattr(denoiser_module, "TILE", 32)
    np.testing.assert_allclose(trained.denoise(image), whole, atol=1e-2)


def test_colour_model_and_the_wrong_kind_of_image():
    colour = Denoiser(**TINY, max_steps=2).fit(smooth_photos(3, shape=(40, 40, 3)))
    assert colour.channels_ == 3 and colour.denoise(smooth_photos(1, (40, 40, 3))[0]).shape == (40, 40, 3)
    with pytest.raises(InputError, match="trained on colour .* the image is grayscale"):
        colour.denoise(np.zeros((40, 40)))


def test_save_and_load_give_the_same_results(trained, tmp_path):
    trained.save(tmp_path / "dn")
    loaded = aekit.load(tmp_path / "dn")
    image = smooth_photos(1, seed=5)[0]
    np.testing.assert_allclose(loaded.denoise(image), trained.denoise(image), atol=1e-4)
    np.testing.assert_allclose(aekit.denoise(image, model=tmp_path / "dn"), loaded.denoise(image),
                               atol=1e-4)


@pytest.mark.parametrize("image, message", [
    (np.zeros((1, 1)), "at least 4x4"),
    (np.zeros((0, 5)), "at least 4x4"),
    (np.full((8, 8), np.nan), "NaN or infinite"),
    (np.full((8, 8), 4000, dtype=np.uint16), "divide by 257"),
    (np.zeros((8, 8, 4)), r"\(H, W\) grayscale or \(H, W, 3\) colour"),
    ("not an image", "must hold real numbers"),
])
def test_bad_images_are_refused_in_one_line(trained, image, message):
    with pytest.raises(InputError, match=message):
        trained.denoise(image)


def test_bad_training_input_is_refused(tmp_path):
    with pytest.raises(InputError, match="smaller than the 32x32 training crop"):
        Denoiser(**TINY).fit([np.zeros((20, 20))])
    with pytest.raises(AekitError, match="no such file or folder"):
        Denoiser(**TINY).fit(tmp_path / "nowhere")
    with pytest.raises(AekitError, match="noise must be one of"):
        Denoiser(**TINY, noise="blur").fit(smooth_photos(2))


def test_corruptions_do_what_they_say():
    import torch

    from aekit.image.modules import NOISES

    clean = torch.full((64, 3, 32, 32), 0.5)
    g = torch.Generator().manual_seed(0)
    noisy, level = NOISES["gaussian"](clean, 10 / 255, 40 / 255, g)
    spread = (noisy - clean).flatten(1).std(dim=1)
    assert torch.allclose(spread, level, rtol=0.1) and level.min() >= 10 / 255 and level.max() <= 40 / 255
    noisy, level = NOISES["salt_pepper"](clean, 0, 0, g)
    hit = noisy != clean
    assert torch.isnan(level).all() and hit.any()
    assert (hit.all(dim=1) == hit.any(dim=1)).all()  # a pixel is hit in all its channels
    assert set(noisy[hit].unique().tolist()) <= {0.0, 1.0}
    noisy, _ = NOISES["jpeg"](clean[:4], 0, 0, g)
    assert torch.allclose(noisy * 255, (noisy * 255).round(), atol=1e-3)  # 8-bit decoded
    noisy, _ = NOISES["poisson_gaussian"](clean[:4], 0, 0, g)
    assert (noisy != clean[:4]).float().mean() > 0.5


@pytest.mark.parametrize("noise", ["poisson_gaussian", "salt_pepper", "jpeg", ["gaussian", "jpeg"]])
def test_every_corruption_trains(noise):
    model = Denoiser(**TINY, noise=noise, max_steps=2).fit(smooth_photos(3))
    assert np.isfinite(model.history_[-1]["train_loss"])


def test_fit_reads_a_folder_of_photos(tmp_path):
    from PIL import Image

    for i, photo in enumerate(smooth_photos(3)):
        Image.fromarray(photo.astype(np.uint8)).save(tmp_path / f"p{i}.png")
    model = Denoiser(**TINY, max_steps=2).fit(tmp_path)
    assert model.channels_ == 1 and len(model.history_) == 1
