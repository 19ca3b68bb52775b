"""De-noising photos: the shipped de-noisers against classical de-noisers and BM3D.

    python -m benchmarks.denoising                 # gray and colour, sigma 15 / 25 / 50
    python -m benchmarks.denoising --kinds gray --limit 5 --sigmas 25

Test photos, kept out of training (scripts/train_denoisers.py trains on the rest): the
last 20 files of ../shared/data/bsd400 (gray) and of ../shared/data/cbsd432 (colour), and
scikit-image's photos (gray: camera, moon, coins; colour: astronaut, coffee, chelsea,
rocket). Noise is Gaussian, added in float with a fixed seed, not clipped. Every result
is clipped to 0-255 before scoring; PSNR on the 0-255 scale, SSIM from scikit-image.

Against: a Gaussian blur and a median filter (their size tuned per sigma on 5 training
photos), scikit-image's non-local means and wavelet (BayesShrink) de-noisers, and BM3D
(the ``bm3d`` package, non-commercial licence: in the bench extra only). The classical
methods and BM3D are given the true sigma; aekit is measured blind and given sigma.
Seconds per megapixel are measured in the same run on the same photos.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

from benchmarks.common import REPO_ROOT, print_table, shared_data_dir

FOLDERS = {"gray": "bsd400", "colour": "cbsd432"}
HELD_OUT = 20  # the last files of each folder, in sorted order
SKIMAGE_PHOTOS = {"gray": ("camera", "moon", "coins"),
                  "colour": ("astronaut", "coffee", "chelsea", "rocket")}
FIGURE = REPO_ROOT / "docs" / "images" / "denoising.png"


def split_files(kind: str) -> tuple[list[Path], list[Path]]:
    """(training files, held-out test files) of a kind's folder."""
    folder = shared_data_dir() / FOLDERS[kind]
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg"))
    return files[:-HELD_OUT], files[-HELD_OUT:]


def _read(path: Path, kind: str) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("L" if kind == "gray" else "RGB"), dtype=np.float64)


def test_photos(kind: str, limit: int | None) -> list[tuple[str, np.ndarray]]:
    import skimage.data

    _, held_out = split_files(kind)
    photos = [(f"{FOLDERS[kind]}/{p.name}", _read(p, kind)) for p in held_out[:limit]]
    for name in SKIMAGE_PHOTOS[kind][:limit]:
        photos.append((f"skimage/{name}", getattr(skimage.data, name)().astype(np.float64)))
    return photos


def psnr(clean: np.ndarray, result: np.ndarray) -> float:
    mse = np.mean((np.clip(result, 0, 255) - clean) ** 2)
    return float(10 * np.log10(255.0 ** 2 / mse))


def ssim(clean: np.ndarray, result: np.ndarray) -> float:
    from skimage.metrics import structural_similarity

    return float(structural_similarity(clean, np.clip(result, 0, 255), data_range=255,
                                       channel_axis=2 if clean.ndim == 3 else None))


# Methods: (noisy 0-255, sigma, tuned setting) -> result 0-255 -----------------------------------
def _per_channel(fn, noisy):
    if noisy.ndim == 2:
        return fn(noisy)
    return np.stack([fn(noisy[..., c]) for c in range(noisy.shape[2])], axis=2)


def gaussian_blur(noisy, sigma, width):
    return _per_channel(lambda x: ndimage.gaussian_filter(x, width), noisy)


def median(noisy, sigma, size):
    return _per_channel(lambda x: ndimage.median_filter(x, size=size), noisy)


def nl_means(noisy, sigma, _):
    from skimage.restoration import denoise_nl_means

    axis = 2 if noisy.ndim == 3 else None
    out = denoise_nl_means(noisy / 255.0, h=0.8 * sigma / 255.0, sigma=sigma / 255.0,
                           patch_size=5, patch_distance=6, fast_mode=True, channel_axis=axis)
    return out * 255.0


def wavelet(noisy, sigma, _):
    from skimage.restoration import denoise_wavelet

    axis = 2 if noisy.ndim == 3 else None
    out = denoise_wavelet(noisy / 255.0, sigma=sigma / 255.0, method="BayesShrink",
                          mode="soft", channel_axis=axis, convert2ycbcr=axis is not None,
                          rescale_sigma=True)
    return out * 255.0


def bm3d_method(noisy, sigma, _):
    import bm3d

    if noisy.ndim == 3:
        return bm3d.bm3d_rgb(noisy / 255.0, sigma / 255.0) * 255.0
    return bm3d.bm3d(noisy / 255.0, sigma / 255.0) * 255.0


def aekit_blind(noisy, sigma, _):
    import aekit

    return aekit.denoise(noisy)


def aekit_given(noisy, sigma, _):
    import aekit

    return aekit.denoise(noisy, sigma=sigma)


METHODS = {"noisy": lambda noisy, sigma, _: noisy, "gaussian blur": gaussian_blur,
           "median": median, "nl-means (skimage)": nl_means, "wavelet (skimage)": wavelet,
           "BM3D": bm3d_method, "aekit blind": aekit_blind, "aekit given sigma": aekit_given}
TUNED = {"gaussian blur": (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0), "median": (3, 5, 7, 9)}


def add_noise(clean: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    return clean + np.random.default_rng(seed).normal(0.0, sigma, clean.shape)


def tune(kind: str, sigma: float) -> dict[str, float]:
    """The blur width and median size that score best on 5 training photos."""
    train, _ = split_files(kind)
    photos = [_read(p, kind) for p in train[:5]]
    best = {}
    for name, grid in TUNED.items():
        scores = {g: np.mean([psnr(c, METHODS[name](add_noise(c, sigma, i), sigma, g))
                              for i, c in enumerate(photos)]) for g in grid}
        best[name] = max(scores, key=scores.get)
    return best


def run(kind: str, sigmas, limit, methods, seed: int) -> tuple[list[dict], dict]:
    photos = test_photos(kind, limit)
    rows, examples = [], {}
    # one untimed call each first: imports and model loading are not de-noising time
    warm = add_noise(photos[0][1][:64, :64], 25.0, seed)
    for m in methods:
        METHODS[m](warm, 25.0, TUNED.get(m, (3,))[0])
    for sigma in sigmas:
        setting = tune(kind, sigma)
        scores = {m: {"psnr": [], "ssim": [], "seconds": 0.0} for m in methods}
        megapixels = 0.0
        for i, (name, clean) in enumerate(photos):
            noisy = add_noise(clean, sigma, seed + 1000 * i)
            megapixels += clean.shape[0] * clean.shape[1] / 1e6
            for m in methods:
                start = time.perf_counter()
                result = METHODS[m](noisy, sigma, setting.get(m))
                scores[m]["seconds"] += time.perf_counter() - start
                scores[m]["psnr"].append(psnr(clean, result))
                scores[m]["ssim"].append(ssim(clean, result))
                if i == 0 and sigma == max(sigmas):
                    examples[m] = result
            if i == 0 and sigma == max(sigmas):
                examples["clean"], examples["name"], examples["sigma"] = clean, name, sigma
        for m in methods:
            tuned = f" ({setting[m]:g})" if m in setting else ""
            rows.append({"kind": kind, "sigma": sigma, "method": m + tuned,
                         "photos": len(photos),
                         "PSNR dB": f"{np.mean(scores[m]['psnr']):.2f}",
                         "SSIM": f"{np.mean(scores[m]['ssim']):.4f}",
                         "s / MP": f"{scores[m]['seconds'] / megapixels:.2f}"})
    return rows, examples


def figure(all_examples: dict[str, dict], path: Path) -> None:
    """Noisy / aekit / BM3D / clean crops, one row per kind, as a PNG."""
    from aekit.plots import save_photo_rows

    rows, titles = [], []
    for kind, ex in all_examples.items():
        names = [c for c in ("noisy", "aekit blind", "BM3D") if c in ex]
        rows.append([ex[c] for c in names] + [ex["clean"]])
        titles.append([f"{c} {psnr(ex['clean'], ex[c]):.2f} dB" for c in names]
                      + [f"clean: {ex['name']}, sigma {ex['sigma']:g}"])
    save_photo_rows(path, rows, titles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=["gray", "colour"], choices=sorted(FOLDERS))
    parser.add_argument("--sigmas", nargs="+", type=float, default=[15, 25, 50])
    parser.add_argument("--limit", type=int, default=None, help="At most this many photos per source.")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", default=str(FIGURE), help="PNG to write ('' for none).")
    args = parser.parse_args()
    import torch

    print(f"torch threads: {torch.get_num_threads()}; BM3D and scikit-image run as they "
          "come (BM3D's own threads, NL-means in one)")
    rows, examples = [], {}
    for kind in args.kinds:
        kind_rows, examples[kind] = run(kind, args.sigmas, args.limit, args.methods, args.seed)
        rows += kind_rows
        print_table(kind_rows)
    if args.figure:
        figure(examples, Path(args.figure))
        print(f"wrote {args.figure}")
    print_table(rows)


if __name__ == "__main__":
    main()
