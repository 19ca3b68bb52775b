"""Rate-distortion of aekit's codec against JPEG, WebP, AVIF and JPEG XL (issue 13).

    python -m benchmarks.compression              # the shipped codec, every quality
    python -m benchmarks.compression --limit 4    # a quick look on 4 photos
    python -m benchmarks.compression --model DIR  # a codec you trained

Test photos, kept out of training (scripts/train_codec.py trains on the rest): the last
20 files of ../shared/data/cbsd432 and scikit-image's chelsea and coffee. Rates are
bits per pixel of the real files (aekit: the whole .aek file with its header; the
others: the bytes Pillow writes); PSNR on RGB (0-255), MS-SSIM (pytorch-msssim) on
RGB. Curves are the mean bpp and mean PSNR over the photos at each quality setting;
the Bjontegaard delta rate (piecewise-cubic, log rate) is taken over 28-36 dB where
both curves reach. JPEG: Pillow, 4:2:0, optimized; WebP: method 6; AVIF: Pillow's
(libavif) defaults; JPEG XL: pillow-jxl-plugin (bench extra). Encode and decode time
of a 768x512 photo (a test photo resized with Lanczos) is measured in the same run.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import numpy as np
import skimage

from benchmarks.common import REPO_ROOT, print_table, shared_data_dir

FOLDER = "cbsd432"
HELD_OUT = 20  # the last files of the folder, in sorted order
SKIMAGE_TRAIN = ("astronaut.png", "rocket.jpg", "motorcycle_left.png")
SKIMAGE_TEST = ("chelsea", "coffee")
BD_RANGE = (28.0, 36.0)
FIGURE = REPO_ROOT / "docs" / "images" / "compression.png"
CURVES = REPO_ROOT / "docs" / "images" / "compression-rd.png"

PIL_CODECS = {
    "JPEG": ("JPEG", (5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 95),
             lambda q: dict(quality=q, subsampling=2, optimize=True)),
    "WebP": ("WEBP", (5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95),
             lambda q: dict(quality=q, method=6)),
    "AVIF": ("AVIF", (10, 20, 30, 40, 50, 60, 70, 80, 90),
             lambda q: dict(quality=q)),
    "JPEG XL": ("JXL", (10, 20, 30, 40, 50, 60, 70, 80, 90),
                lambda q: dict(quality=q)),
}


def split_files() -> tuple[list[Path], list[Path]]:
    """(training files, held-out test files) of cbsd432."""
    folder = shared_data_dir() / FOLDER
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg"))
    return files[:-HELD_OUT], files[-HELD_OUT:]


def training_files() -> list[Path]:
    data = Path(skimage.data.__file__).parent
    return split_files()[0] + [data / name for name in SKIMAGE_TRAIN]


def test_photos(limit: int | None = None) -> list[tuple[str, np.ndarray]]:
    from PIL import Image

    photos = [(f"{FOLDER}/{p.name}", np.asarray(Image.open(p).convert("RGB")))
              for p in split_files()[1]]
    photos += [(f"skimage/{name}", getattr(skimage.data, name)()) for name in SKIMAGE_TEST]
    return photos[:limit] if limit else photos


# Scores -----------------------------------------------------------------------------------------
def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0 ** 2 / max(mse, 1e-10)))


def ms_ssim(a: np.ndarray, b: np.ndarray) -> float:
    import torch
    from pytorch_msssim import ms_ssim as score

    def tensor(x):
        return torch.from_numpy(x.transpose(2, 0, 1).astype(np.float32))[None]

    # its 5 scales need at least 161 pixels a side: smaller photos are scored by SSIM alone
    if min(a.shape[:2]) < 161:
        from skimage.metrics import structural_similarity

        return float(structural_similarity(a, b, channel_axis=2, data_range=255))
    return float(score(tensor(a), tensor(b), data_range=255))


def bd_rate(anchor: list[tuple[float, float]], test: list[tuple[float, float]],
            psnr_range=BD_RANGE) -> float:
    """Bjontegaard delta rate (%) of ``test`` against ``anchor``, each a list of (bpp,
    PSNR) points: the mean difference of log rate at equal PSNR (piecewise-cubic
    interpolation), over the PSNRs both curves reach inside ``psnr_range``."""
    from scipy.interpolate import PchipInterpolator

    def curve(points):
        points = sorted(points, key=lambda p: p[1])
        quality = np.array([p[1] for p in points])
        keep = np.concatenate([[True], np.diff(quality) > 1e-9])  # strictly increasing
        return quality[keep], np.log(np.array([p[0] for p in points]))[keep]

    qa, ra = curve(anchor)
    qt, rt = curve(test)
    low, high = max(qa.min(), qt.min(), psnr_range[0]), min(qa.max(), qt.max(), psnr_range[1])
    if high - low < 0.5:
        return float("nan")
    grid = np.linspace(low, high, 200)
    diff = PchipInterpolator(qt, rt)(grid) - PchipInterpolator(qa, ra)(grid)
    return float((np.exp(np.mean(diff)) - 1) * 100)


# Codecs -----------------------------------------------------------------------------------------
def pil_round_trip(pixels: np.ndarray, fmt: str, options: dict) -> tuple[int, np.ndarray]:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt, **options)
    decoded = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
    return len(buffer.getvalue()), decoded


def measure(photos, name: str, settings, round_trip) -> list[dict]:
    """One row per quality setting: mean bpp, PSNR and MS-SSIM over the photos."""
    rows = []
    for setting in settings:
        bpp, p, m = [], [], []
        for _, pixels in photos:
            size, decoded = round_trip(pixels, setting)
            bpp.append(8.0 * size / (pixels.shape[0] * pixels.shape[1]))
            p.append(psnr(pixels, decoded))
            m.append(ms_ssim(pixels, decoded))
        rows.append({"codec": name, "quality": setting, "bpp": float(np.mean(bpp)),
                     "PSNR": float(np.mean(p)), "MS-SSIM": float(np.mean(m))})
    return rows


def aekit_round_trip(codec):
    def round_trip(pixels, quality):
        data = codec.encode(pixels, quality)
        return len(data), codec.decode(data)
    return round_trip


def pil_codec(name):
    fmt, _, options = PIL_CODECS[name]
    return lambda pixels, q: pil_round_trip(pixels, fmt, options(q))


def timing(codec, pixels: np.ndarray, quality: int, avif_quality: int, repeats: int = 3) -> dict:
    """Seconds to encode plus decode one photo, the best of ``repeats``, aekit and AVIF."""
    def best(fn):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    aek = best(lambda: codec.decode(codec.encode(pixels, quality)))
    avif = best(lambda: pil_round_trip(pixels, "AVIF", {"quality": avif_quality}))
    return {"aekit s": aek, "AVIF s": avif, "ratio": aek / avif}


# Pictures ---------------------------------------------------------------------------------------
def rd_figure(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for name in dict.fromkeys(r["codec"] for r in rows):
        points = [r for r in rows if r["codec"] == name]
        for ax, key in zip(axes, ("PSNR", "MS-SSIM")):
            ax.plot([r["bpp"] for r in points], [r[key] for r in points], "o-", ms=3,
                    label=name, lw=2.2 if name == "aekit" else 1.2)
    for ax, key in zip(axes, ("PSNR (dB, RGB)", "MS-SSIM (RGB)")):
        ax.set_xlabel("bits per pixel (real file sizes)")
        ax.set_ylabel(key)
        ax.set_xlim(0, 2.0)
        ax.grid(alpha=0.3)
    axes[0].set_ylim(24, 40)
    axes[1].set_ylim(0.85, 1.0)
    axes[0].legend()
    fig.suptitle("aekit's learned codec against JPEG, WebP, AVIF and JPEG XL (held-out photos)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def crops_figure(codec, name: str, pixels: np.ndarray, quality: int, path: Path) -> dict:
    """The same crop from aekit at ``quality``, and from JPEG and WebP at the quality
    whose file is nearest aekit's in size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = codec.encode(pixels, quality)
    panels = [("original", pixels, None), (f"aekit q{quality}", codec.decode(data), len(data))]
    for other in ("JPEG", "WebP"):
        best = min((pil_codec(other)(pixels, q) for q in range(1, 101, 2)),
                   key=lambda r: abs(r[0] - len(data)))
        panels.append((other, best[1], best[0]))
    h, w = pixels.shape[:2]
    top, left, side = h // 4, w // 4, min(h, w) // 2
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.6))
    summary = {}
    for ax, (label, image, size) in zip(axes, panels):
        ax.imshow(image[top:top + side, left:left + side], interpolation="nearest")
        if size is not None:
            bpp = 8.0 * size / (h * w)
            label = f"{label}\n{bpp:.3f} bpp, {psnr(pixels, image):.2f} dB"
            summary[label.split(chr(10))[0]] = (round(bpp, 3), round(psnr(pixels, image), 2))
        ax.set_title(label, fontsize=9)
        ax.axis("off")
    fig.suptitle(f"{name}: the same crop at about the same file size", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="Only the first N test photos.")
    parser.add_argument("--model", default=None, help="A codec folder; default: the shipped one.")
    parser.add_argument("--skip", nargs="*", default=[], choices=sorted(PIL_CODECS))
    args = parser.parse_args()
    import pillow_jxl  # noqa: F401  (registers JPEG XL with Pillow)

    import aekit
    from aekit.image.shipped import shipped_codec

    codec = aekit.load(args.model) if args.model else shipped_codec()
    photos = test_photos(args.limit)
    print(f"{len(photos)} held-out photos, {sum(p.shape[0] * p.shape[1] for _, p in photos) / 1e6:.2f} "
          f"megapixels")
    rows = measure(photos, "aekit", range(1, codec.levels + 1), aekit_round_trip(codec))
    for name in PIL_CODECS:
        if name not in args.skip:
            rows += measure(photos, name, PIL_CODECS[name][1], pil_codec(name))
    print_table(rows)
    ours = [(r["bpp"], r["PSNR"]) for r in rows if r["codec"] == "aekit"]
    table = []
    for name in PIL_CODECS:
        anchor = [(r["bpp"], r["PSNR"]) for r in rows if r["codec"] == name]
        if anchor:
            table.append({"against": name, "BD-rate % (PSNR 28-36 dB)": bd_rate(anchor, ours)})
    print_table(table)
    from PIL import Image

    big = np.asarray(Image.fromarray(photos[0][1]).resize((768, 512), Image.LANCZOS))
    print_table([{"photo": "768x512", **timing(codec, big, 4, 50)}])
    rd_figure(rows, CURVES)
    name, pixels = photos[-1]
    print("crops at equal size:", crops_figure(codec, name, pixels, 2, FIGURE))
    print(f"wrote {CURVES} and {FIGURE}")


if __name__ == "__main__":
    main()
