"""The .aek container: a small versioned header, the coded strings, a checksum.

Layout (little-endian)::

    magic      4 bytes  b"\\x89AEK"
    version    u8       FORMAT_VERSION
    mode       u8       0 factorized, 1 hyperprior
    quality    u8       1 = smallest file
    channels   u8       3
    height     u32
    width      u32
    model id   8 bytes  the first 8 bytes of the sha-256 of the codec's frozen weights
    strings    u8       how many coded strings follow
    then per string: u32 length, the bytes
    crc32      u32      of everything before it

Everything is checked before anything is allocated: sizes are capped at MAX_PIXELS, the
lengths must add up to the file, and the checksum must match, so a truncated, tampered
or random file is refused in one line.
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

import numpy as np

from aekit.errors import InputError

MAGIC = b"\x89AEK"
FORMAT_VERSION = 1
MODES = ("factorized", "hyperprior")
MAX_PIXELS = 4096 * 4096  # decoding is whole-image; beyond this memory is not bounded
MAX_STRINGS = 4
_FIXED = struct.Struct("<4sBBBBII8sB")


class Header(NamedTuple):
    model_id: str  # 16 hex digits
    height: int
    width: int
    channels: int
    quality: int
    mode: str


def check_pixels(image) -> np.ndarray:
    """An (H, W, 3) uint8 array within the size limit, or a refusal."""
    pixels = np.asarray(image)
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        raise InputError(f"the codec takes (H, W, 3) uint8 RGB pixels, got {pixels.dtype} "
                         f"{pixels.shape}")
    check_size(pixels.shape[0], pixels.shape[1])
    return pixels


def check_size(height: int, width: int) -> None:
    if height < 1 or width < 1:
        raise InputError(f"an image of {height}x{width} pixels has nothing to code")
    if height * width > MAX_PIXELS:
        raise InputError(f"{width}x{height} pixels is over the codec's limit of "
                         f"{MAX_PIXELS // 10**6} megapixels; split the image first")


def pack(header: Header, strings: list[bytes]) -> bytes:
    body = _FIXED.pack(MAGIC, FORMAT_VERSION, MODES.index(header.mode), header.quality,
                       header.channels, header.height, header.width,
                       bytes.fromhex(header.model_id[:16]), len(strings))
    body += b"".join(struct.pack("<I", len(s)) + s for s in strings)
    return body + struct.pack("<I", zlib.crc32(body))


def unpack(data: bytes) -> tuple[Header, list[bytes]]:
    """The header and the strings of an .aek file's bytes, or :class:`InputError`."""
    data = bytes(data)
    if len(data) < 4 or data[:4] != MAGIC:
        raise InputError("not an .aek file (its first bytes are not aekit's codec signature)")
    if len(data) < _FIXED.size + 4:
        raise InputError(f"the .aek file is truncated ({len(data)} bytes)")
    magic, version, mode, quality, channels, height, width, model, count = _FIXED.unpack_from(data)
    if version != FORMAT_VERSION:
        raise InputError(f"the .aek file is format version {version}; this aekit reads "
                         f"version {FORMAT_VERSION}")
    if zlib.crc32(data[:-4]) != struct.unpack("<I", data[-4:])[0]:
        raise InputError("the .aek file is damaged or truncated (its checksum does not match)")
    if mode >= len(MODES) or channels != 3 or quality < 1 or not 1 <= count <= MAX_STRINGS:
        raise InputError("the .aek header is not valid (mode, channels, quality or strings)")
    check_size(height, width)
    strings, at = [], _FIXED.size
    for _ in range(count):
        if at + 4 > len(data) - 4:
            raise InputError("the .aek file is truncated (a coded string is missing)")
        (length,) = struct.unpack_from("<I", data, at)
        if at + 4 + length > len(data) - 4:
            raise InputError("the .aek file is truncated (a coded string is cut short)")
        strings.append(data[at + 4:at + 4 + length])
        at += 4 + length
    if at != len(data) - 4:
        raise InputError("the .aek file has bytes after its coded strings")
    return Header(model.hex(), height, width, channels, quality, MODES[mode]), strings


def describe(header: Header, size: int) -> dict:
    """What ``aekit info`` prints."""
    bpp = 8.0 * size / (header.height * header.width)
    return {"format": f"aek version {FORMAT_VERSION}", "model": header.model_id,
            "mode": header.mode, "quality": header.quality,
            "size": f"{header.width}x{header.height}", "channels": header.channels,
            "bytes": size, "bits_per_pixel": round(bpp, 4)}
