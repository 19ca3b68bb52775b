"""Scaling applied before the network and undone after it; its state is saved with the model.

``"auto"`` chooses by the data: images (3-D or more) and integer arrays are mapped to
[0, 1] by the data's global minimum and maximum, so pixels keep their relative values and
the decoder can end in a sigmoid; other tables are standardized per feature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALINGS = ("auto", "standard", "minmax", "none")


def choose_scaling(X: np.ndarray, original_dtype: np.dtype) -> str:
    if X.ndim >= 3 or np.issubdtype(original_dtype, np.integer):
        return "none" if X.min() >= 0 and X.max() <= 1 else "minmax"
    if X.min() >= 0 and X.max() <= 1:
        return "none"
    return "standard"


def choose_scaling_from_stats(stats, n_dims: int) -> str:
    """:func:`choose_scaling` for streamed data, from :func:`aekit.data.chunks.chunk_stats`."""
    in_unit = stats.minimum.min() >= 0 and stats.maximum.max() <= 1
    if n_dims >= 3 or stats.integer:
        return "none" if in_unit else "minmax"
    return "none" if in_unit else "standard"


@dataclass
class Scaler:
    kind: str
    offset: np.ndarray  # subtracted first
    scale: np.ndarray  # then divided by

    @classmethod
    def fit(cls, X: np.ndarray, kind: str) -> "Scaler":
        if kind == "standard":
            offset, scale = X.mean(axis=0), X.std(axis=0)
        elif kind == "minmax":
            offset, scale = np.asarray(X.min()), np.asarray(X.max() - X.min())
        else:
            offset, scale = np.asarray(0.0), np.asarray(1.0)
        # A constant feature would divide by zero; leave it centred instead.
        scale = np.where(scale > 0, scale, 1.0)
        return cls(kind, offset.astype(np.float32), scale.astype(np.float32))

    @classmethod
    def from_stats(cls, stats, kind: str) -> "Scaler":
        """The scaler :meth:`fit` would give, from streamed statistics."""
        if kind == "standard":
            offset, scale = stats.mean, stats.std
        elif kind == "minmax":
            offset = np.asarray(stats.minimum.min())
            scale = np.asarray(stats.maximum.max() - stats.minimum.min())
        else:
            offset, scale = np.asarray(0.0), np.asarray(1.0)
        scale = np.where(scale > 0, scale, 1.0)
        return cls(kind, np.asarray(offset).astype(np.float32), np.asarray(scale).astype(np.float32))

    def transform(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.offset) / self.scale).astype(np.float32, copy=False)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        return (X * self.scale + self.offset).astype(np.float32, copy=False)

    @property
    def unit_range(self) -> bool:
        """Whether scaled training data lies in [0, 1] (so a sigmoid output fits)."""
        return self.kind in ("minmax", "none")
