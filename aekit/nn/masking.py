"""Mask and predict the masked part: BERT's objective, which is a de-noising auto-encoder's.

A random part of what is known is hidden from the network and it is scored on what it
gives back there. The same two functions serve the auto-encoders (``noise="masking"``,
where every value is known) and the imputer (where some cells are missing to begin with,
so only observed cells can be hidden and scored).
"""

from __future__ import annotations

import torch


def hide_some(observed: torch.Tensor, ratio: float | torch.Tensor,
              generator: torch.Generator | None) -> torch.Tensor:
    """A random subset of the ``observed`` cells (bool, same shape) to hide, each cell hidden
    with probability ``ratio`` (a float, or a tensor broadcast against the rows)."""
    draw = torch.rand(observed.shape, generator=generator, device=observed.device)
    return (draw < ratio) & observed


def mask_values(x: torch.Tensor, ratio: float,
                generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` with a random fraction ``ratio`` of its values set to 0, and which they are."""
    hidden = hide_some(torch.ones_like(x, dtype=torch.bool), ratio, generator)
    return x.masked_fill(hidden, 0), hidden


def masked_mean(values: torch.Tensor, where: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over the cells where ``where`` holds (0 when there are none)."""
    where = where.to(values.dtype)
    return (values * where).sum() / where.sum().clamp(min=1.0)


def masked_terms(error: torch.Tensor, hidden: torch.Tensor,
                 visible: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-cell ``error`` averaged separately over the hidden cells ("masked": what the
    network had to predict) and the visible ones ("visible": what it saw), so the weight
    of each part does not depend on how many cells were hidden."""
    return {"masked": masked_mean(error, hidden), "visible": masked_mean(error, visible)}
