"""Read PNG and JPEG files, one at a time or a whole folder, into ``uint8`` arrays.

Arrays are channels-first, ``(C, H, W)`` per image, as PyTorch's convolutions expect.
A folder whose images sit in subfolders is a labelled data set: each subfolder's name is
the label of the images below it (the layout of torchvision's ``ImageFolder``).
"""

from __future__ import annotations

import logging
import operator
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from aekit.errors import ConfigError, DataError, MissingDataError

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_GRAY_MODES = {"1", "L", "LA", "I", "F"}
# Pillow raises any of these on a file it cannot decode, depending on the codec
_DECODE_ERRORS = (
    OSError, ValueError, SyntaxError, EOFError, struct.error,
    Image.DecompressionBombError,
)


@dataclass(repr=False)
class Images:
    """The images of a folder.

    Attributes
    ----------
    X : numpy.ndarray of shape (N, C, H, W), uint8
    names : list of str
        Paths relative to the folder, with ``/`` separators, in the order of ``X``.
    labels : numpy.ndarray of str, or None
        Name of the top subfolder of each image; None when the images are not in
        subfolders.
    """

    X: np.ndarray
    names: list[str]
    labels: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"Images(X=uint8{self.X.shape}, labelled={self.labels is not None})"


def load_image(path, *, size=None, mode=None) -> np.ndarray:
    """Read one image file into a ``(C, H, W)`` ``uint8`` array.

    Parameters
    ----------
    path : str or os.PathLike
        A PNG or JPEG file (anything Pillow reads works).
    size : int or (int, int), optional
        Resize to ``(height, width)``, or to a square of that side for an int.
    mode : {"L", "RGB"}, optional
        Grayscale (C=1) or colour (C=3); by default the image's own kind.

    Returns
    -------
    numpy.ndarray of shape (C, H, W), uint8
    """
    path = Path(path)
    size, mode = _check_size(size), _check_mode(mode)
    if not path.exists():
        raise MissingDataError(f"no such file or folder: '{path}'")
    pixels = _read(path, size)
    return _channels_first(pixels, mode or ("L" if pixels.ndim == 2 else "RGB"))


def load_image_folder(path, *, size=None, mode=None) -> Images:
    """Read every PNG and JPEG file under a folder, in sorted order, recursively.

    Files and folders whose names start with ``.`` are skipped (editor and macOS
    metadata), as are files of other types.

    Parameters
    ----------
    path : str or os.PathLike
        The folder.
    size : int or (int, int), optional
        Resize every image to ``(height, width)``. Without it all images must have
        the same size.
    mode : {"L", "RGB"}, optional
        Default: "L" when every image is grayscale, otherwise "RGB" (grayscale
        images are then repeated on three channels).

    Returns
    -------
    Images
        ``X`` of shape (N, C, H, W), ``uint8``; file names; labels when the images
        are in subfolders.
    """
    folder = Path(path)
    size, mode = _check_size(size), _check_mode(mode)
    files = _find_images(folder)
    names = [f.relative_to(folder).as_posix() for f in files]
    labels = _labels(folder, names)
    pixels = [_read(f, size) for f in files]
    if size is None:
        _check_same_size(pixels, names)
    mode = mode or ("L" if all(p.ndim == 2 for p in pixels) else "RGB")
    X = np.stack([_channels_first(p, mode) for p in pixels])
    logger.info("read %d images of shape %s from %s", len(X), X.shape[1:], folder)
    return Images(X=X, names=names, labels=labels)


def _check_size(size) -> tuple[int, int] | None:
    if size is None:
        return None
    try:
        sides = (size, size) if np.ndim(size) == 0 else tuple(size)
        sides = tuple(operator.index(s) for s in sides)  # refuses 2.5 and "32"
    except TypeError:
        sides = ()
    if isinstance(size, bool) or len(sides) != 2 or min(sides) < 1:
        raise ConfigError(
            f"image size must be a positive int or (height, width), got {size!r}"
        )
    return sides


def _check_mode(mode) -> str | None:
    if mode is None:
        return None
    if not isinstance(mode, str) or mode.upper() not in ("L", "RGB"):
        raise ConfigError(f"image mode must be 'L' (grayscale) or 'RGB', got {mode!r}")
    return mode.upper()


def _find_images(folder: Path) -> list[Path]:
    if not folder.exists():
        raise MissingDataError(f"no such file or folder: '{folder}'")
    if not folder.is_dir():
        raise DataError(f"'{folder}' is not a folder")
    files = [
        f for f in folder.rglob("*")
        if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file()
        and not any(part.startswith(".") for part in f.relative_to(folder).parts)
    ]
    if not files:
        raise DataError(f"folder '{folder}' holds no PNG or JPEG images")
    return sorted(files, key=lambda f: f.relative_to(folder).as_posix())


def _labels(folder: Path, names: list[str]) -> np.ndarray | None:
    """Top subfolder of each image, or None when no image is in a subfolder."""
    nested = ["/" in name for name in names]
    if not any(nested):
        return None
    if not all(nested):
        loose = names[nested.index(False)]
        raise DataError(
            f"folder '{folder}' has images both directly in it ({loose}) and in "
            "subfolders; put all of them in subfolders (one per label) or none"
        )
    return np.array([name.split("/", 1)[0] for name in names])


def _read(path: Path, size: tuple[int, int] | None) -> np.ndarray:
    """Decode one file to ``(H, W)`` (grayscale) or ``(H, W, 3)`` ``uint8`` pixels."""
    try:
        with Image.open(path) as image:
            image.load()  # decode now, so a damaged file fails here and is named
            image = _to_8bit(image)
            if size is not None:
                image = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            return np.asarray(image, dtype=np.uint8)
    except _DECODE_ERRORS as exc:
        raise DataError(f"cannot read image '{path}': {exc}") from None


def _to_8bit(image: Image.Image) -> Image.Image:
    """An "L" or "RGB" version of ``image``; alpha channels are dropped."""
    if image.mode in ("L", "RGB"):
        return image
    if image.mode.startswith("I;16") or image.mode == "I":
        # Pillow's own I -> L conversion clips at 255 instead of scaling 16-bit values
        wide = np.asarray(image, dtype=np.float64)
        return Image.fromarray(np.clip(np.rint(wide / 257.0), 0, 255).astype(np.uint8))
    if image.mode in _GRAY_MODES:
        return image.convert("L")
    if image.mode == "P":
        rgb = np.asarray(image.convert("RGB"))
        gray = (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all()
        return Image.fromarray(rgb[..., 0]) if gray else Image.fromarray(rgb)
    return image.convert("RGB")


def _check_same_size(pixels: list[np.ndarray], names: list[str]) -> None:
    first = pixels[0].shape[:2]
    for array, name in zip(pixels, names, strict=True):
        if array.shape[:2] != first:
            raise DataError(
                f"images have different sizes ({first[0]}x{first[1]} in {names[0]}, "
                f"{array.shape[0]}x{array.shape[1]} in {name}; height x width); "
                "pass a size to resize them"
            )


def _channels_first(pixels: np.ndarray, mode: str) -> np.ndarray:
    """``(H, W)`` or ``(H, W, 3)`` pixels to ``(C, H, W)`` in the given mode."""
    if mode == "L":
        if pixels.ndim == 3:
            # Pillow's ITU-R 601-2 luma, so results match what image tools show
            pixels = np.asarray(Image.fromarray(pixels).convert("L"))
        return pixels[None]
    if pixels.ndim == 2:
        return np.repeat(pixels[None], 3, axis=0)
    return np.ascontiguousarray(pixels.transpose(2, 0, 1))
