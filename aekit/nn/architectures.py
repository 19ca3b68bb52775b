"""Named encoder/decoder families, looked up by the name stored in configs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

from torch import nn

from aekit.nn.conv import ConvDecoder, ConvEncoder
from aekit.nn.mlp import HINTON_2006_HIDDEN, mlp_decoder, mlp_encoder
from aekit.registry import ARCHITECTURES

Builder = Callable[[Sequence[int], Sequence[int], int, str], tuple[nn.Module, nn.Module]]


@dataclass(frozen=True)
class Architecture:
    """How to build an (encoder, decoder) pair for inputs of a given per-sample shape."""

    build: Builder
    default_hidden: tuple[int, ...]
    image_input: bool  # True: inputs are (C, H, W); False: inputs are flattened to (D,)
    hidden_means: str  # for help texts: what the ``hidden`` sizes are


def _build_mlp(shape, hidden, code_size, activation):
    n_features = math.prod(shape)
    return (mlp_encoder(n_features, hidden, code_size, activation),
            mlp_decoder(code_size, hidden, n_features, activation))


def _build_conv(shape, hidden, code_size, activation):
    return (ConvEncoder(shape, hidden, code_size, activation),
            ConvDecoder(shape, hidden, code_size, activation))


ARCHITECTURES.register("mlp")(Architecture(
    _build_mlp, HINTON_2006_HIDDEN, image_input=False,
    hidden_means="widths of the hidden layers"))
ARCHITECTURES.register("conv")(Architecture(
    _build_conv, (32, 64), image_input=True,
    hidden_means="channels of the stride-2 conv stages"))
