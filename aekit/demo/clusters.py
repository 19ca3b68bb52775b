"""The demo's clustering step: k-means on auto-encoder codes, against pixels and PCA."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from aekit.models.autoencoder import AutoEncoder
from aekit.data import load_dataset
from aekit.metrics import cluster_accuracy
from aekit.demo.steps import StepResult
from aekit.plots import save_image_grid


def clustering_step(out: Path, *, epochs: int = 20, verbose="auto", shared=None) -> StepResult:
    """Cluster 5,000 digits without labels: k-means on the auto-encoder's codes against
    k-means on the pixels and on PCA codes of the same size; the labels only score them.

    The auto-encoder is the one the reconstruction step trained (``shared``), so the demo
    trains it once; run alone, the step trains its own. The one-hot auto-encoder
    (``bottleneck="onehot"``) is not shown: on these digits it is no better than k-means
    on pixels (BENCHMARKS.md), and the demo shows what wins.
    """
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    data = load_dataset("mnist5k")
    shared = shared or {}
    start = time.perf_counter()
    model = shared.get("digits_model")
    if model is None:
        model = AutoEncoder(code_size=30, epochs=epochs, random_state=0, verbose=verbose).fit(data.X)
    codes = model.transform(data.X)
    pixels = data.X.reshape(len(data.X), -1) / 255.0
    pca = PCA(codes.shape[1], random_state=0).fit_transform(pixels)
    found = {name: KMeans(10, n_init=10, random_state=0).fit_predict(features)
             for name, features in (("codes", codes), ("pixels", pixels), ("pca", pca))}
    seconds = time.perf_counter() - start
    png = save_image_grid(out / "clusters.png", _members(data.X, found["codes"]), n_cols=10,
                          title="k-means on auto-encoder codes: 10 random digits of each cluster",
                          row_labels=[f"cluster {c}" for c in range(10)])
    accuracy = {name: cluster_accuracy(data.y, labels) for name, labels in found.items()}
    lines = [
        f"data: all {len(data.X)} digits, no labels; k-means (10 clusters) in {seconds:.0f} s",
        "clustering accuracy against the digit labels (best one-to-one matching):",
        f"  k-means on auto-encoder codes {accuracy['codes']:.3f}   ({codes.shape[1]}-D)",
        f"  k-means on PCA codes          {accuracy['pca']:.3f}   (same size)",
        f"  k-means on pixels             {accuracy['pixels']:.3f}",
    ]
    return StepResult("Clusters: k-means on auto-encoder codes", lines, [png], shared={"cluster_accuracy": accuracy})


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
