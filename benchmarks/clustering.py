"""Clustering: DeepClustering (issue 18), a one-hot code, and VQ codebook use (issue 5).

    python -m benchmarks.clustering --parts cluster vq --datasets mnist fashion
    python -m benchmarks.clustering --parts cluster --datasets mnist fashion digits \
        --methods kmeans deep --seeds 0 1 2

- cluster: accuracy (the best one-to-one matching of the 10 cluster ids to the 10 labels,
  by the Hungarian method) and NMI on MNIST t10k and the Fashion-MNIST test set (10,000
  images each), no labels used in training:
    - k-means on pixels, and k-means on 50-D PCA codes (scikit-learn, 10 restarts);
    - the one-hot auto-encoder on pixels: ``AutoEncoder(bottleneck="onehot",
      code_size=10)`` with the mlp 500-500-2000 encoder of DEC (Xie et al. 2016);
    - ``aekit.DeepClustering(n_clusters=10)`` with its defaults (issue 18: auto-encoder
      codes, UMAP to 10 dimensions, a Gaussian mixture; N2D, McConville et al. 2020);
      labels_ of the fit on all the images, with the time of the whole fit;
    - the one-hot auto-encoder stacked on a continuous auto-encoder's 10-D codes (a
      scikit-learn pipeline: conv AutoEncoder, then the one-hot one; ``predict`` of the
      pipeline gives the cluster), and k-means on those same codes for comparison.
  Targets: the one-hot auto-encoder above k-means on pixels and on PCA codes (issue 5);
  DeepClustering at least 0.85 on MNIST t10k, 0.60 on Fashion-MNIST test and 0.90 on
  scikit-learn's digits (1,797 8x8 images, aekit's built-in "digits"), the worst of 3
  seeds (issue 18).
- vq: ``AutoEncoder(bottleneck="vq", codebook_size=512)`` on the Fashion-MNIST training
  set (60,000 images): a 64-D code cut into 8 vectors of 8, each one of the 512 codebook
  entries; reconstruction error on the test set, share of the codebook used and its
  perplexity, against a continuous auto-encoder with the same 64-D code.
  Target: at least 90 % of the codes used.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import normalized_mutual_info_score
from sklearn.pipeline import Pipeline, make_pipeline

import aekit
from aekit.data import load_dataset
from aekit.models.discrete import code_usage
from aekit.metrics import cluster_accuracy
from benchmarks.common import load_mnist_t10k, print_table

SEED = 0  # the VQ models'


def load(name: str):
    if name == "mnist":
        X, y = load_mnist_t10k()
        return X, y.astype(np.int64), "MNIST t10k"
    if name == "digits":
        data = load_dataset("digits")
        return data.X, data.y.astype(np.int64), "sklearn digits"
    data = load_dataset("fashion-mnist", "test")
    return data.X, data.y.astype(np.int64), "Fashion-MNIST test"


def onehot_ae(epochs: int, seed: int) -> aekit.AutoEncoder:
    return aekit.AutoEncoder(architecture="mlp", hidden=(500, 500, 2000), bottleneck="onehot",
                             code_size=10, epochs=epochs, patience=None, random_state=seed)


def stacked_onehot_ae(epochs: int, seed: int) -> Pipeline:
    continuous = aekit.AutoEncoder(code_size=10, epochs=epochs, random_state=seed)
    return make_pipeline(continuous, onehot_ae(epochs, seed))


def cluster_rows(name: str, epochs: int, seed: int, methods: list[str]) -> list[dict]:
    X, y, title = load(name)
    pixels = X.reshape(len(X), -1).astype(np.float32) / float(X.max())  # in [0, 1]
    rows = []

    def add(method, fit_predict):
        start = time.perf_counter()
        clusters = fit_predict()
        rows.append({"data": title, "method": method, "seed": seed,
                     "accuracy": cluster_accuracy(y, clusters),
                     "NMI": normalized_mutual_info_score(y, clusters),
                     "clusters used": len(np.unique(clusters)),
                     "seconds": time.perf_counter() - start})
        print_table(rows[-1:])

    kmeans = lambda: KMeans(10, n_init=10, random_state=seed)  # noqa: E731
    if "kmeans" in methods:
        add("k-means on pixels", lambda: kmeans().fit_predict(pixels))
        add("k-means on PCA-50 codes",
            lambda: kmeans().fit_predict(PCA(50, random_state=seed).fit_transform(pixels)))
    if "deep" in methods:
        add("DeepClustering (defaults)",
            lambda: aekit.DeepClustering(n_clusters=10, random_state=seed, verbose=False).fit(X).labels_)
    if "onehot" in methods:
        add("one-hot AE on pixels", lambda: onehot_ae(epochs, seed).fit(X).predict(X))
    if "stacked" in methods:
        stacked = stacked_onehot_ae(epochs, seed)
        add("one-hot AE on AE codes (stacked)", lambda: stacked.fit(X).predict(X))
        codes = stacked[0].transform(X)
        add("k-means on the same AE codes", lambda: kmeans().fit_predict(codes))
    return rows


def vq_rows(epochs: int) -> list[dict]:
    train = load_dataset("fashion-mnist", "train").X
    test = load_dataset("fashion-mnist", "test").X
    rows = []
    for label, settings in [
        ("continuous 64-D code", dict()),
        ("vq: 8 vectors of 8, K=512", dict(bottleneck="vq", codebook_size=512, codebook_dim=8)),
    ]:
        start = time.perf_counter()
        model = aekit.AutoEncoder(code_size=64, epochs=epochs, random_state=SEED,
                                  **settings).fit(train)
        row = {"model": label, "test MSE (scaled)": float(model.reconstruction_error(test).mean()),
               "seconds": time.perf_counter() - start}
        if "bottleneck" in settings:
            usage, perplexity = code_usage(model.predict(test), 512)
            row.update({"codes used (train)": f"{model.codebook_usage_:.1%}",
                        "perplexity (train)": model.codebook_perplexity_,
                        "codes used (test)": f"{usage:.1%}", "perplexity (test)": perplexity,
                        "restarts per epoch (last)": model.history_[-1].get("train_restarted")})
        rows.append(row)
        print_table(rows[-1:])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["cluster", "vq"], choices=["cluster", "vq"])
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion"],
                        choices=["mnist", "fashion", "digits"])
    parser.add_argument("--methods", nargs="+", default=["kmeans", "onehot", "stacked"],
                        choices=["kmeans", "deep", "onehot", "stacked"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=20, help="epochs of the clustering models")
    parser.add_argument("--vq-epochs", type=int, default=10,
                        help="epochs of the two 60,000-image models")
    args = parser.parse_args()
    if "cluster" in args.parts:
        rows = [row for name in args.datasets for seed in args.seeds
                for row in cluster_rows(name, args.epochs, seed, args.methods)]
        print("\n## Clustering accuracy (Hungarian matching), 10 clusters\n")
        print_table(rows)
    if "vq" in args.parts:
        print("\n## VQ on Fashion-MNIST, K = 512\n")
        print_table(vq_rows(args.vq_epochs))


if __name__ == "__main__":
    main()
