"""Work on files: one file, or a folder of them into another folder (de-noising,
compressing, decompressing)."""

from __future__ import annotations

from pathlib import Path

from aekit.errors import ConfigError, DataError, MissingDataError
from aekit.image.files import (PHOTO_SUFFIXES, check_writable, photo_files, read_photo,
                               write_photo)
from aekit.image.shipped import denoise


def plan_outputs(source, out, *, overwrite: bool, find=photo_files,
                 writes=PHOTO_SUFFIXES, suffix: str | None = None) -> list[tuple[Path, Path]]:
    """(input, output) pairs, all checked before any work: a file to a file, or every
    file ``find`` lists under a folder to the same name under the ``out`` folder (with
    ``suffix`` instead of its own, when given). ``writes``: the suffixes an output file
    may have. Existing outputs are refused unless ``overwrite``; an output that is an
    input, always."""
    source, out = Path(source), Path(out)
    if not source.exists():
        raise MissingDataError(f"no such file or folder: '{source}'")
    if source.is_dir():
        if out.is_file():
            raise DataError(f"cannot write into '{out}': it is a file; a folder of photos "
                            "goes to a folder")
        pairs = [(p, _renamed(out / p.relative_to(source), suffix)) for p in find(source)]
    else:
        if out.is_dir():
            out = _renamed(out / source.name, suffix)
        if out.suffix.lower() not in writes:
            raise DataError(f"cannot write '{out}': --out takes a file ending in "
                            f"{', '.join(writes)}")
        pairs = [(source, out)]
    for src, dst in pairs:
        if dst.resolve() == src.resolve():
            raise ConfigError(f"'{dst}' is also the input; write to another file or folder "
                              "(the input is left as it is)")
        if dst.exists() and not overwrite:
            raise ConfigError(f"'{dst}' already exists; pass --overwrite to replace it, or "
                              "choose another --out")
    return pairs


def _renamed(path: Path, suffix: str | None) -> Path:
    return path if suffix is None else path.with_suffix(suffix)


def denoise_file(src: Path, dst: Path, *, sigma=None, model=None) -> list[str]:
    """De-noise one photo file into ``dst``; returns the conversions that were made."""
    photo = read_photo(src)
    check_writable(dst, photo)  # before the work, not after
    clean = denoise(photo.pixels, sigma=sigma, model=model)
    write_photo(dst, photo, clean)
    return photo.notes
