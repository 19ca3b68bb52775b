"""DeepClustering: auto-encoder codes -> UMAP -> Gaussian mixture, on small data."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.utils.estimator_checks import parametrize_with_checks

import aekit
from aekit.errors import ConfigError, InputError
from aekit.metrics import cluster_accuracy


def small_clusterer(**overrides):
    settings = dict(n_clusters=3, hidden=(16,), code_size=4, epochs=20, head_epochs=30,
                    n_neighbors=10, random_state=0, verbose=False)
    settings.update(overrides)
    return aekit.DeepClustering(**settings)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=150, n_features=8, centers=3, cluster_std=0.5, random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def fitted(blobs):
    return small_clusterer().fit(blobs[0])


def test_well_separated_blobs_are_clustered_right(blobs, fitted):
    assert cluster_accuracy(blobs[1], fitted.labels_) == 1.0


def test_fit_gives_labels_centres_in_code_space_and_the_manifold(blobs, fitted):
    X = blobs[0]
    assert fitted.labels_.shape == (150,) and fitted.labels_.dtype == np.int64
    assert set(np.unique(fitted.labels_)) == {0, 1, 2}
    assert fitted.cluster_centers_.shape == (3, 4)  # (n_clusters, code_size)
    assert fitted.embedding_.shape == (150, 3)  # UMAP with as many dimensions as clusters
    assert fitted.predict_proba(X[:7]).shape == (7, 3)
    np.testing.assert_allclose(fitted.predict_proba(X[:7]).sum(axis=1), 1.0, rtol=1e-6)
    # each centre is the mean code of its cluster's members (weighted by probability)
    codes = fitted.manifold_.codes(X)
    for c in range(3):
        np.testing.assert_allclose(fitted.cluster_centers_[c], codes[fitted.labels_ == c].mean(axis=0),
                                   atol=0.05 * np.abs(codes).max())


def test_predict_on_the_training_data_gives_labels_(blobs, fitted):
    np.testing.assert_array_equal(fitted.predict(blobs[0]), fitted.labels_)


def test_fit_predict_is_labels_of_fit(blobs):
    np.testing.assert_array_equal(small_clusterer().fit_predict(blobs[0]), small_clusterer().fit(blobs[0]).labels_)


def test_save_and_load_give_the_same_predictions(blobs, fitted, tmp_path):
    fitted.save(tmp_path / "dc")
    loaded = aekit.load(tmp_path / "dc")
    assert type(loaded) is aekit.DeepClustering
    np.testing.assert_allclose(loaded.predict_proba(blobs[0]), fitted.predict_proba(blobs[0]),
                               atol=1e-5)
    np.testing.assert_array_equal(loaded.predict(blobs[0]), fitted.predict(blobs[0]))
    np.testing.assert_array_equal(loaded.labels_, fitted.labels_)
    np.testing.assert_allclose(loaded.cluster_centers_, fitted.cluster_centers_)


def test_images_are_clustered_with_a_conv_auto_encoder_when_asked(digit_images):
    X = digit_images[:200]
    dc = aekit.DeepClustering(n_clusters=4, architecture="auto", epochs=2, head_epochs=10, random_state=0,
                              verbose=False).fit(X)
    assert dc.manifold_.autoencoder_.architecture_ == "conv"
    assert dc.predict(X[:5]).shape == (5,)


def test_more_clusters_than_samples_is_refused(blobs):
    with pytest.raises(InputError, match=r"X has 5 sample\(s\), fewer than n_clusters=8; "
                                         "DeepClustering needs at least one sample per cluster"):
        small_clusterer(n_clusters=8).fit(blobs[0][:5])


def test_nan_is_refused(blobs):
    X = blobs[0].copy()
    X[3, 2] = np.nan
    with pytest.raises(InputError, match="NaN"):
        small_clusterer().fit(X)


def test_new_data_of_another_width_is_refused(blobs, fitted):
    with pytest.raises(InputError, match="X has 5 features, but DeepClustering is expecting 8 "
                                         "features as input"):
        fitted.predict(blobs[0][:, :5])


def test_bad_parameters_are_named(blobs):
    with pytest.raises(ConfigError, match="DeepClustering: n_clusters must be an integer >= 1, got 0"):
        small_clusterer(n_clusters=0).fit(blobs[0])
    with pytest.raises(ConfigError, match="covariance_type must be one of"):
        small_clusterer(covariance_type="round").fit(blobs[0])


def test_predict_before_fit_says_so(blobs):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        small_clusterer().predict(blobs[0])


@parametrize_with_checks([small_clusterer(epochs=2, head_epochs=5, code_size=2, hidden=(8,))])
def test_sklearn_conventions(estimator, check):
    check(estimator)
