"""The demo's de-noising step: the shipped de-noisers on scikit-image's photos."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from aekit.demo.steps import StepResult
from aekit.image import denoise

SIGMA = 25.0
PHOTOS = {"gray": "camera", "colour": "astronaut"}


def _psnr(clean: np.ndarray, result: np.ndarray) -> float:
    return float(10 * np.log10(255.0 ** 2 / np.mean((np.clip(result, 0, 255) - clean) ** 2)))


def denoising_step(out: Path, *, epochs: int = 20, verbose="auto", shared=None) -> StepResult:
    """Issue 12: blind de-noising of a grayscale and a colour photo with the shipped models
    (``epochs`` does not apply: nothing is trained)."""
    import skimage.data

    from aekit.plots import save_photo_rows

    lines, rows, titles = [], [], []
    for kind, name in PHOTOS.items():
        clean = getattr(skimage.data, name)().astype(np.float64)
        noisy = clean + np.random.default_rng(0).normal(0.0, SIGMA, clean.shape)
        start = time.perf_counter()
        result = denoise(noisy)  # blind: the level is not given
        seconds = time.perf_counter() - start
        megapixels = clean.shape[0] * clean.shape[1] / 1e6
        lines.append(f"{kind} ({name}, {clean.shape[1]}x{clean.shape[0]}), Gaussian noise of "
                     f"sigma {SIGMA:g}: noisy {_psnr(clean, noisy):.2f} dB -> aekit (blind) "
                     f"{_psnr(clean, result):.2f} dB, {seconds / megapixels:.1f} s per megapixel")
        rows.append([noisy, result, clean])
        titles.append([f"noisy {_psnr(clean, noisy):.2f} dB",
                       f"aekit blind {_psnr(clean, result):.2f} dB", f"clean ({name})"])
    path = out / "denoising.png"
    save_photo_rows(path, rows, titles)
    lines.append(f"picture: {path} (noisy / de-noised / clean); BM3D comparison: "
                 "python -m benchmarks.denoising")
    return StepResult("De-noising photos (shipped de-noisers)", lines, [path])
