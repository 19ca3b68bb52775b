"""Compressing photo files to .aek files and back, for ``aekit compress``,
``aekit decompress`` and ``aekit info``.

The codec codes 8-bit RGB. Other photos are converted first and the conversion is
said: grayscale is repeated into three channels, the alpha channel is dropped, 16-bit
files are rounded to 8 bits, palette and CMYK files become RGB (through
:func:`aekit.image.files.read_photo`, which also applies the EXIF orientation).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from aekit._atomic import atomic_path, write_bytes
from aekit.errors import DataError, MissingDataError
from aekit.image import container
from aekit.image.files import read_photo

AEK_SUFFIX = ".aek"
DECODED_SUFFIXES = (".png", ".tif", ".tiff", ".bmp", ".ppm")  # lossless: the decoded pixels


def read_rgb(path) -> tuple[np.ndarray, list[str]]:
    """(H, W, 3) uint8 pixels of a photo file, and the conversions that were made."""
    photo = read_photo(path)
    notes = list(photo.notes)
    pixels = photo.pixels
    if photo.bits == 16:
        notes.append("16-bit pixels rounded to 8 bits (the codec codes 8-bit RGB)")
    if pixels.ndim == 2:
        notes.append("grayscale repeated into RGB (the codec codes 8-bit RGB)")
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    if photo.alpha is not None:
        notes.append("alpha channel dropped (the codec codes 8-bit RGB)")
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8), notes


def aek_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == AEK_SUFFIX)
    if not files:
        raise DataError(f"folder '{folder}' has no .aek files")
    return files


def read_aek(path) -> bytes:
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"no such file: '{path}'")
    return path.read_bytes()


def compress_file(src: Path, dst: Path, codec, quality: int) -> list[str]:
    pixels, notes = read_rgb(src)
    write_bytes(dst, codec.encode(pixels, quality))
    return notes


def decompress_file(src: Path, dst: Path, codec) -> None:
    pixels = codec.decode(read_aek(src))
    with atomic_path(dst) as tmp:
        try:
            Image.fromarray(pixels).save(tmp, format=Image.registered_extensions()[dst.suffix.lower()])
        except (OSError, ValueError, KeyError) as exc:
            if getattr(exc, "errno", None):
                raise
            raise DataError(f"cannot write '{dst}': {exc}") from None


def info(path) -> dict:
    data = read_aek(path)
    header, _ = container.unpack(data)
    return container.describe(header, len(data))
