"""The demo's generation step: a VAE's samples and its likelihood on held-out digits."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from aekit.data import load_dataset
from aekit.demo.steps import StepResult
from aekit.generate.figures import sample_grid
from aekit.models.vae import VAE


def generation_step(out: Path, *, epochs: int = 20, verbose="auto", shared=None) -> StepResult:
    """Demo step: a VAE on 4,000 digits, its samples, and its likelihood on 1,000 others."""
    from sklearn.model_selection import train_test_split

    data = load_dataset("mnist5k")
    X_train, X_test = train_test_split(data.X, test_size=1000, stratify=data.y, random_state=0)
    start = time.perf_counter()
    model = VAE(architecture="mlp", hidden=(512, 256), code_size=16, binarize="dynamic",
                kl_warmup_epochs=max(1, epochs // 5), epochs=epochs, random_state=0,
                verbose=verbose).fit(X_train)
    seconds = time.perf_counter() - start
    binary = (np.random.default_rng(0).random(X_test.shape) < X_test / 255.0).astype(np.float32)
    nll = -model.log_likelihood(binary * 255.0, k=100, random_state=0).mean()
    png, _ = sample_grid(model, 32, Path(out) / "vae_samples.png")
    lines = [
        f"model: mlp VAE, 16-D code, dynamically binarized digits, {model.n_epochs_} epochs "
        f"in {seconds:.0f} s",
        f"negative log-likelihood of 1,000 held-out binarized digits: {nll:.1f} nats "
        "(importance-weighted, k = 100)",
        f"active latent units: {model.active_units_} of 16",
    ]
    return StepResult("Generation: a variational auto-encoder's samples", lines, [png])
