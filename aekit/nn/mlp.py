"""Fully-connected encoders and decoders of any depth."""

from __future__ import annotations

from typing import Sequence

from torch import nn

from aekit.nn.activations import make_activation

# Hinton & Salakhutdinov, Science 2006: 784-1000-500-250-30 for MNIST.
HINTON_2006_HIDDEN = (1000, 500, 250)


class MLP(nn.Sequential):
    """Linear layers of the given sizes with an activation between them, none after."""

    def __init__(self, sizes: Sequence[int], activation: str = "relu"):
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(make_activation(activation))
        super().__init__(*layers)


def mlp_encoder(n_features: int, hidden: Sequence[int], code_size: int, activation: str) -> MLP:
    """``n_features -> hidden... -> code_size``; the code layer is linear, as in the 2006 paper."""
    return MLP([n_features, *hidden, code_size], activation)


def mlp_decoder(code_size: int, hidden: Sequence[int], n_features: int, activation: str) -> MLP:
    """The mirror image of :func:`mlp_encoder`; returns pre-activation outputs."""
    return MLP([code_size, *reversed(tuple(hidden)), n_features], activation)
