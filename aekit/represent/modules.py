"""The torch parts of the representation room: the small network that learns a manifold
map (codes -> UMAP coordinates) and its regression objective.

UMAP places the points it was fitted on but cannot be saved without pickle; a small MLP
taught to give the same coordinates from the codes (parametric UMAP's idea, here a
plain regression onto the fitted coordinates) can, and it places new points too.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from aekit.nn.objective import BaseObjective, LossTerms


class ManifoldHead(torch.nn.Module):
    """An MLP from standardised codes to standardised manifold coordinates."""

    def __init__(self, n_inputs: int, n_outputs: int, width: int = 256, depth: int = 2):
        super().__init__()
        layers, size = [], n_inputs
        for _ in range(depth):
            layers += [torch.nn.Linear(size, width), torch.nn.ReLU()]
            size = width
        layers.append(torch.nn.Linear(size, n_outputs))
        self.net = torch.nn.Sequential(*layers)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        return self.net(codes)  # (B, n_inputs) -> (B, n_outputs)


class RegressionObjective(BaseObjective):
    """Mean squared error of the head's output against the targets. A batch is the
    codes and the targets side by side, ``(B, n_inputs + n_outputs)``: the trainer takes
    one tensor, so the pair travels as one and is split here."""

    def __init__(self, n_inputs: int):
        self.n_inputs = n_inputs

    def __call__(self, module: ManifoldHead, batch: torch.Tensor, info) -> LossTerms:
        codes, target = batch[:, :self.n_inputs], batch[:, self.n_inputs:]
        loss = F.mse_loss(module(codes).float(), target.float())
        return LossTerms(loss, {"mse": loss.detach()})
