"""The HTTP scoring service and ONNX export, on top of the capabilities.

``aekit serve MODEL`` answers /v1/score and /v1/explain for an anomaly detector, and
/v1/encode and /v1/reconstruct for an auto-encoder or VAE (:mod:`aekit.serve.app`);
``aekit export MODEL --format onnx`` writes the model's graphs (:mod:`aekit.serve.onnx`).
FastAPI, uvicorn, pydantic, prometheus-client, onnx and onnxruntime are the ``serve``
extra: they are imported inside the functions that need them, so ``import aekit``
works without them, and :func:`require` says in one line how to install a missing one.
"""

from __future__ import annotations

import importlib

from aekit.errors import MissingDataError

INSTALL_HINT = "pip install 'aekit[serve]'"
DEFAULT_MAX_BODY_MB = 16  # the largest request body the service reads, by default


def require(*modules: str) -> None:
    """Import ``modules`` or fail in one line naming the missing one and the fix."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise MissingDataError(f"{name} is not installed; it comes with the serve extra: "
                                   f"{INSTALL_HINT}") from None
