"""Options and small helpers shared by several commands."""

from __future__ import annotations

import inspect
from pathlib import Path

import click
import numpy as np

from aekit._atomic import atomic_path
from aekit.data import LoadedData, load_data
from aekit.errors import DataError


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


def write_array(path: str, array: np.ndarray) -> Path:
    """Write ``array`` as .npy or .csv (chosen by the suffix), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".csv"):
        raise DataError(f"cannot write {path}: use a .npy or .csv file name")
    with atomic_path(path) as tmp:
        if suffix == ".npy":
            with open(tmp, "wb") as f:
                np.save(f, array, allow_pickle=False)
        else:
            np.savetxt(tmp, array.reshape(len(array), -1), delimiter=",", fmt="%.7g")
    return path
