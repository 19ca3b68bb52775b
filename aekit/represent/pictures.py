"""Pictures of clusters: members of each cluster for images, a 2-D scatter for tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def cluster_members(X: np.ndarray, clusters: np.ndarray, n_clusters: int, per_cluster: int = 10,
                    seed: int = 0) -> np.ndarray:
    """``per_cluster`` members of each cluster drawn at random (data sets are often stored
    sorted by label, so the first members would all look alike), blank cells where a
    cluster has fewer; ``n_clusters * per_cluster`` samples, cluster by cluster."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_clusters):
        members = np.flatnonzero(clusters == c)
        members = X[np.sort(rng.choice(members, min(per_cluster, len(members)), replace=False))]
        blank = np.zeros((per_cluster - len(members), *X.shape[1:]), dtype=X.dtype)
        rows.append(np.concatenate([members, blank]))
    return np.concatenate(rows)


def save_cluster_picture(path, X: np.ndarray, clusters: np.ndarray, n_clusters: int, *,
                         points: np.ndarray | None = None, title: str | None = None) -> Path:
    """Images (N, C, H, W) or (N, H, W): a row of random members per cluster. Tables: the
    ``points`` (N, d) where the clusters were found, drawn in 2-D (their first two
    principal axes when d > 2), coloured by cluster."""
    from aekit.plots import save_embedding_plot, save_image_grid

    if X.ndim >= 3:
        counts = np.bincount(clusters, minlength=n_clusters)
        return save_image_grid(path, cluster_members(X, clusters, n_clusters), n_cols=10,
                               title=title or "10 random members of each cluster",
                               row_labels=[f"{c} ({counts[c]})" for c in range(n_clusters)])
    if points is None or points.shape[1] < 2:
        points = X.reshape(len(X), -1)
    if points.shape[1] > 2:
        from sklearn.decomposition import PCA

        points = PCA(2, random_state=0).fit_transform(points)
    return save_embedding_plot(path, {"clusters": points}, clusters,
                               title=title or "samples coloured by cluster")
