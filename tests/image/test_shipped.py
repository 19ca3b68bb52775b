"""The de-noisers that ship with aekit load without the network and de-noise real photos."""

import numpy as np
import pytest

import aekit
from aekit.image.shipped import SHIPPED, WEIGHTS, shipped_denoiser


def psnr(clean, result):
    return 10 * np.log10(255 ** 2 / np.mean((np.clip(result, 0, 255) - clean) ** 2))


@pytest.mark.parametrize("kind", ["gray", "colour"])
def test_shipped_weights_are_small_and_load(kind):
    folder = WEIGHTS / SHIPPED[kind]
    assert (folder / "model.safetensors").stat().st_size < 5 * 2**20
    model = shipped_denoiser(kind)
    assert model.channels_ == (1 if kind == "gray" else 3)


# gains below what the shipped models reach on these photos, so only a broken model or a
# wrong scale fails
@pytest.mark.parametrize("name, sigma, gain", [("camera", 25, 6), ("coffee", 15, 4), ("coffee", 50, 8)])
def test_shipped_denoisers_clean_real_photos_blind(name, sigma, gain):
    import skimage.data

    clean = getattr(skimage.data, name)()[:192, :256].astype(np.float64)
    noisy = clean + np.random.default_rng(0).normal(0, sigma, clean.shape)
    out = aekit.denoise(noisy)
    assert out.shape == clean.shape
    assert psnr(clean, out) > psnr(clean, noisy) + gain
