"""The composite module: any encoder and decoder joined by a code (continuous or discrete)."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from aekit.nn.bottleneck import Bottleneck


class AEOutput(NamedTuple):
    """What :class:`AutoEncoderModule` returns; the same fields whatever the settings."""

    code: torch.Tensor  # (N, code_size)
    x_hat: torch.Tensor  # reconstruction, same shape as the input
    logits: torch.Tensor  # decoder output before the output activation (for BCE)
    bottleneck_loss: torch.Tensor | None = None  # e.g. VQ commitment; None for plain codes
    indices: torch.Tensor | None = None  # chosen code ids of a one-hot or VQ code


class AutoEncoderModule(nn.Module):
    """``x -> encoder -> bottleneck -> code -> decoder -> x_hat``.

    ``output`` is ``"sigmoid"`` for data scaled into [0, 1] and ``"identity"`` otherwise.
    The encoder and decoder are plain modules a user may build, pass in or reuse; the
    bottleneck (:mod:`aekit.nn.bottleneck`) makes the code binary, one-hot or quantized.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, output: str = "identity",
                 bottleneck: Bottleneck | None = None):
        super().__init__()
        if output not in ("identity", "sigmoid"):
            raise ValueError(f"output must be 'identity' or 'sigmoid', got {output!r}")
        self.encoder = encoder
        self.decoder = decoder
        self.output = output
        self.bottleneck = bottleneck if bottleneck is not None else Bottleneck()

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.bottleneck(self.encoder(x)).code

    def code_ids(self, x: torch.Tensor) -> torch.Tensor:
        """Ids of the chosen codes (one-hot and VQ bottlenecks)."""
        return self.bottleneck(self.encoder(x)).indices

    def activate(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(logits) if self.output == "sigmoid" else logits

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        return self.activate(self.decoder(code))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> AEOutput:
        code, extra_loss, indices = self.bottleneck(self.encoder(x), generator)
        logits = self.decoder(code)
        return AEOutput(code, self.activate(logits), logits, extra_loss, indices)
