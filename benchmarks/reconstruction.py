"""30-D reconstruction against PCA, as summed squared error per image (pixels in [0, 1]).

Hinton & Salakhutdinov (Science 2006) report 3.00 (deep auto-encoder) vs 13.87 (PCA) on
MNIST with all 60,000 training images. Here: MNIST t10k split 8,000 / 2,000 and
Fashion-MNIST 60,000 / 10,000, aekit's defaults for images (conv), and the fully-connected
784-1000-500-250-30 preset.

    python benchmarks/reconstruction.py [--datasets mnist fashion] [--epochs N]
"""

from __future__ import annotations

import argparse
import time


import aekit
from aekit.data import load_dataset
from aekit.metrics import pca_reconstruction, squared_error_per_sample
from benchmarks.common import load_mnist_t10k, print_table

TARGETS = {"mnist": 0.30, "fashion": 0.40}


def load_split(name: str):
    if name == "mnist":
        X, _ = load_mnist_t10k()
        return X[:8000], X[8000:], "MNIST t10k: train 8,000 / test 2,000"
    train, test = load_dataset("fashion-mnist", "train"), load_dataset("fashion-mnist", "test")
    return train.X, test.X, "Fashion-MNIST: train 60,000 / test 10,000"


MODELS = {
    "aekit default (conv)": {},
    "aekit mlp 1000-500-250 (Hinton preset)": {"architecture": "mlp", "hidden": aekit.HINTON_2006_HIDDEN},
}


def measure(name: str, epochs: int | None, models: list[str]) -> list[dict]:
    X_train, X_test, description = load_split(name)
    start = time.perf_counter()
    pca_error = squared_error_per_sample(X_test, pca_reconstruction(X_train, X_test, 30), value_range=255)
    rows = [{"data": description, "model": "PCA, 30 components", "error/image": pca_error,
             "x PCA": 1.0, "epochs": "-", "seconds": time.perf_counter() - start}]
    for label in models:
        settings = dict(MODELS[label], code_size=30, random_state=0)
        if epochs is not None:
            settings["epochs"] = epochs
        start = time.perf_counter()
        model = aekit.AutoEncoder(**settings).fit(X_train)
        error = squared_error_per_sample(X_test, model.reconstruct(X_test), value_range=255)
        rows.append({"data": description, "model": label, "error/image": error,
                     "x PCA": error / pca_error, "epochs": model.n_epochs_,
                     "seconds": time.perf_counter() - start})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion"], choices=sorted(TARGETS))
    parser.add_argument("--epochs", type=int, default=None, help="default: aekit's default")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    args = parser.parse_args()
    rows = []
    for name in args.datasets:
        rows += measure(name, args.epochs, args.models)
        print_table(rows)
        print(flush=True)
    for row in rows:
        if row["model"].startswith("aekit default"):
            target = TARGETS["mnist" if row["data"].startswith("MNIST") else "fashion"]
            verdict = "met" if row["x PCA"] <= target else "NOT met"
            print(f"{row['data']}: {row['x PCA']:.3f}x PCA (target <= {target}) {verdict}")


if __name__ == "__main__":
    main()
