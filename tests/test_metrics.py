"""The shared measures against answers worked out by hand."""

import numpy as np
import pytest

from aekit.metrics import cluster_accuracy, pca_reconstruction, squared_error_per_sample


def test_cluster_accuracy_finds_the_best_matching_of_cluster_ids_to_labels():
    labels = [0, 0, 0, 1, 1, 2, 2, 2]
    # cluster 5 is label 0, cluster 7 label 2, cluster 9 label 1; two samples misplaced
    clusters = [5, 5, 7, 9, 9, 7, 7, 5]
    assert cluster_accuracy(labels, clusters) == pytest.approx(6 / 8)
    assert cluster_accuracy(labels, [1, 1, 1, 2, 2, 0, 0, 0]) == 1.0  # a renaming only
    assert cluster_accuracy([0, 1, 2, 3], [0, 0, 0, 0]) == 0.25  # one cluster: one label matches


def test_squared_error_per_sample_sums_over_values_and_averages_over_samples():
    X = np.zeros((2, 3))
    X_hat = np.array([[255.0, 0, 0], [255.0, 255.0, 0]])
    assert squared_error_per_sample(X, X_hat, value_range=255) == pytest.approx(1.5)


def test_pca_with_every_component_rebuilds_exactly():
    X = np.random.default_rng(0).normal(size=(20, 4))
    np.testing.assert_allclose(pca_reconstruction(X, X[:3], 4), X[:3], atol=1e-5)
