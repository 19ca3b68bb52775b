"""The demo's discrete-code step: clusters from a one-hot code, against k-means."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from aekit.autoencoder import AutoEncoder
from aekit.data import load_dataset
from aekit.metrics import cluster_accuracy
from aekit.plots import save_image_grid


def clustering_step(out: Path, *, epochs: int = 20, verbose="auto"):
    """A one-hot auto-encoder sorts 5,000 digits into 10 clusters without labels; the
    labels only score the result, as they score k-means on the same pixels."""
    from sklearn.cluster import KMeans

    from aekit.apps.demo import StepResult

    data = load_dataset("mnist5k")
    start = time.perf_counter()
    # The fully-connected 500-500-2000 encoder of deep clustering (Xie et al. 2016).
    model = AutoEncoder(architecture="mlp", hidden=(500, 500, 2000), bottleneck="onehot",
                        code_size=10, epochs=epochs, patience=None, random_state=0,
                        verbose=verbose).fit(data.X)
    seconds = time.perf_counter() - start
    clusters = model.predict(data.X)
    pixels = data.X.reshape(len(data.X), -1) / 255.0
    kmeans = KMeans(10, n_init=10, random_state=0).fit_predict(pixels)
    model.save(out / "cluster-model")
    png = save_image_grid(out / "clusters.png", _members(data.X, clusters), n_cols=10,
                          title="one-hot auto-encoder: 10 random digits of each cluster",
                          row_labels=[f"cluster {c}" for c in range(10)])
    lines = [
        f"model: one-hot auto-encoder (10 clusters), {model.n_epochs_} epochs in {seconds:.0f} s; "
        f"{model.codebook_usage_:.0%} of clusters used, perplexity {model.codebook_perplexity_:.1f}",
        "clustering accuracy against the digit labels (best one-to-one matching):",
        f"  one-hot auto-encoder {cluster_accuracy(data.y, clusters):.3f}",
        f"  k-means on pixels    {cluster_accuracy(data.y, kmeans):.3f}",
    ]
    return StepResult("Discrete codes: clusters from a one-hot code", lines,
                      [png, out / "cluster-model"])


def _members(X: np.ndarray, clusters: np.ndarray, per_cluster: int = 10) -> np.ndarray:
    """``per_cluster`` members of each cluster drawn at random (the digits are stored
    sorted by label, so the first members would all look alike), blank cells where a
    cluster has fewer."""
    rng = np.random.default_rng(0)
    rows = []
    for c in range(10):
        members = np.flatnonzero(clusters == c)
        members = X[np.sort(rng.choice(members, min(per_cluster, len(members)), replace=False))]
        blank = np.zeros((per_cluster - len(members), *X.shape[1:]), dtype=X.dtype)
        rows.append(np.concatenate([members, blank]))
    return np.concatenate(rows)
