"""``aekit cluster`` driven in-process: labels, pictures, a saved clusterer, bad input."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits, make_blobs

from tests.cli.helpers import one_line_error, run

FAST = ["--epochs", "3", "--quiet"]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    X, _ = make_blobs(n_samples=120, n_features=6, centers=3, random_state=0)
    path = tmp_path_factory.mktemp("t") / "blobs.npy"
    np.save(path, X.astype(np.float32))
    return path


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    path = tmp_path_factory.mktemp("i") / "digits.npy"
    np.save(path, load_digits().images[:150, None].astype(np.float32))
    return path


@pytest.fixture(scope="module")
def saved(table, tmp_path_factory):
    folder = tmp_path_factory.mktemp("c")
    result = run("cluster", "--data", table, "--clusters", 3, "--out", folder / "labels.csv",
                 "--png", folder / "clusters.png", "--save-model", folder / "model", *FAST)
    assert result.exit_code == 0, result.output
    return folder


def test_cluster_writes_labels_a_scatter_and_the_model(saved):
    labels = pd.read_csv(saved / "labels.csv")
    assert list(labels.columns) == ["row", "cluster"] and len(labels) == 120
    assert set(labels["cluster"]) <= {0, 1, 2}
    assert (saved / "clusters.png").read_bytes()[:4] == b"\x89PNG"
    assert (saved / "model" / "config.json").exists()


def test_a_saved_clusterer_assigns_data_without_training(saved, table, tmp_path):
    result = run("cluster", "--model", saved / "model", "--data", table, "--out", tmp_path / "again.npy")
    assert result.exit_code == 0, result.output
    again = np.load(tmp_path / "again.npy")
    np.testing.assert_array_equal(again, pd.read_csv(saved / "labels.csv")["cluster"].to_numpy())


def test_images_get_a_grid_of_members(images, tmp_path):
    result = run("cluster", "--data", images, "--clusters", 4, "--out", tmp_path / "l.npy",
                 "--png", tmp_path / "grid.png", *FAST)
    assert result.exit_code == 0, result.output
    assert "150 samples" in result.output and "in 4 clusters" in result.output
    assert (tmp_path / "grid.png").stat().st_size > 1000


def test_an_existing_output_needs_overwrite(saved, table):
    message = one_line_error(run("cluster", "--data", table, "--clusters", 3,
                                 "--out", saved / "labels.csv", *FAST))
    assert "already exists; pass --overwrite to replace it" in message


def test_clusters_are_needed_without_a_model(table, tmp_path):
    message = one_line_error(run("cluster", "--data", table, "--out", tmp_path / "l.csv"))
    assert message == "pass --clusters K (how many clusters to find), or --model with a saved clusterer"


def test_more_clusters_than_samples_is_one_line(table, tmp_path):
    small = tmp_path / "small.npy"
    np.save(small, np.load(table)[:4])
    message = one_line_error(run("cluster", "--data", small, "--clusters", 5,
                                 "--out", tmp_path / "l.csv", *FAST))
    assert "fewer than n_clusters=5" in message


def test_nan_in_the_data_is_one_line(table, tmp_path):
    bad = tmp_path / "nan.npy"
    X = np.load(table)
    X[2, 1] = np.nan
    np.save(bad, X)
    message = one_line_error(run("cluster", "--data", bad, "--clusters", 3, "--out", tmp_path / "l.csv"))
    assert "NaN" in message


def test_a_model_of_another_kind_is_named(tmp_path, table):
    model = tmp_path / "ae"
    assert run("train", "--data", table, "--out", model, "--architecture", "mlp", "--hidden", "8",
               "--code-size", "2", "--epochs", "1", "--quiet").exit_code == 0
    message = one_line_error(run("cluster", "--model", model, "--data", table,
                                 "--out", tmp_path / "l.csv"))
    assert "is an auto-encoder" in message and "needs a clusterer" in message
