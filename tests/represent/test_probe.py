"""The linear probe: few labels per class over codes, PCA and raw inputs."""

import numpy as np
import pytest

from aekit.represent.probe import linear_probe
from aekit.errors import ConfigError, InputError

from tests.conftest import small_model


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.data.astype(np.float32), data.target


@pytest.fixture(scope="module")
def result(digits):
    X, y = digits
    return linear_probe(X, y, labels_per_class=(1, 10), n_draws=2,
                        autoencoder=small_model(code_size=16, hidden=(64,), epochs=10))


def test_one_row_per_feature_kind_and_k(result):
    assert {(r["features"], r["labels_per_class"]) for r in result.rows} == {
        (f, k) for f in ("autoencoder", "pca", "raw") for k in (1, 10)}
    assert result.code_size == 16 and result.n_test == 360 and result.n_train == 1437


def test_more_labels_help_and_beat_chance(result):
    for features in ("autoencoder", "pca", "raw"):
        assert result.accuracy(features, 10) > result.accuracy(features, 1)
        assert result.accuracy(features, 10) > 0.5  # 10 classes: chance is 0.1
    assert "| autoencoder | 10 |" in result.table()


def test_given_test_set_and_unlabelled_pool(digits):
    X, y = digits
    result = linear_probe(X[:1000], y[:1000], X_test=X[1500:], y_test=y[1500:],
                          X_unlabeled=X[1000:1500], features=("pca", "raw"),
                          labels_per_class=5, n_draws=1)
    assert result.n_test == len(X) - 1500 and result.n_train == 1000
    assert result.accuracy("pca", 5) > 0.5


def test_classes_with_too_few_labels_are_noted(digits):
    X, y = digits
    result = linear_probe(X, y, labels_per_class=(500,), features=("raw",), n_draws=1)
    assert any("has only" in note for note in result.notes)


def test_bad_input(digits):
    X, y = digits
    with pytest.raises(InputError, match="got 10 labels for 1797 samples"):
        linear_probe(X, y[:10])
    with pytest.raises(ConfigError, match="labels_per_class"):
        linear_probe(X, y, labels_per_class=(0,))
    with pytest.raises(ConfigError, match="features must be"):
        linear_probe(X, y, features=("tsne",))
    with pytest.raises(InputError, match="X_test has samples of shape"):
        linear_probe(X, y, X_test=X[:, :10], y_test=y)
    with pytest.raises(InputError, match="classes the training labels lack"):
        linear_probe(X[y < 5], y[y < 5], X_test=X, y_test=y, features=("raw",))
