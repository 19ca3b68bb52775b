"""Options and small helpers shared by several commands."""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import click
import numpy as np

from aekit._atomic import atomic_path
from aekit.data import LoadedData, load_data
from aekit.errors import ConfigError, DataError, InputError

ARRAY_SUFFIXES = (".npy", ".csv")
OVERWRITE_HELP = "Replace output files that already exist."


class AutoOrCount(click.ParamType):
    """"auto" (the estimator decides) or a whole number of at least ``minimum``."""

    name = "auto|N"

    def __init__(self, minimum: int):
        self.minimum = minimum

    def convert(self, value, param, ctx):
        if value == "auto" or isinstance(value, int) and value >= self.minimum:
            return value
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = self.minimum - 1
        if number < self.minimum:
            self.fail(f"{value!r} is neither 'auto' nor a whole number >= {self.minimum}",
                      param, ctx)
        return number


EPOCHS = AutoOrCount(1)  # epochs: "auto" is the estimator's step budget


def overwrite_option(func):
    """``--overwrite``: without it, a command refuses to replace a file that exists."""
    return click.option("--overwrite", is_flag=True, help=OVERWRITE_HELP)(func)


def check_output(path, *, overwrite: bool, inputs=(), suffixes=None, option: str = "--out",
                 what: str = "files") -> Path:
    """Check, before any work, that the command may write the file ``path``.

    Refused: a name whose ending is not one of ``suffixes`` (when given); a path that is
    one of ``inputs`` (compared resolved, so ``./a.csv`` and ``a.csv`` or a link to it
    are the same file), even with ``--overwrite``; a folder; an existing file unless
    ``overwrite``. ``None`` (an optional output not asked for) passes.
    """
    if path is None:
        return None
    path = Path(path)
    if suffixes and not path.name.lower().endswith(tuple(suffixes)):
        raise DataError(f"cannot write '{path}': {option} takes {what} ending in "
                        f"{', '.join(suffixes)}")
    for given in inputs:
        if given is not None and _same_file(path, Path(given)):
            raise ConfigError(f"{option} '{path}' is also an input of this command; write to "
                              "another file (the input is left as it is)")
    if path.is_dir():
        raise DataError(f"cannot write '{path}': it is a folder; {option} takes a file name")
    if path.exists() and not overwrite:
        raise ConfigError(f"'{path}' already exists; pass --overwrite to replace it, or choose "
                          f"another {option}")
    return path


def check_output_folder(path, *, overwrite: bool, holds: str, what: str) -> Path:
    """Refuse to write into the folder ``path`` when it already holds ``holds`` (a file
    name inside it), unless ``overwrite``; a file at ``path`` is named as one."""
    path = Path(path)
    if path.is_file():
        raise DataError(f"cannot write into '{path}': it is a file, not a folder")
    if (path / holds).exists() and not overwrite:
        raise ConfigError(f"{path} already holds {what}; pass --overwrite to replace it")
    return path


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:  # hard links, or paths that resolve differently to one file
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def data_options(func):
    """``--data``, ``--split``, ``--image-size`` and ``--label-column`` for loading input."""
    for option in reversed([
        click.option("--data", "data", required=True,
                     help="A built-in dataset name (see `aekit datasets`) or a path: .npy, "
                          ".npz, .csv, .parquet, idx(.gz), an image or a folder of images."),
        click.option("--split", default=None, help="Dataset split, e.g. train or test."),
        click.option("--image-size", type=int, default=None,
                     help="Resize images from files to this many pixels square."),
        click.option("--label-column", default=None,
                     help="Column of a CSV/Parquet table that holds labels, not features."),
    ]):
        func = option(func)
    return func


def default_of(func, name: str):
    """The default of ``func``'s parameter ``name``, so a command shows the library's
    default instead of a copy of it (estimators: use ``Estimator().get_params()``)."""
    return inspect.signature(func).parameters[name].default


def load_input(data: str, split, image_size, label_column) -> LoadedData:
    return load_data(data, split=split, image_size=image_size, label_column=label_column)


def load_input_for(estimator, data, split, image_size, label_column) -> LoadedData:
    """DATA loaded for a fitted model; images of another size than the model's are refused
    with the ``--image-size`` that fixes it."""
    loaded = load_input(data, split, image_size, label_column)
    if loaded.kind == "image" and image_size is None:
        _check_image_size(loaded, tuple(estimator.input_shape_))
    return loaded


def _check_image_size(loaded: LoadedData, want: tuple) -> None:
    have = tuple(loaded.X.shape[1:])  # (C, H, W)
    if math.prod(want) == math.prod(have):
        return  # the model takes them (an mlp on flattened pixels, or the same size)
    if len(want) == 3:
        channels, height, width = want
    elif len(want) == 1 and want[0] % have[0] == 0 and math.isqrt(want[0] // have[0]) ** 2 == want[0] // have[0]:
        channels, height = have[0], math.isqrt(want[0] // have[0])  # a table of square images
        width = height
    else:
        return  # nothing a resize fixes: the model's own message says what it expects
    if channels != have[0]:
        return
    fix = (f"pass --image-size {height} to resize them" if height == width
           else f"resize them to {height}x{width} pixels")
    raise InputError(f"'{loaded.source}' holds {have[1]}x{have[2]} images ({math.prod(have)} "
                     f"values each), but the model takes {height}x{width} ({math.prod(want)}): {fix}")


def parse_sizes(text: str | None) -> tuple[int, ...] | None:
    """``"1000,500,250"`` -> ``(1000, 500, 250)``."""
    if text is None:
        return None
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of integers") from None
    if not sizes or min(sizes) < 1:
        raise click.BadParameter(f"{text!r} needs sizes of at least 1")
    return sizes


def write_codes(path, codes: np.ndarray, names=None, *, prefix: str = "code") -> Path:
    """Write one row per sample: a .npy of ``codes``, or a CSV with a header, a ``name``
    column (``names``, e.g. file names) or ``row`` column (row numbers), then
    ``code0, code1, ...`` (``prefix`` + index)."""
    import pandas as pd

    path = Path(path)
    if path.suffix.lower() != ".csv":
        return write_array(path, codes)
    codes = codes.reshape(len(codes), -1)
    ids = {"name": list(names)} if names else {"row": np.arange(len(codes))}
    table = pd.concat([pd.DataFrame(ids),
                       pd.DataFrame(codes, columns=[f"{prefix}{i}" for i in range(codes.shape[1])])],
                      axis=1)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.7g")
    return path


def write_array(path: str, array: np.ndarray) -> Path:
    """Write ``array`` as .npy or .csv (chosen by the suffix), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ARRAY_SUFFIXES:
        raise DataError(f"cannot write {path}: use a .npy or .csv file name")
    with atomic_path(path) as tmp:
        if suffix == ".npy":
            with open(tmp, "wb") as f:
                np.save(f, array, allow_pickle=False)
        else:
            np.savetxt(tmp, array.reshape(len(array), -1), delimiter=",", fmt="%.7g")
    return path
