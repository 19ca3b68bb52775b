"""Training checkpoints that survive a crash or kill at any moment, stored without pickle.

A checkpoint is ``checkpoint.json`` (counters, history, the layout of the optimizer state)
pointing at ``checkpoint-epochNNNN.safetensors`` (every tensor). The tensors are written
first under a new name and the JSON is renamed into place last, so the JSON always points
at a complete file; older tensor files are removed only after that.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from aekit._atomic import write_json, write_safetensors
from aekit.errors import ModelFileError
from aekit.train.state import flatten, unflatten

logger = logging.getLogger(__name__)
INDEX = "checkpoint.json"
FORMAT = 1


def save_checkpoint(folder: str | Path, epoch: int, state: dict[str, Any]) -> Path:
    """Store ``state`` (nested dicts of tensors and plain values) as the epoch's checkpoint."""
    folder = Path(folder)
    tensors: dict[str, torch.Tensor] = {}
    layout = flatten(state, tensors, "state")
    weights = folder / f"checkpoint-epoch{epoch:05d}.safetensors"
    write_safetensors(weights, tensors)
    write_json(folder / INDEX, {"format": FORMAT, "epoch": epoch, "tensors": weights.name,
                                "state": layout})
    for old in folder.glob("checkpoint-epoch*.safetensors"):
        if old != weights:
            old.unlink(missing_ok=True)
    return folder / INDEX


def has_checkpoint(folder: str | Path | None) -> bool:
    return folder is not None and (Path(folder) / INDEX).is_file()


def load_checkpoint(folder: str | Path) -> tuple[int, dict[str, Any]]:
    """Return ``(epoch, state)``; a damaged checkpoint raises ModelFileError naming the file."""
    index = Path(folder) / INDEX
    try:
        meta = json.loads(index.read_text(encoding="utf-8"))
        weights = index.parent / meta["tensors"]
        epoch, layout = int(meta["epoch"]), meta["state"]
        if meta.get("format") != FORMAT:
            raise ModelFileError(f"{index}: checkpoint format {meta.get('format')!r}, this aekit reads {FORMAT}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"{index}: unreadable checkpoint ({exc.__class__.__name__}: {exc})") from None
    try:
        tensors = load_file(str(weights))
    except (OSError, SafetensorError) as exc:
        raise ModelFileError(f"{weights}: unreadable checkpoint tensors ({exc})") from None
    try:
        return epoch, unflatten(layout, tensors)
    except KeyError as exc:
        raise ModelFileError(f"{weights}: tensor {exc} is missing") from None
