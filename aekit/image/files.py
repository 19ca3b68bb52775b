"""Photo files in and out for ``aekit denoise``: what was read is written back the same
way (size, grayscale or colour, alpha channel, 8 or 16 bits), with the pixels changed.

Read with Pillow: PNG, JPEG, TIFF, BMP, WebP. The EXIF orientation is applied (the
result is stored upright, without the tag); palette and CMYK files are converted to
RGB, and the conversion is said. 16-bit grayscale (Pillow's ``I;16`` and ``I``) stays
16-bit; Pillow reads 16-bit colour files at 8 bits, so they come out 8-bit, and
the notes say so.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from aekit._atomic import atomic_path
from aekit.errors import DataError

logger = logging.getLogger(__name__)

PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error,
                  Image.DecompressionBombError)
_WIDE = ("I;16", "I;16B", "I;16L", "I")
_SCALE16 = 65535.0 / 255.0  # 16-bit values to the 0-255 scale the de-noiser uses


@dataclass
class Photo:
    """A photo as the de-noiser sees it, and what is needed to write it back."""

    pixels: np.ndarray  # float64, (H, W) or (H, W, 3), on the 0-255 scale
    alpha: np.ndarray | None  # the alpha channel as read (uint8), kept untouched
    bits: int  # 8 or 16
    notes: list[str] = field(default_factory=list)  # conversions made, to tell the user
    icc_profile: bytes | None = None
    exif: bytes | None = None  # the file's EXIF block, orientation removed (pixels are upright)


def read_photo(path) -> Photo:
    """Decode ``path``; a file Pillow cannot read is a one-line :class:`DataError`."""
    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            narrowed = _colour_bits(path, image) > 8
            image = ImageOps.exif_transpose(image)  # also takes the orientation tag out
            photo = _as_photo(image)
            photo.exif = image.getexif().tobytes() if len(image.getexif()) else None
    except _DECODE_ERRORS as exc:
        raise DataError(f"cannot read image '{path}': {exc}") from None
    if narrowed:
        photo.notes.append("16-bit colour or grayscale+alpha read at 8 bits (Pillow has no "
                           "such 16-bit mode); written back 8-bit")
    return photo


def _colour_bits(path: Path, image: Image.Image) -> int:
    """Bits per sample the file stores for a colour image (Pillow reduces 16 to 8)."""
    if image.mode not in ("RGB", "RGBA", "LA"):
        return 8
    if image.format == "PNG":
        with open(path, "rb") as f:
            head = f.read(26)
        return head[24] if len(head) == 26 and head[12:16] == b"IHDR" else 8
    if image.format == "TIFF":
        bits = getattr(image, "tag_v2", {}).get(258, 8)
        return max(bits) if isinstance(bits, tuple) else int(bits)
    return 8


def _as_photo(image: Image.Image) -> Photo:
    notes: list[str] = []
    mode = image.mode
    icc = image.info.get("icc_profile")
    if mode in ("P", "CMYK"):
        icc = None  # the profile describes the colours before conversion, not RGB's
    if mode in _WIDE:
        wide = np.asarray(image).astype(np.float64)
        if mode == "I" and (wide.min() < 0 or wide.max() > 65535):
            raise DataError(f"32-bit integer pixels outside 0-65535 ({wide.min():.0f} to "
                            f"{wide.max():.0f}) are not a 16-bit photo")
        return Photo(wide / _SCALE16, None, 16, notes, icc)
    if mode == "F":
        raise DataError("floating-point image files are not photos aekit writes back; pass "
                        "the array to aekit.denoise instead")
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        notes.append("palette colours converted to RGB; written back as RGB")
    elif mode == "CMYK":
        image = image.convert("RGB")
        notes.append("CMYK converted to RGB; written back as RGB")
    elif mode == "1":
        image = image.convert("L")
        notes.append("1-bit image read as 8-bit grayscale")
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        notes.append(f"mode {mode} converted to RGB")
        image = image.convert("RGB")
    alpha = None
    if image.mode in ("LA", "RGBA"):
        alpha = np.asarray(image.getchannel("A"))
        image = image.convert(image.mode[:-1])
    return Photo(np.asarray(image).astype(np.float64), alpha, 8, notes, icc)


def write_photo(path, photo: Photo, pixels: np.ndarray, *, jpeg_quality: int = 95) -> None:
    """Write ``pixels`` (0-255 scale, the shape of ``photo.pixels``) as ``photo`` was read:
    rounded and clipped to 8 or 16 bits, the alpha channel put back. The file appears
    whole or not at all."""
    path = Path(path)
    check_writable(path, photo)
    image = _as_image(photo, pixels)
    suffix = path.suffix.lower()
    options = {}
    if photo.icc_profile:
        options["icc_profile"] = photo.icc_profile
    if photo.exif and suffix != ".bmp":
        options["exif"] = photo.exif
    if suffix in (".jpg", ".jpeg"):
        options.update(quality=jpeg_quality, subsampling=0)
    elif suffix == ".webp":
        options.update(lossless=True)
    with atomic_path(path) as tmp:
        try:
            image.save(tmp, format=Image.registered_extensions()[suffix], **options)
        except (OSError, ValueError, KeyError) as exc:
            if getattr(exc, "errno", None):
                raise  # a full disk or a read-only folder: atomic_path says so
            raise DataError(f"cannot write '{path}': {exc}") from None


# What each format holds of what was read (Pillow's writers): 16 bits, alpha.
_HOLDS = {".png": (True, True), ".tif": (True, True), ".tiff": (True, True),
          ".jpg": (False, False), ".jpeg": (False, False), ".bmp": (False, False),
          ".webp": (False, True)}


def check_writable(path, photo: Photo) -> None:
    """Refuse, before any work, a format that cannot hold the photo as it was read."""
    path = Path(path)
    wide, alpha = _HOLDS.get(path.suffix.lower(), (False, False))
    missing = [what for what, needed, held in (("16-bit pixels", photo.bits == 16, wide),
                                               ("an alpha channel", photo.alpha is not None, alpha))
               if needed and not held]
    if missing:
        raise DataError(f"cannot write '{path}': {path.suffix.lstrip('.').upper()} does not hold "
                        f"{' or '.join(missing)} as this photo has; write .png or .tif")


def _as_image(photo: Photo, pixels: np.ndarray) -> Image.Image:
    if photo.bits == 16:
        wide = np.clip(np.rint(pixels * _SCALE16), 0, 65535).astype(np.uint16)
        return Image.fromarray(wide)  # mode I;16
    narrow = np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
    image = Image.fromarray(narrow)
    if photo.alpha is not None:
        image.putalpha(Image.fromarray(photo.alpha))
    return image


def photo_files(folder: Path) -> list[Path]:
    """The photos under ``folder``, recursively, in sorted order."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
    if not files:
        raise DataError(f"folder '{folder}' has no image files ({', '.join(PHOTO_SUFFIXES)})")
    return files
