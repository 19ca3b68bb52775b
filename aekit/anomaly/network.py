"""A stack of small MLP auto-encoders trained side by side as one module.

``K`` auto-encoders of the same shape keep their weights in ``(K, in, out)`` tensors, so
one batched matrix product runs all of them: an ensemble of 8 costs about what one
network costs on a CPU, where the per-operation overhead dominates small layers. Pure
torch: no numpy, no files, no optimizer.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from aekit.nn import AEOutput
from aekit.nn.activations import make_activation


class EnsembleLinear(nn.Module):
    """``K`` independent linear layers: (K, B, in) -> (K, B, out)."""

    def __init__(self, n_members: int, n_in: int, n_out: int):
        super().__init__()
        bound = 1.0 / math.sqrt(n_in)  # torch.nn.Linear's default initialisation range
        self.weight = nn.Parameter(torch.empty(n_members, n_in, n_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_members, 1, n_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


class EnsembleMLP(nn.Sequential):
    """Ensemble linear layers of the given sizes, an activation between them, none after."""

    def __init__(self, n_members: int, sizes: Sequence[int], activation: str):
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(EnsembleLinear(n_members, n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(make_activation(activation))
        super().__init__(*layers)


class EnsembleAutoEncoder(nn.Module):
    """``K`` MLP auto-encoders ``D -> hidden -> code -> hidden -> D``.

    Input and output are ``(B, K, D)``: row ``b`` of member ``k`` is ``x[b, k]``, so each
    member can see its own sample of the data. ``code`` is ``(B, K, code_size)``.
    """

    def __init__(self, n_members: int, n_features: int, hidden: Sequence[int],
                 code_size: int, activation: str = "relu"):
        super().__init__()
        self.n_members = n_members
        self.encoder = EnsembleMLP(n_members, [n_features, *hidden, code_size], activation)
        self.decoder = EnsembleMLP(n_members, [code_size, *reversed(tuple(hidden)), n_features],
                                   activation)

    def forward(self, x: torch.Tensor) -> AEOutput:
        members_first = x.transpose(0, 1)  # (K, B, D): one matrix product per member
        code = self.encoder(members_first)
        x_hat = self.decoder(code)
        return AEOutput(code=code.transpose(0, 1), x_hat=x_hat.transpose(0, 1),
                        logits=x_hat.transpose(0, 1))

    def forward_shared(self, x: torch.Tensor) -> AEOutput:
        """Every member encodes and reconstructs the same rows: (B, D) -> (B, K, ...)."""
        members_first = x.unsqueeze(0).expand(self.n_members, *x.shape)  # (K, B, D)
        code = self.encoder(members_first)
        x_hat = self.decoder(code).transpose(0, 1)
        return AEOutput(code=code.transpose(0, 1), x_hat=x_hat, logits=x_hat)
