"""Read and write the idx format of MNIST and Fashion-MNIST, plain or gzip-compressed.

An idx file is two zero bytes, a type code, the number of dimensions, one big-endian
``uint32`` per dimension, then the values in big-endian C order. Every part of the
header is checked against the data, so a truncated download or a file of another format
fails with a message naming the file instead of producing a wrongly shaped array.
"""

from __future__ import annotations

import gzip
import logging
import math
import re
import zlib
from pathlib import Path

import numpy as np

from aekit._atomic import write_bytes
from aekit.errors import DataError, InputError, MissingDataError

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"

# type code -> big-endian dtype, as defined by LeCun's description of the format
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}


def read_idx(path) -> np.ndarray:
    """Read an idx file, gzip-compressed or not, into a native-endian array.

    Compression is recognised by the gzip magic bytes, whatever the file is called.

    Parameters
    ----------
    path : str or os.PathLike
        The idx file, e.g. ``t10k-images-idx3-ubyte.gz``.

    Returns
    -------
    numpy.ndarray
        Array with the shape and type the header declares (``uint8`` for MNIST).

    Raises
    ------
    MissingDataError
        If the file does not exist.
    DataError
        If the file is not valid idx or gzip, is truncated or has bytes after the data.
    """
    path = Path(path)
    raw = _decompress(_read_bytes(path), path)
    dtype, shape, offset = _parse_header(raw, path)
    expected = math.prod(shape) * dtype.itemsize
    found = len(raw) - offset
    described = f"{'x'.join(map(str, shape))} {dtype.newbyteorder('=').name} values"
    if found < expected:
        raise DataError(
            f"'{path}' is truncated: its header announces {described} "
            f"({expected} bytes) but only {found} bytes follow"
        )
    if found > expected:
        raise DataError(
            f"'{path}' has {found - expected} unexpected bytes after the "
            f"{described} its header announces"
        )
    data = np.frombuffer(raw, dtype=dtype, count=math.prod(shape), offset=offset)
    # astype copies, so the result is writable and no longer tied to the file's bytes
    return data.reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path, array) -> None:
    """Write ``array`` as an idx file, gzip-compressed when ``path`` ends in ``.gz``.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    array : numpy.ndarray
        Array of ``uint8``, ``int8``, ``int16``, ``int32``, ``float32`` or ``float64``
        with at least one dimension.
    """
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        names = ", ".join(d.newbyteorder("=").name for d in IDX_DTYPES.values())
        raise InputError(f"idx cannot store {array.dtype} values; use one of {names}")
    if array.ndim == 0 or array.ndim > 255:
        raise InputError(f"idx stores 1 to 255 dimensions, not {array.ndim}")
    header = bytes([0, 0, code, array.ndim])
    header += np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    if str(path).lower().endswith(".gz"):
        # mtime=0 makes the output byte-identical across runs
        payload = gzip.compress(payload, mtime=0)
    write_bytes(path, payload)  # atomically, like every file aekit writes


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise MissingDataError(f"no such file or folder: '{path}'") from None
    except IsADirectoryError:
        raise DataError(f"'{path}' is a folder, not an idx file") from None
    except OSError as exc:
        raise DataError(f"cannot read '{path}': {exc.strerror or exc}") from None


def _decompress(raw: bytes, path: Path) -> bytes:
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"'{path}' is a damaged or truncated gzip file ({exc})"
                        ) from None


def _parse_header(raw: bytes, path: Path) -> tuple[np.dtype, tuple[int, ...], int]:
    """Return the dtype, shape and data offset that the header of ``raw`` declares."""
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        start = " ".join(f"{b:02x}" for b in raw[:4]) or "nothing"
        raise DataError(
            f"'{path}' is not an idx file: it starts with {start} instead of 00 00"
        )
    code, ndim = raw[2], raw[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X} ({d.newbyteorder('=').name})"
                          for c, d in IDX_DTYPES.items())
        raise DataError(
            f"'{path}' has unknown idx type code 0x{code:02X}; known: {known}"
        )
    if ndim == 0:
        raise DataError(f"'{path}' declares 0 dimensions; idx data needs at least 1")
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise DataError(
            f"'{path}' is truncated: its header declares {ndim} dimensions but ends "
            f"after {len(raw)} bytes"
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    return IDX_DTYPES[code], shape, offset



def read_idx_labels(images_path) -> np.ndarray | None:
    """Read the labels that belong to an MNIST-style images file, if they are there.

    MNIST names the labels of ``train-images-idx3-ubyte`` ``train-labels-idx1-ubyte``
    (each possibly ``.gz``, and some copies use ``.idx3-ubyte``). Returns None when the
    name does not follow that pattern or no such labels file exists.
    """
    path = Path(images_path)
    pattern = r"-images([.-])idx3-ubyte"
    labels_name, found = re.subn(pattern, r"-labels\1idx1-ubyte", path.name)
    if not found:
        return None
    stem = labels_name[:-3] if labels_name.lower().endswith(".gz") else labels_name
    for candidate in (path.with_name(stem), path.with_name(stem + ".gz")):
        if candidate.is_file():
            logger.info("reading the labels of %s from %s", path, candidate)
            return read_idx(candidate)
    return None
