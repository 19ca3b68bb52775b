"""Input corruptions for de-noising auto-encoders (the loss is still against clean x)."""

from __future__ import annotations

import torch

from aekit.nn.masking import mask_values
from aekit.registry import CORRUPTIONS


@CORRUPTIONS.register("gaussian")
def gaussian(x: torch.Tensor, level: float, generator: torch.Generator | None) -> torch.Tensor:
    """Add N(0, level^2) noise to every value."""
    noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return x + level * noise


@CORRUPTIONS.register("masking")
def masking(x: torch.Tensor, level: float, generator: torch.Generator | None) -> torch.Tensor:
    """Set a random fraction ``level`` of the values to zero (:func:`aekit.nn.masking.
    mask_values`, which the objective calls itself to keep the hidden values and score them)."""
    return mask_values(x, level, generator)[0]


@CORRUPTIONS.register("salt_pepper")
def salt_pepper(x: torch.Tensor, level: float, generator: torch.Generator | None) -> torch.Tensor:
    """Set a random fraction ``level`` of the values to the batch's minimum or maximum."""
    hit = torch.rand(x.shape, generator=generator, device=x.device) < level
    salt = torch.rand(x.shape, generator=generator, device=x.device) < 0.5
    extremes = torch.where(salt, x.max(), x.min()).to(x.dtype)
    return torch.where(hit, extremes, x)


def corrupt(x: torch.Tensor, kind: str | None, level: float,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """Apply the named corruption, or return ``x`` unchanged when ``kind`` is None."""
    if kind is None or level == 0:
        return x
    return CORRUPTIONS.get(kind)(x, level, generator)
