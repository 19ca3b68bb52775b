"""The composite module: any encoder and decoder joined by a code."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn


class AEOutput(NamedTuple):
    """What :class:`AutoEncoderModule` returns; the same fields whatever the settings."""

    code: torch.Tensor  # (N, code_size)
    x_hat: torch.Tensor  # reconstruction, same shape as the input
    logits: torch.Tensor  # decoder output before the output activation (for BCE)


class AutoEncoderModule(nn.Module):
    """``x -> encoder -> code -> decoder -> x_hat``.

    ``output`` is ``"sigmoid"`` for data scaled into [0, 1] and ``"identity"`` otherwise.
    The encoder and decoder are plain modules a user may build, pass in or reuse.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, output: str = "identity"):
        super().__init__()
        if output not in ("identity", "sigmoid"):
            raise ValueError(f"output must be 'identity' or 'sigmoid', got {output!r}")
        self.encoder = encoder
        self.decoder = decoder
        self.output = output

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def activate(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(logits) if self.output == "sigmoid" else logits

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        return self.activate(self.decoder(code))

    def forward(self, x: torch.Tensor) -> AEOutput:
        code = self.encoder(x)
        logits = self.decoder(code)
        return AEOutput(code=code, x_hat=self.activate(logits), logits=logits)
