"""Checking the images a de-noiser is given: arrays to de-noise, and the clean images
(files or arrays) it trains on."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from aekit.data.images import load_image
from aekit.errors import DataError, InputError, MissingDataError
from aekit.image.files import photo_files

logger = logging.getLogger(__name__)

MIN_SIDE = 4  # a smaller image has too few pixels to tell noise from picture
MAX_VALUE = 1e5  # far outside 0-255 even with noise: a different scale, not a photo
MAX_PIXELS = 200_000_000  # about 2.4 GB of float32 RGB; larger images are refused
CACHE_BYTES = 2 << 30  # training images kept decoded in memory up to this much
KINDS = {1: "grayscale (H, W)", 3: "colour (H, W, 3)"}


def check_image(image, channels: int | None = None) -> np.ndarray:
    """``image`` as a float64 array, (H, W) or (H, W, 3), or a one-line error."""
    try:
        pixels = np.asarray(image)
    except (TypeError, ValueError) as exc:
        raise InputError(f"image must be an array of pixels: {exc}") from None
    if pixels.dtype == object or np.iscomplexobj(pixels) or not (
            np.issubdtype(pixels.dtype, np.number) or pixels.dtype == bool):
        raise InputError(f"image must hold real numbers, got dtype {pixels.dtype}")
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] != 3):
        raise InputError(f"image must be (H, W) grayscale or (H, W, 3) colour, got shape "
                         f"{pixels.shape}")
    h, w = pixels.shape[:2]
    if min(h, w) < MIN_SIDE:
        raise InputError(f"image is {h}x{w} pixels; de-noising needs at least "
                         f"{MIN_SIDE}x{MIN_SIDE}")
    if h * w > MAX_PIXELS:
        raise InputError(f"image is {h}x{w} = {h * w / 1e6:.0f} megapixels; the limit is "
                         f"{MAX_PIXELS / 1e6:.0f} (cut it into parts)")
    if np.issubdtype(pixels.dtype, np.integer) and pixels.size and pixels.max() > 255:
        raise InputError(f"image holds integers up to {pixels.max()}; pixels go on the 0-255 "
                         "scale (for 16-bit pixels, divide by 257)")
    pixels = pixels.astype(np.float64, copy=False)
    if not np.isfinite(pixels).all():
        raise InputError("image holds NaN or infinite values; de-noising needs finite pixels")
    if np.abs(pixels).max() > MAX_VALUE:
        raise InputError(f"image holds values up to {np.abs(pixels).max():.3g}; pixels go on "
                         "the 0-255 scale (noise may take them a little outside it)")
    if np.issubdtype(np.asarray(image).dtype, np.floating) and 0 < np.abs(pixels).max() <= 1.0:
        logger.warning("the image's values are all within [-1, 1]; aekit's de-noisers take "
                       "pixels on the 0-255 scale (multiply by 255)")
    got = 1 if pixels.ndim == 2 else 3
    if channels is not None and got != channels:
        raise InputError(f"this de-noiser was trained on {KINDS[channels]} images; the image "
                         f"is {KINDS[got]} with shape {pixels.shape}")
    return pixels


@dataclass
class TrainingImages:
    """What :class:`~aekit.train.sources.ImageCropSource` needs: keys, a reader giving
    (C, H, W) float32 on the 0-1 scale, and each image's size."""

    keys: list[Any]
    read: Callable[[Any], np.ndarray]
    sizes: list[tuple[int, int]]
    channels: int


def training_images(X, channels, crop: int) -> TrainingImages:
    """Clean images from a folder, a list of files, a list of arrays or a stacked array."""
    if isinstance(X, (str, Path)):
        return _files(_folder_files(Path(X)), channels, crop)
    if isinstance(X, (list, tuple)) and X and all(isinstance(x, (str, Path)) for x in X):
        return _files([Path(x) for x in X], channels, crop)
    if isinstance(X, np.ndarray):
        # one image, (H, W) or (H, W, 3); or a stack of them, (N, H, W) or (N, H, W, C)
        one = X.ndim == 2 or (X.ndim == 3 and X.shape[-1] == 3)
        X = [X] if one else list(X) if X.ndim in (3, 4) else X
    if not isinstance(X, (list, tuple)) or not X:
        raise InputError("X must be a folder of images, a list of image files, or a non-empty "
                         "list of (H, W) / (H, W, 3) arrays on the 0-255 scale")
    arrays = [check_image(x) for x in X]
    wanted = _channels(channels, [1 if a.ndim == 2 else 3 for a in arrays])
    chw = [_as_channels(a, wanted) for a in arrays]
    _check_crop([a.shape[1:] for a in chw], [f"image {i}" for i in range(len(chw))], crop)
    return TrainingImages(list(range(len(chw))), chw.__getitem__,
                          [a.shape[1:] for a in chw], wanted)


def _folder_files(folder: Path) -> list[Path]:
    if not folder.exists():
        raise MissingDataError(f"no such file or folder: '{folder}'")
    return [folder] if folder.is_file() else photo_files(folder)


def _files(paths: list[Path], channels, crop: int) -> TrainingImages:
    from PIL import Image

    sizes, kinds = [], []
    for path in paths:
        try:
            with Image.open(path) as image:  # the header only
                sizes.append((image.height, image.width))
                kinds.append(1 if image.mode in ("1", "L", "LA", "I", "I;16", "F") else 3)
        except (OSError, ValueError, SyntaxError) as exc:
            raise DataError(f"cannot read image '{path}': {exc}") from None
    wanted = _channels(channels, kinds)
    _check_crop(sizes, [str(p) for p in paths], crop)
    mode = "L" if wanted == 1 else "RGB"
    per_image = max(h * w * wanted for h, w in sizes)

    @functools.lru_cache(maxsize=max(1, CACHE_BYTES // per_image))
    def decoded(path: Path) -> np.ndarray:  # uint8, decoded once while memory allows
        return load_image(path, mode=mode)

    def read(path: Path) -> np.ndarray:
        return decoded(path).astype(np.float32) / 255.0

    return TrainingImages(paths, read, sizes, wanted)


def _channels(channels, kinds: list[int]) -> int:
    if channels == "auto":
        return 3 if 3 in kinds else 1
    return int(channels)


def _as_channels(pixels: np.ndarray, channels: int) -> np.ndarray:
    """(C, H, W) float32 on the 0-1 scale; colour made gray with ITU-R 601 luma."""
    if pixels.ndim == 2:
        chw = pixels[None] if channels == 1 else np.repeat(pixels[None], 3, axis=0)
    else:
        chw = pixels.transpose(2, 0, 1)
        if channels == 1:
            chw = (0.299 * chw[0] + 0.587 * chw[1] + 0.114 * chw[2])[None]
    return np.ascontiguousarray(chw, dtype=np.float32) / 255.0


def _check_crop(sizes, names, crop: int) -> None:
    for (h, w), name in zip(sizes, names):
        if h < crop or w < crop:
            raise InputError(f"{name} is {h}x{w} pixels, smaller than the {crop}x{crop} "
                             "training crop; pass a smaller crop= or leave the image out")
