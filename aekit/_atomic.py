"""Write files so that a crash or a full disk never leaves a half-written file in place.

Each writer fills a temporary file in the destination's folder and renames it over the
destination only once it is complete (``os.replace`` is atomic on one file system).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Iterator

import torch
from safetensors.torch import save

from aekit.errors import OutputError


def _umasked_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_UMASKED_MODE = _umasked_mode()


# What a write can run into that is about where it writes, not a bug: a full disk, a
# file size limit (RLIMIT_FSIZE), a quota, a read-only file system.
_NO_ROOM = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS}
# Making the temporary file can also be refused for want of permission.
_NO_ENTRY = _NO_ROOM | {errno.EACCES, errno.EPERM}


def _cannot_write(path: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write '{path}': {exc.strerror or exc}; files already there "
                       "are left as they were")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    A full disk or a read-only folder raises :class:`~aekit.errors.OutputError` (one
    line, naming ``path``); the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        if exc.errno in _NO_ENTRY:
            raise _cannot_write(path, exc) from None
        raise
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, _UMASKED_MODE)
        os.replace(tmp, path)
    except OSError as exc:
        if exc.errno in _NO_ROOM:
            raise _cannot_write(path, exc) from None
        raise
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json(path: str | os.PathLike, obj: object) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_safetensors(path: str | os.PathLike, tensors: dict[str, torch.Tensor]) -> None:
    # safetensors refuses shared or non-contiguous storage; clone into plain CPU tensors.
    plain = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    # serialized here and written by Python, so a full disk is an OSError like any other
    # write's (safetensors' own writer reports it as a SafetensorError)
    data = save(plain)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
