"""Measures shared by the demo, the benchmarks and the reports."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA


def squared_error_per_sample(X, X_hat, *, value_range: float = 1.0) -> float:
    """Mean over samples of the summed squared error, with values divided by
    ``value_range`` first (255 for 8-bit pixels): Hinton & Salakhutdinov's measure."""
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1) / value_range
    X_hat = np.asarray(X_hat, dtype=np.float64).reshape(len(X_hat), -1) / value_range
    return float(((X - X_hat) ** 2).sum(axis=1).mean())


def pca_reconstruction(X_train, X_test, n_components: int, random_state=0) -> np.ndarray:
    """PCA fitted on ``X_train``; returns its reconstruction of ``X_test`` in ``X_test``'s shape."""
    flat_train = np.asarray(X_train, dtype=np.float32).reshape(len(X_train), -1)
    flat_test = np.asarray(X_test, dtype=np.float32).reshape(len(X_test), -1)
    pca = PCA(n_components, random_state=random_state).fit(flat_train)
    return pca.inverse_transform(pca.transform(flat_test)).reshape(np.shape(X_test))


def cluster_accuracy(labels, clusters) -> float:
    """Clustering accuracy: the share of samples whose cluster maps to their label under
    the best one-to-one map of cluster ids to labels (the Hungarian method, scipy)."""
    from scipy.optimize import linear_sum_assignment

    labels = np.unique(np.asarray(labels), return_inverse=True)[1]
    clusters = np.unique(np.asarray(clusters), return_inverse=True)[1]
    counts = np.zeros((clusters.max() + 1, labels.max() + 1))
    np.add.at(counts, (clusters, labels), 1)
    rows, cols = linear_sum_assignment(-counts)
    return float(counts[rows, cols].sum() / len(labels))
