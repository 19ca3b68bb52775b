"""Augmentation of image batches that keeps what an image shows: small random shifts
and, where the data allows it, mirror images. Input and target change together (this
is more data, not noise to remove)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator | None) -> torch.Tensor:
    """Each image of ``x`` (N, C, H, W) moved by its own whole-pixel offset in
    [-max_shift, max_shift] along both axes, the border filled by edge replication."""
    if max_shift < 1 or x.ndim != 4:
        return x
    n, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4, mode="replicate")
    offsets = torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator, device=x.device)
    rows = torch.arange(h, device=x.device)[None, :] + offsets[0][:, None]  # (N, H)
    cols = torch.arange(w, device=x.device)[None, :] + offsets[1][:, None]  # (N, W)
    batch = torch.arange(n, device=x.device)[:, None, None]
    moved = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (N, H, W, C)
    return moved.permute(0, 3, 1, 2).contiguous()


def random_flip(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Half of the images of ``x`` (N, C, H, W), drawn at random, mirrored left-right."""
    if x.ndim != 4:
        return x
    flip = torch.rand(len(x), generator=generator, device=x.device) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(-1), x)
