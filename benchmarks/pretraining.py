"""30-D reconstruction with and without layer-wise pre-training, against PCA.

The fully-connected net of Hinton & Salakhutdinov (Science 2006), 784-1000-500-250-30,
trained on MNIST t10k (train 8,000 / test 2,000, the split of benchmarks/reconstruction.py
and its measure: summed squared error per test image, pixels in [0, 1]) with no
pre-training, a stack of RBMs ("rbm") and stacked de-noising auto-encoders ("dae"). Every
model then gets the same fine-tuning budget: Adam, aekit's defaults (batch 64, 1e-3 with
cosine decay, 10 % validation split with early stopping), ``--epochs`` epochs.

    python -m benchmarks.pretraining [--epochs 50] [--pretrain-epochs 20] [--models ...]

Denormal floats are flushed to zero (``--keep-denormals`` turns that off): on CPU they
made some layers 5-10x slower on one trajectory and not on another, which would swamp the
seconds columns.
"""

from __future__ import annotations

import argparse
import logging
import time

import torch

import aekit
from aekit.metrics import pca_reconstruction, squared_error_per_sample
from benchmarks.common import load_mnist_t10k, print_table

# label -> settings; "none" rows use the same nets the pre-trained rows fine-tune.
MODELS = {
    "none, relu (aekit default)": {},
    "none, sigmoid": {"activation": "sigmoid"},
    "none, sigmoid, sigmoid output": {"activation": "sigmoid", "objective": "bce"},
    "rbm, sigmoid": {"pretrain": "rbm", "activation": "sigmoid"},
    "rbm, sigmoid, bce": {"pretrain": "rbm", "activation": "sigmoid", "objective": "bce"},
    "dae, relu": {"pretrain": "dae"},
    "dae, sigmoid": {"pretrain": "dae", "activation": "sigmoid"},
}
DEFAULT_MODELS = ["none, relu (aekit default)", "none, sigmoid", "rbm, sigmoid", "rbm, sigmoid, bce",
                  "dae, relu", "dae, sigmoid"]


def measure(models: list[str], epochs: int, pretrain_epochs: int) -> list[dict]:
    X, _ = load_mnist_t10k()
    X_train, X_test = X[:8000], X[8000:]
    start = time.perf_counter()
    pca_error = squared_error_per_sample(X_test, pca_reconstruction(X_train, X_test, 30), value_range=255)
    rows = [{"model": "PCA, 30 components", "error/image": pca_error, "x PCA": 1.0,
             "pretrain s": "-", "fine-tune s": time.perf_counter() - start, "epochs": "-"}]
    for label in models:
        settings = dict(architecture="mlp", hidden=aekit.HINTON_2006_HIDDEN, code_size=30,
                        epochs=epochs, pretrain_epochs=pretrain_epochs, random_state=0)
        settings.update(MODELS[label])
        start = time.perf_counter()
        model = aekit.AutoEncoder(**settings).fit(X_train)
        total = time.perf_counter() - start
        pretrain_seconds = sum(row["seconds"] for row in model.pretrain_history_)
        error = squared_error_per_sample(X_test, model.reconstruct(X_test), value_range=255)
        rows.append({"model": label, "error/image": error, "x PCA": error / pca_error,
                     "pretrain s": pretrain_seconds if model.pretrain else "-",
                     "fine-tune s": total - pretrain_seconds,
                     "epochs": f"{pretrain_epochs}/layer + {model.n_epochs_}" if model.pretrain
                     else f"{model.n_epochs_}"})
        print(f"done: {label}: {error:.3f} per image, {total:.0f} s", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50, help="fine-tuning epochs (every model)")
    parser.add_argument("--pretrain-epochs", type=int, default=20, help="pre-training epochs per layer")
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS, choices=list(MODELS))
    parser.add_argument("--keep-denormals", action="store_true", help="do not flush denormals to zero")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("aekit.train").setLevel(logging.WARNING)
    logging.getLogger("aekit.data").setLevel(logging.WARNING)
    if not args.keep_denormals:
        torch.set_flush_denormal(True)
    print(f"MNIST t10k: train 8,000 / test 2,000; 784-1000-500-250-30; fine-tuning {args.epochs} "
          f"epochs; pre-training {args.pretrain_epochs} epochs per layer; torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads"
          + ("" if args.keep_denormals else "; flush-denormal on"), flush=True)
    print_table(measure(args.models, args.epochs, args.pretrain_epochs))


if __name__ == "__main__":
    main()
