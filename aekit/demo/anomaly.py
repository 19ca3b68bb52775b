"""The demo's anomaly step: a detector trained on faces flags what is not a face."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from aekit.anomaly import AnomalyDetector
from aekit.data import load_dataset
from aekit.demo.steps import StepResult


def faces_anomaly_step(out: Path, *, epochs: int = 20, verbose="auto", shared=None) -> StepResult:
    """Issue 6: a conv auto-encoder detector trained on 70 faces flags non-faces.

    ``epochs`` does not apply: the detector trains for its default budget of steps.
    """
    from sklearn.metrics import roc_auc_score

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


