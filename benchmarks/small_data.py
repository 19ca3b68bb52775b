"""Small data: aekit's default auto-encoder against PCA, both with a 30-D code.

Held-out reconstruction error (summed squared error per image, pixels in [0, 1]) of
the default ``AutoEncoder(code_size=30)`` and of PCA with 30 components, fitted on the
same few images. The issue's target: the auto-encoder below PCA on every set, with the
defaults.

    python -m benchmarks.small_data [--sets lfw digits-100 ...] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import aekit
from aekit.data import load_dataset
from aekit.metrics import pca_reconstruction, squared_error_per_sample
from benchmarks.common import load_mnist_t10k, print_table


def _lfw_faces():
    from skimage.data import lfw_subset
    faces = lfw_subset()[:100].astype(np.float32)  # the first 100 are faces, in [0, 1]
    order = np.random.default_rng(0).permutation(100)
    return faces[order[:80]], faces[order[80:]], 1.0, "LFW faces (scikit-image): 80 / 20"


def _digits(n: int):
    from sklearn.datasets import load_digits
    images = load_digits().images.astype(np.float32)
    images = images[np.random.default_rng(0).permutation(len(images))]
    return images[:n], images[1000:], 16.0, f"digits 8x8: {n:,} / 797"


def _mnist(n: int):
    X, _ = load_mnist_t10k()
    return X[:n], X[8000:], 255.0, f"MNIST t10k: {n:,} / 2,000"


def _fashion(n: int):
    train, test = load_dataset("fashion-mnist", "train"), load_dataset("fashion-mnist", "test")
    return train.X[:n], test.X[:2000], 255.0, f"Fashion-MNIST: {n:,} / 2,000"


SETS = {
    "lfw": _lfw_faces,
    "digits-100": lambda: _digits(100), "digits-300": lambda: _digits(300),
    "digits-1000": lambda: _digits(1000),
    "mnist-500": lambda: _mnist(500), "mnist-2000": lambda: _mnist(2000),
    "fashion-500": lambda: _fashion(500), "fashion-2000": lambda: _fashion(2000),
}


def measure(name: str, seed: int, init: str = "auto") -> dict:
    X_train, X_test, value_range, description = SETS[name]()
    pca = squared_error_per_sample(X_test, pca_reconstruction(X_train, X_test, 30), value_range=value_range)
    start = time.perf_counter()
    model = aekit.AutoEncoder(code_size=30, init=init, random_state=seed, verbose=False).fit(X_train)
    seconds = time.perf_counter() - start
    error = squared_error_per_sample(X_test, model.reconstruct(X_test), value_range=value_range)
    return {"data (train / test)": description, "init": f"{init} ({model.init_})", "PCA-30 error": pca, "aekit error": error,
            "x PCA": error / pca, "below PCA": "yes" if error < pca else "no",
            "epochs": model.n_epochs_, "best epoch": model.best_epoch_, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init", nargs="+", default=["auto"], choices=["auto", "pca", "random"],
                        help="the AutoEncoder's init; several: each set with each")
    args = parser.parse_args()
    rows = []
    for name in args.sets:
        for init in args.init:
            rows.append(measure(name, args.seed, init))
            print(f"{name}: {rows[-1]}", flush=True)  # each set is minutes: show it at once
    print_table(rows)


if __name__ == "__main__":
    main()
