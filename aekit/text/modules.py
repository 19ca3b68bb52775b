"""The semantic-hashing auto-encoder's two halves.

The net is fitted on rows ``[document, neighbourhood]`` (2 x n_words values: a
document's scaled TF-IDF row, then the mean of its nearest documents' rows, see
:mod:`aekit.text.hashing`). The encoder reads only the document half, so a query, which
has no neighbourhood, is encoded from its own words (its second half is zeros); the
decoder rebuilds both halves from the bits.
"""

from __future__ import annotations

import torch
from torch import nn


class DocumentEncoder(nn.Module):
    """Bit logits (B, bits) of the first ``n_words`` values of each row: one linear map.

    It starts as the LSA projection rotated by ITQ (:func:`aekit.text.hashing.lsa_start`),
    so before any training the bits are ITQ's hash of LSA; training then moves it. One
    linear layer: with a few thousand documents a hidden layer measured no better.
    """

    def __init__(self, n_words: int, bits: int):
        super().__init__()
        self.n_words = n_words
        self.linear = nn.Linear(n_words, bits)

    def start_from(self, weight: torch.Tensor, bias: torch.Tensor) -> "DocumentEncoder":
        with torch.no_grad():
            self.linear.weight.copy_(weight)  # (bits, n_words)
            self.linear.bias.copy_(bias)  # (bits,)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x[:, :self.n_words])  # (B, 2 * n_words) -> (B, bits)


def hash_modules(n_words: int, bits: int, hidden: int) -> tuple[DocumentEncoder, nn.Module]:
    """The encoder and the decoder (bits -> hidden -> 2 * n_words), freshly initialised."""
    decoder = nn.Sequential(nn.Linear(bits, hidden), nn.ReLU(), nn.Linear(hidden, 2 * n_words))
    return DocumentEncoder(n_words, bits), decoder
