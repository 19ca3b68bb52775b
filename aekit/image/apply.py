"""De-noising files: one photo, or a folder of them into another folder."""

from __future__ import annotations

from pathlib import Path

from aekit.errors import ConfigError, DataError, MissingDataError
from aekit.image.files import (PHOTO_SUFFIXES, check_writable, photo_files, read_photo,
                               write_photo)
from aekit.image.shipped import denoise


def plan_outputs(source, out, *, overwrite: bool) -> list[tuple[Path, Path]]:
    """(input, output) pairs, all checked before any work: a file to a file, or every
    photo under a folder to the same name under the ``out`` folder. Existing outputs
    are refused unless ``overwrite``; an output that is an input, always."""
    source, out = Path(source), Path(out)
    if not source.exists():
        raise MissingDataError(f"no such file or folder: '{source}'")
    if source.is_dir():
        if out.is_file():
            raise DataError(f"cannot write into '{out}': it is a file; a folder of photos "
                            "goes to a folder")
        pairs = [(p, out / p.relative_to(source)) for p in photo_files(source)]
    else:
        if out.is_dir():
            out = out / source.name
        if out.suffix.lower() not in PHOTO_SUFFIXES:
            raise DataError(f"cannot write '{out}': --out takes a file ending in "
                            f"{', '.join(PHOTO_SUFFIXES)}")
        pairs = [(source, out)]
    for src, dst in pairs:
        if dst.resolve() == src.resolve():
            raise ConfigError(f"'{dst}' is also the input; write to another file or folder "
                              "(the input is left as it is)")
        if dst.exists() and not overwrite:
            raise ConfigError(f"'{dst}' already exists; pass --overwrite to replace it, or "
                              "choose another --out")
    return pairs


def denoise_file(src: Path, dst: Path, *, sigma=None, model=None) -> list[str]:
    """De-noise one photo file into ``dst``; returns the conversions that were made."""
    photo = read_photo(src)
    check_writable(dst, photo)  # before the work, not after
    clean = denoise(photo.pixels, sigma=sigma, model=model)
    write_photo(dst, photo, clean)
    return photo.notes
