"""Convolutional encoders and decoders for images of shape (N, C, H, W)."""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from aekit.nn.activations import make_activation


def downsampled_sizes(height: int, width: int, n_stages: int) -> list[tuple[int, int]]:
    """Spatial sizes after each stride-2 stage (kernel 3, padding 1 rounds up)."""
    sizes = [(height, width)]
    for _ in range(n_stages):
        h, w = sizes[-1]
        sizes.append((math.ceil(h / 2), math.ceil(w / 2)))
    return sizes


class ConvEncoder(nn.Module):
    """Stride-2 conv stages that halve the image, then a linear layer to the code."""

    def __init__(self, image_shape: Sequence[int], channels: Sequence[int], code_size: int,
                 activation: str = "relu"):
        super().__init__()
        in_channels, height, width = image_shape
        stages: list[nn.Module] = []
        for out_channels in channels:
            stages += [
                nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1),
                make_activation(activation),
                nn.Conv2d(out_channels, out_channels, 3, padding=1),
                make_activation(activation),
            ]
            in_channels = out_channels
        self.features = nn.Sequential(*stages)
        h, w = downsampled_sizes(height, width, len(channels))[-1]
        self.to_code = nn.Linear(in_channels * h * w, code_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_code(self.features(x).flatten(1))


class ConvDecoder(nn.Module):
    """The mirror of :class:`ConvEncoder`: transposed convs grow the code back to the image.

    Output paddings are derived from the encoder's sizes so odd sizes (7x7, 25x25) come
    back exactly. Returns pre-activation outputs.
    """

    def __init__(self, image_shape: Sequence[int], channels: Sequence[int], code_size: int,
                 activation: str = "relu"):
        super().__init__()
        out_channels, height, width = image_shape
        sizes = downsampled_sizes(height, width, len(channels))
        reversed_channels = list(reversed(channels))
        self.start_shape = (reversed_channels[0], *sizes[-1])
        self.from_code = nn.Sequential(
            nn.Linear(code_size, math.prod(self.start_shape)), make_activation(activation)
        )
        stages: list[nn.Module] = []
        for i, c_in in enumerate(reversed_channels):
            c_out = reversed_channels[i + 1] if i + 1 < len(reversed_channels) else c_in
            (h_in, w_in), (h_out, w_out) = sizes[-1 - i], sizes[-2 - i]
            # ConvTranspose2d(k=3, s=2, p=1) gives 2*n - 1; output_padding adds the rest.
            padding = (h_out - (2 * h_in - 1), w_out - (2 * w_in - 1))
            stages += [
                nn.Conv2d(c_in, c_in, 3, padding=1),
                make_activation(activation),
                nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=padding),
                make_activation(activation),
            ]
        self.features = nn.Sequential(*stages)
        self.to_image = nn.Conv2d(reversed_channels[-1], out_channels, 3, padding=1)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        x = self.from_code(code).view(-1, *self.start_shape)  # (N, C, h, w)
        return self.to_image(self.features(x))
