"""The demo's clustering step: DeepClustering (auto-encoder codes, UMAP, a Gaussian
mixture) against k-means on the pixels and on the first step's auto-encoder codes."""

from __future__ import annotations

import time
from pathlib import Path

from aekit.data import load_dataset
from aekit.demo.steps import StepResult
from aekit.metrics import cluster_accuracy
from aekit.represent.cluster import DeepClustering
from aekit.represent.pictures import save_cluster_picture


def clustering_step(out: Path, *, epochs: int = 20, verbose="auto", shared=None) -> StepResult:
    """Cluster 5,000 digits without labels; the labels only score the clusters.

    DeepClustering trains its own small-code auto-encoder for the demo's ``epochs`` (its
    default trains longer; BENCHMARKS.md has both). k-means runs on the pixels and, when
    the reconstruction step trained one (``shared``), on that auto-encoder's codes.
    """
    from sklearn.cluster import KMeans

    data = load_dataset("mnist5k")
    shared = shared or {}
    start = time.perf_counter()
    clusterer = DeepClustering(n_clusters=10, epochs=epochs, random_state=0, verbose=verbose)
    found = {"deep": clusterer.fit(data.X).labels_}
    deep_seconds = time.perf_counter() - start
    pixels = data.X.reshape(len(data.X), -1) / 255.0
    start = time.perf_counter()
    found["pixels"] = KMeans(10, n_init=10, random_state=0).fit_predict(pixels)
    kmeans_seconds = time.perf_counter() - start
    model = shared.get("digits_model")
    if model is not None:
        found["codes"] = KMeans(10, n_init=10, random_state=0).fit_predict(model.transform(data.X))
    png = save_cluster_picture(out / "clusters.png", data.X, found["deep"], 10,
                               title="DeepClustering: 10 random digits of each cluster")
    accuracy = {name: cluster_accuracy(data.y, labels) for name, labels in found.items()}
    lines = [
        f"data: all {len(data.X)} digits, no labels; 10 clusters",
        "clustering accuracy against the digit labels (best one-to-one matching):",
        f"  DeepClustering                {accuracy['deep']:.3f}   ({deep_seconds:.0f} s: "
        f"auto-encoder, {epochs} epochs, UMAP, Gaussian mixture)",
        f"  k-means on pixels             {accuracy['pixels']:.3f}   ({kmeans_seconds:.0f} s)",
    ]
    if "codes" in accuracy:
        lines.append(f"  k-means on auto-encoder codes {accuracy['codes']:.3f}   "
                     "(the first step's model)")
    return StepResult("Clusters: DeepClustering against k-means", lines, [png],
                      shared={"cluster_accuracy": accuracy})
