"""The imputer's network and its masked training objective.

The network sees a row with some cells hidden (their values zeroed, their "observed"
flags off) and gives back every cell: a standardised value and a log-variance for each
numeric column, one score per category for each categorical column. Training hides a
random part of the observed cells (:func:`aekit.nn.masking.hide_some`) and scores the
answers there: squared error for numbers, cross-entropy for categories. The
log-variance head is fitted to the squared errors of the detached means, so it never
pulls the means away from their least-squares answer; it only sets the spread of the
draws of :meth:`aekit.MaskedImputer.sample`.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

from aekit.nn.masking import hide_some, masked_mean, masked_terms
from aekit.nn.objective import BaseObjective, LossTerms


class ImputerOutput(NamedTuple):
    values: torch.Tensor  # (B, n_features): numbers standardised, category scores (logits)
    log_var: torch.Tensor  # (B, n_numeric): log-variance of each numeric cell


class ResidualBlock(torch.nn.Module):
    def __init__(self, width: int, dropout: float):
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.LayerNorm(width), torch.nn.Linear(width, width), torch.nn.SiLU(),
            torch.nn.Dropout(dropout), torch.nn.Linear(width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ImputerNet(torch.nn.Module):
    """A residual MLP from (values, observed flags) to every cell of the row."""

    def __init__(self, groups: torch.Tensor, numeric: torch.Tensor, categorical: list[list[int]],
                 width: int, depth: int, dropout: float):
        super().__init__()
        n_features, n_columns = len(groups), int(groups.max()) + 1 if len(groups) else 0
        self.register_buffer("groups", groups.long())  # feature -> column
        self.register_buffer("numeric", numeric.long())  # feature index of each numeric column
        self.categorical = [list(map(int, c)) for c in categorical]  # feature slots per column
        self.inp = torch.nn.Linear(n_features + n_columns, width)
        self.blocks = torch.nn.Sequential(*[ResidualBlock(width, dropout) for _ in range(depth)])
        self.out = torch.nn.Sequential(torch.nn.LayerNorm(width),
                                       torch.nn.Linear(width, n_features + len(numeric)))
        self.n_features = n_features

    def forward(self, values: torch.Tensor, visible: torch.Tensor) -> ImputerOutput:
        """``values`` (B, n_features), ``visible`` (B, n_columns) bool."""
        shown = visible[:, self.groups]
        h = self.inp(torch.cat([values * shown, visible.to(values.dtype)], dim=1))
        out = self.out(self.blocks(h))
        return ImputerOutput(out[:, :self.n_features], out[:, self.n_features:])


class MaskedImputationObjective(BaseObjective):
    """Hide part of the observed cells, score the answers there (and, weighted by
    ``visible_weight``, on the cells left visible).

    Each row hides its own share of cells, drawn uniformly in [0, 2 * mask_ratio] (at most
    0.95): training then sees rows with few and with many cells missing, as real tables
    have them. Batches are ``cat([values, observed], dim=1)`` (see
    :meth:`aekit.MaskedImputer.fit`).
    """

    def __init__(self, n_features: int, mask_ratio: float, visible_weight: float):
        self.n_features = n_features
        self.mask_ratio, self.visible_weight = mask_ratio, visible_weight

    def __call__(self, module: ImputerNet, batch: torch.Tensor, info) -> LossTerms:
        values, observed = batch[:, :self.n_features], batch[:, self.n_features:] > 0.5
        ratio = torch.rand(len(batch), 1, generator=info.generator, device=batch.device)
        ratio = (ratio * 2 * self.mask_ratio).clamp(max=0.95)
        hidden = hide_some(observed, ratio, info.generator)
        visible = observed & ~hidden
        out = module(values, visible)
        errors = cell_errors(module, out, values)  # (B, n_columns)
        terms = masked_terms(errors, hidden, visible)
        terms["variance"] = variance_loss(module, out, values, hidden)
        total = terms["masked"] + self.visible_weight * terms["visible"] + terms["variance"]
        # What is monitored: the error on the hidden cells, the job the imputer is for.
        return LossTerms(total, {k: v.detach() for k, v in terms.items()}, terms["masked"])


def cell_errors(module: ImputerNet, out: ImputerOutput, values: torch.Tensor) -> torch.Tensor:
    """One loss per cell (B, n_columns): squared error of each number, cross-entropy of
    each category (summing the two keeps one scale: a column is a column)."""
    predicted = out.values.float()
    target = values.float()
    errors = torch.zeros(len(values), int(module.groups.max()) + 1, device=values.device)
    numeric_columns = module.groups[module.numeric]
    errors[:, numeric_columns] = (predicted[:, module.numeric] - target[:, module.numeric]) ** 2
    for slots in module.categorical:
        column = int(module.groups[slots[0]])
        label = target[:, slots].argmax(dim=1)
        errors[:, column] = F.cross_entropy(predicted[:, slots], label, reduction="none")
    return errors


def variance_loss(module: ImputerNet, out: ImputerOutput, values: torch.Tensor,
                  hidden: torch.Tensor) -> torch.Tensor:
    """Gaussian negative log-likelihood of the hidden numbers around their detached means."""
    if len(module.numeric) == 0:
        return out.log_var.sum() * 0.0
    mean = out.values[:, module.numeric].detach().float()
    target = values[:, module.numeric].float()
    log_var = out.log_var.float().clamp(-10, 10)
    nll = 0.5 * (log_var + (target - mean) ** 2 * torch.exp(-log_var))
    return masked_mean(nll, hidden[:, module.groups[module.numeric]])
