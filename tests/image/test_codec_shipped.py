"""The codec that ships with aekit: small, loads without the network, and trades bits
for quality on a real photo it was not trained on."""

import numpy as np
import pytest
import torch

from aekit.image.shipped import SHIPPED, WEIGHTS, shipped_codec


def psnr(a, b):
    return 10 * np.log10(255 ** 2 / np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))


@pytest.fixture(scope="module")
def photo():
    import skimage.data

    return skimage.data.chelsea()[:192, :256]  # kept out of the codec's training


def test_shipped_codec_is_small_and_frozen():
    folder = WEIGHTS / SHIPPED["codec"]
    assert (folder / "model.safetensors").stat().st_size < 30 * 2**20
    codec = shipped_codec()
    assert codec.module_.frozen and codec.levels >= 6


def test_more_quality_more_bits_better_pictures(photo):
    codec = shipped_codec()
    results = []
    for quality in range(1, codec.levels + 1):
        data = codec.encode(photo, quality)
        results.append((len(data), psnr(photo, codec.decode(data))))
    sizes, scores = zip(*results)
    assert list(sizes) == sorted(sizes) and len(set(sizes)) == len(sizes)
    assert list(scores) == sorted(scores)
    assert scores[-1] > 30  # below what it reaches, so only a broken model fails


def test_decoded_latents_do_not_depend_on_threads(photo):
    """The symbols (and so the latents) come out the same with 1 thread or 2: the tables
    and the integer hyper-synthesis are exact by construction."""
    codec = shipped_codec()
    x = torch.from_numpy(photo.transpose(2, 0, 1) / 255.0).float()[None, :, :128, :256]
    coded = codec.compress(x, 4)
    net = codec.module_
    z_strings, shape = coded["strings"][1], coded["shape"]
    threads = torch.get_num_threads()
    indexes = []
    for n in (1, max(2, threads)):
        torch.set_num_threads(n)
        try:
            z = net._factorized_decode(z_strings, net.N, shape[0] // 4, shape[1] // 4)
            indexes.append(net._scale_index(z))
        finally:
            torch.set_num_threads(threads)
    assert torch.equal(indexes[0], indexes[1])
