"""Choosing the device and the mixed-precision settings that suit it."""

from __future__ import annotations

import os

import torch

from aekit.errors import ConfigError


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` picks CUDA when available, else CPU; anything else must exist here.
    Under torchrun each process's CUDA device is its own GPU (``LOCAL_RANK``)."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ConfigError(f"device {device!r} is not a device name like 'cpu', 'cuda' or 'cuda:1'") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r} was asked for, but this machine has no CUDA GPU; use device='cpu' or 'auto'")
    return resolved


def autocast_dtype(device: torch.device, mixed_precision: str | bool) -> torch.dtype | None:
    """bf16 autocast on GPUs that support it (no loss scaling needed); none on CPU,
    where bf16 matmuls are slower than float32 on most processors."""
    if mixed_precision in (False, "no", "off", None):
        return None
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    if mixed_precision in (True, "bf16") and device.type == "cpu":
        return torch.bfloat16
    return None


def fits_on_device(nbytes: int, device: torch.device, fraction: float = 0.5) -> bool:
    """Whether a data set of ``nbytes`` can live on the device next to the model."""
    if device.type != "cuda":
        return True  # CPU tensors already live in host memory
    free, _total = torch.cuda.mem_get_info(device)
    return nbytes < fraction * free
