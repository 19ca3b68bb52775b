"""Pictures of what a generative auto-encoder makes: sample grids, interpolation strips,
latent traversals, and the lecture's figure of plain-AE random codes next to a VAE's.

Works with any fitted estimator that has ``sample``/``interpolate``/``traverse``
(:class:`aekit.VAE`). Images are drawn on the training data's value range, so a sample
of pixel probabilities shows as grey levels between black (0) and white (1 or 255).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aekit.data import load_image
from aekit.errors import ConfigError
from aekit.io import load
from aekit.plots import save_image_grid, save_image_panels

FIGURE = "ae_vs_vae_samples.png"


def load_generator(path):
    """Load a saved model that can generate, or say clearly why it cannot."""
    model = load(path)
    if not all(hasattr(model, m) for m in ("sample", "interpolate", "traverse")):
        raise ConfigError(f"{path} holds a model of type {type(model).__name__}, which cannot generate: "
                          "train one with `aekit train --kind vae`")
    return model


def load_sample_file(model, path) -> np.ndarray:
    """One input sample for ``model`` from a PNG/JPEG image or a .npy array.

    Image pixels (0..255) are mapped to [0, 1] when the model was trained on data in
    [0, 1]; grey or colour follows the model's channels.
    """
    path = Path(path)
    if path.suffix.lower() == ".npy":
        return np.load(path, allow_pickle=False)
    colour = len(model.input_shape_) == 3 and model.input_shape_[0] == 3
    image = load_image(path, mode="RGB" if colour else "L")  # (C, H, W) uint8
    if model.data_range_[1] <= 1.0:
        return image.astype(np.float32) / 255.0
    return image.astype(np.float32)


def sample_grid(model, n: int, out, *, random_state=0, n_cols: int = 8):
    """Decode ``n`` prior samples into a grid PNG; returns (path, samples)."""
    samples = model.sample(n, random_state=random_state)
    path = save_image_grid(out, samples, n_cols=min(n_cols, n), value_range=model.data_range_)
    return path, samples


def interpolation_strip(model, a, b, out, *, steps: int = 10):
    """The decoded line between two samples' codes, one strip; returns (path, images)."""
    images = model.interpolate(a, b, steps)
    return save_image_grid(out, images, n_cols=steps, value_range=model.data_range_), images


def most_active_dims(model, limit: int = 8) -> list[int]:
    """The code dimensions with the most posterior-mean variance, most active first."""
    return [int(d) for d in np.argsort(-model.latent_activity_)[:limit]]


def traversal_grid(model, out, *, dims=None, steps: int = 9, span: float = 3.0, base=None):
    """One row per code dimension, varied over [-span, span]; returns (path, dims)."""
    dims = list(dims) if dims else most_active_dims(model)
    rows = [model.traverse(dim, steps=steps, span=span, base=base) for dim in dims]
    path = save_image_grid(out, np.concatenate(rows), n_cols=steps,
                           row_labels=[f"dim {d}" for d in dims], value_range=model.data_range_)
    return path, dims


# The lecture's figure ----------------------------------------------------------------------
@dataclass
class FigureResult:
    path: Path
    lines: list[str]


def ae_vs_vae_figure(out, *, epochs: int = 30, code_size: int = 16, n: int = 24,
                     random_state: int = 0, verbose=False) -> FigureResult:
    """Train a plain auto-encoder and a VAE of the same size on 4,000 MNIST digits, decode
    random codes with both and draw them side by side.

    The plain auto-encoder has no prior to sample from, so it gets two tries: codes from
    N(0, I) (what "a random code" means for a VAE) and codes from a diagonal Gaussian
    fitted to its own training codes (same mean and spread per dimension), a fair chance.
    The VAE's codes come from its N(0, I) prior, which training pulled its codes towards.
    """
    from sklearn.model_selection import train_test_split

    from aekit.models.autoencoder import AutoEncoder
    from aekit.data import load_dataset
    from aekit.models.vae import VAE

    data = load_dataset("mnist5k")  # sorted by class: a stratified split mixes them
    X, _ = train_test_split(data.X, train_size=4000, stratify=data.y, random_state=random_state)
    X = X.astype(np.float32) / 255.0
    shared = dict(architecture="mlp", hidden=(512, 256), code_size=code_size, epochs=epochs,
                  random_state=random_state, verbose=verbose)
    start = time.perf_counter()
    ae = AutoEncoder(objective="bce", **shared).fit(X)
    vae = VAE(kl_warmup_epochs=max(1, epochs // 5), **shared).fit(X)
    codes = ae.transform(X)
    noise = np.random.default_rng(random_state).standard_normal((n, code_size)).astype(np.float32)
    panels = {
        "plain AE, codes ~ N(0, I)": ae.inverse_transform(noise),
        "plain AE, codes ~ Gaussian fit to its codes":
            ae.inverse_transform(codes.mean(0) + codes.std(0) * noise),
        "VAE, codes ~ its N(0, I) prior": vae.sample(n, random_state=random_state),
    }
    path = save_image_panels(out, panels, n_cols=6, value_range=(0.0, 1.0),
                             title=f"Decoded random {code_size}-D codes, same mlp 512-256, "
                                   f"4,000 MNIST digits, {epochs} epochs")
    lines = [f"trained a plain auto-encoder and a VAE ({code_size}-D codes, {epochs} epochs) "
             f"in {time.perf_counter() - start:.0f} s",
             f"VAE: {vae.active_units_} of {code_size} latent units active"]
    return FigureResult(path, lines)
