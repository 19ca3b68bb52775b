"""The demo's compression step: the shipped codec on a scikit-image photo, beside JPEG
at about the same file size."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np

from aekit.demo.steps import StepResult

QUALITY = 2
PHOTO = "chelsea"  # kept out of the codec's training


def _psnr(clean: np.ndarray, result: np.ndarray) -> float:
    mse = np.mean((clean.astype(np.float64) - result.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0 ** 2 / mse))


def _jpeg_near(pixels: np.ndarray, size: int) -> tuple[int, np.ndarray]:
    """The JPEG (4:2:0, optimized) whose file is nearest ``size`` bytes."""
    from PIL import Image

    best = None
    for quality in range(2, 96, 2):
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality, subsampling=2,
                                     optimize=True)
        if best is None or abs(buffer.tell() - size) < abs(best[0] - size):
            best = (buffer.tell(), np.asarray(Image.open(io.BytesIO(buffer.getvalue()))))
    return best


def compression_step(out: Path, *, epochs: int = 20, verbose="auto", shared=None) -> StepResult:
    """Issue 13: compress a photo to an .aek file with the shipped codec and decode it
    (``epochs`` does not apply: nothing is trained)."""
    import skimage.data

    from aekit.image.shipped import shipped_codec
    from aekit.plots import save_photo_rows

    codec = shipped_codec()
    pixels = getattr(skimage.data, PHOTO)()
    start = time.perf_counter()
    data = codec.encode(pixels, QUALITY)
    (out / f"{PHOTO}.aek").write_bytes(data)
    decoded = codec.decode(data)
    seconds = time.perf_counter() - start
    bpp = 8.0 * len(data) / (pixels.shape[0] * pixels.shape[1])
    jpeg_size, jpeg = _jpeg_near(pixels, len(data))
    lines = [f"{PHOTO} ({pixels.shape[1]}x{pixels.shape[0]}) at quality {QUALITY}: {len(data):,} "
             f"bytes ({bpp:.3f} bpp), {_psnr(pixels, decoded):.2f} dB; JPEG at {jpeg_size:,} "
             f"bytes: {_psnr(pixels, jpeg):.2f} dB; encode + decode {seconds:.2f} s"]
    path = out / "compression.png"
    save_photo_rows(path, [[decoded, jpeg, pixels]],
                    [[f"aekit {8.0 * len(data) / pixels[..., 0].size:.3f} bpp",
                      f"JPEG {8.0 * jpeg_size / pixels[..., 0].size:.3f} bpp", "original"]])
    lines.append(f"file: {out / (PHOTO + '.aek')}; picture: {path}; rate-distortion against "
                 "JPEG, WebP, AVIF and JPEG XL: python -m benchmarks.compression")
    return StepResult("Compressing a photo (shipped codec)", lines, [path])
