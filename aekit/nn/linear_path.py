"""A linear path beside a nonlinear encoder and decoder, so training starts from PCA.

``code = P (x - mean) + g * encoder(x)`` and ``x_hat = mean + P^T code + h * decoder(code)``,
with ``P`` the leading principal directions (fixed buffers) and the gates ``g`` and ``h``
learnable scalars that start at zero (ReZero, Bachlechner et al. 2020). At the first step
the auto-encoder *is* PCA; the nets then learn what PCA misses, and early stopping on
held-out rows keeps a model that overfits small data from ending worse than PCA.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class PrincipalSubspace(nn.Module):
    """The mean and ``code_size`` principal directions of the training data, as buffers
    (saved with the weights). Directions beyond the data's rank are zero rows."""

    def __init__(self, input_shape: tuple[int, ...], code_size: int):
        super().__init__()
        self.input_shape = tuple(input_shape)
        n_features = math.prod(self.input_shape)
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("directions", torch.zeros(code_size, n_features))

    def set(self, mean: torch.Tensor, directions: torch.Tensor) -> None:
        with torch.no_grad():
            self.mean.copy_(mean.reshape(-1))
            self.directions.zero_()
            self.directions[:len(directions)].copy_(directions)

    def project(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(1) - self.mean) @ self.directions.T

    def rebuild(self, code: torch.Tensor) -> torch.Tensor:
        flat = self.mean + code @ self.directions
        return flat.reshape(-1, *self.input_shape)  # -1: a batch size ONNX keeps dynamic


class _Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = nn.Parameter(torch.zeros(()))


class PCAStartEncoder(_Gate):
    """``P (x - mean) + gate * encoder(x)``."""

    def __init__(self, encoder: nn.Module, subspace: PrincipalSubspace):
        super().__init__()
        self.net, self.subspace = encoder, subspace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.subspace.project(x) + self.gate * self.net(x)


class PCAStartDecoder(_Gate):
    """``mean + P^T code + gate * decoder(code)``; shares the encoder's subspace."""

    def __init__(self, decoder: nn.Module, subspace: PrincipalSubspace):
        super().__init__()
        self.net = decoder
        self._subspace = [subspace]  # not a child: its buffers are saved once, by the encoder

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        return self._subspace[0].rebuild(code) + self.gate * self.net(code)
