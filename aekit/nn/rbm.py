"""Restricted Boltzmann machines, the layers of Hinton & Salakhutdinov's (Science 2006)
pre-training: conditionals, sampling and the contrastive-divergence statistics.

Pure module: it computes the CD-1 gradient estimate, it never updates itself. The greedy
loop that applies the estimates (momentum, weight decay) is :mod:`aekit.models.pretrain`.

Units: ``"bernoulli"`` (logistic; the mean is ``sigmoid(input)``) or ``"gaussian"`` with
unit variance (the mean is the input itself; Gaussian visible units assume data
standardized to unit variance). The weight has ``nn.Linear``'s layout, (hidden, visible),
so it unrolls into an encoder layer as it is and into the mirrored decoder transposed.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

UNITS = ("bernoulli", "gaussian")


class CDStatistics(NamedTuple):
    """One CD-1 estimate of the log-likelihood gradient (ascend it), batch-averaged."""

    weight: torch.Tensor  # <h v>_data - <h v>_model, (hidden, visible)
    visible_bias: torch.Tensor  # <v>_data - <v>_model
    hidden_bias: torch.Tensor  # <h>_data - <h>_model
    reconstruction: torch.Tensor  # the one-step reconstruction of the batch (means)


class RBM(nn.Module):
    """A restricted Boltzmann machine with ``n_visible`` and ``n_hidden`` units.

    ``generator`` seeds the initial weights (0.1-scaled normal as in the paper's code,
    biases zero); pass a local one so the global random state is left alone.
    """

    def __init__(self, n_visible: int, n_hidden: int, visible: str = "bernoulli",
                 hidden: str = "bernoulli", generator: torch.Generator | None = None):
        super().__init__()
        for name, kind in (("visible", visible), ("hidden", hidden)):
            if kind not in UNITS:
                raise ValueError(f"{name} units must be one of {UNITS}, got {kind!r}")
        self.visible, self.hidden = visible, hidden
        self.weight = nn.Parameter(0.1 * torch.randn(n_hidden, n_visible, generator=generator))
        self.visible_bias = nn.Parameter(torch.zeros(n_visible))
        self.hidden_bias = nn.Parameter(torch.zeros(n_hidden))

    @staticmethod
    def _mean(kind: str, pre_activation: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(pre_activation) if kind == "bernoulli" else pre_activation

    @staticmethod
    def _sample(kind: str, mean: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        if kind == "bernoulli":
            return torch.bernoulli(mean, generator=generator)
        return mean + torch.randn(mean.shape, generator=generator, device=mean.device,
                                  dtype=mean.dtype)

    def hidden_mean(self, v: torch.Tensor) -> torch.Tensor:
        """E[h | v], (N, hidden): what the unrolled encoder layer computes."""
        return self._mean(self.hidden, v @ self.weight.T + self.hidden_bias)

    def visible_mean(self, h: torch.Tensor) -> torch.Tensor:
        """E[v | h], (N, visible): what the mirrored decoder layer computes."""
        return self._mean(self.visible, h @ self.weight + self.visible_bias)

    def sample_hidden(self, v: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self._sample(self.hidden, self.hidden_mean(v), generator)

    def sample_visible(self, h: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self._sample(self.visible, self.visible_mean(h), generator)

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """F(v) per sample, (N,), for Bernoulli hidden units (lower = more probable)."""
        if self.hidden != "bernoulli":
            raise ValueError("free_energy is defined here for Bernoulli hidden units only")
        if self.visible == "bernoulli":
            visible_term = -(v @ self.visible_bias)
        else:
            visible_term = 0.5 * ((v - self.visible_bias) ** 2).sum(dim=1)
        pre = v @ self.weight.T + self.hidden_bias
        return visible_term - nn.functional.softplus(pre).sum(dim=1)

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        """A deterministic up-down pass: the mean reconstruction of ``v``."""
        return self.visible_mean(self.hidden_mean(v))

    @torch.no_grad()
    def contrastive_divergence(self, v0: torch.Tensor,
                               generator: torch.Generator | None = None) -> CDStatistics:
        """CD-1 as in Hinton & Salakhutdinov's code: sample h0 from the data, reconstruct
        v1 with means (no visible sampling noise), and use hidden means for both phases."""
        h0_mean = self.hidden_mean(v0)
        h0 = self._sample(self.hidden, h0_mean, generator)
        v1 = self.visible_mean(h0)
        h1_mean = self.hidden_mean(v1)
        n = v0.shape[0]
        return CDStatistics(
            weight=(h0_mean.T @ v0 - h1_mean.T @ v1) / n,
            visible_bias=(v0 - v1).mean(dim=0),
            hidden_bias=(h0_mean - h1_mean).mean(dim=0),
            reconstruction=v1,
        )
