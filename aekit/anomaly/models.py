"""The networks behind :class:`~aekit.anomaly.AnomalyDetector` and how they are trained.

Both kinds answer the same questions: ``train`` (fit on the chosen rows, return each
member's residuals and codes on its own training rows), ``forward`` (residuals
``(B, K, F)`` and codes ``(B, K, C)`` for a batch, ``K`` members), and saving.
Training always goes through :class:`aekit.train.Trainer`, with a fixed budget of
gradient steps instead of epochs so that 500,000 rows cost what 5,000 do.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from aekit.anomaly.network import EnsembleAutoEncoder
from aekit.base import seeded_init
from aekit.nn import AutoEncoderModule, ConvDecoder, ConvEncoder, LossTerms, ReconstructionObjective
from aekit.nn.objective import BaseObjective

TABLE_HIDDEN = (64,)
IMAGE_HIDDEN = (8, 16)
IMAGE_CODE = 16


def default_code_size(n_features: int) -> int:
    """About sqrt(F), in [2, 16], and smaller than F so no member can just copy."""
    return max(1, min(max(2, round(math.sqrt(n_features))), 16, n_features - 1))


def _train(det, module, objective, data: torch.Tensor, seed: int) -> None:
    """A budget of ``det.steps`` gradient steps, whatever the number of rows."""
    det._train(module, objective, data, seed, epochs=None, max_steps=det.steps)


class EnsembleMSE(BaseObjective):
    """Mean squared reconstruction error over every member's own batch rows."""

    def __call__(self, module, x: torch.Tensor, info) -> LossTerms:
        loss = (module(x).x_hat.float() - x.float()).pow(2).mean()
        return LossTerms(loss, {})


class TableModel:
    """``n_estimators`` MLP auto-encoders, each trained on its own random subsample."""

    def __init__(self, n_members: int, n_features: int, hidden, code_size: int, activation: str):
        self.config = {"n_members": n_members, "n_features": n_features, "hidden": list(hidden),
                       "code_size": code_size, "activation": activation}
        self.module = EnsembleAutoEncoder(n_members, n_features, tuple(hidden), code_size,
                                          activation)

    @classmethod
    def for_data(cls, n_features: int, det, seed: int) -> "TableModel":
        code = det.code_size if det.code_size is not None else default_code_size(n_features)
        hidden = tuple(det.hidden) if det.hidden is not None else TABLE_HIDDEN
        with seeded_init(seed):
            return cls(det.n_estimators, n_features, hidden, code, det.activation)

    def train(self, Z: np.ndarray, rows: np.ndarray, rng, seed: int, det):
        m = min(det.max_samples, len(rows))
        picks = np.stack([rng.choice(rows, m, replace=False)
                          for _ in range(self.config["n_members"])], axis=1)  # (m, K)
        stacked = torch.from_numpy(np.ascontiguousarray(Z[picks]))  # (m, K, F)
        _train(det, self.module, EnsembleMSE(), stacked, seed)
        self.module.eval()
        with torch.no_grad():
            x = stacked.to(next(self.module.parameters()).device)
            out = self.module(x)  # each member on its own training rows
            return (out.x_hat.float() - x).cpu(), out.code.float().cpu()

    def forward(self, Z: np.ndarray, device) -> tuple[torch.Tensor, torch.Tensor]:
        self.module.eval()
        with torch.no_grad():
            x = torch.from_numpy(np.ascontiguousarray(Z)).to(device)
            out = self.module.forward_shared(x)
            return (out.x_hat.float() - x[:, None]).cpu(), out.code.float().cpu()

    def to_json(self) -> dict:
        return {"kind": "table", **self.config}

    def tensors(self) -> dict[str, torch.Tensor]:
        return {}

    @classmethod
    def from_json(cls, meta: dict, tensors) -> "TableModel":
        return cls(meta["n_members"], meta["n_features"], meta["hidden"], meta["code_size"],
                   meta["activation"])


class ImageModel:
    """One convolutional auto-encoder; pixels scaled to [0, 1] by the training range.

    ``train`` and ``forward`` take images already passed through :meth:`scale`, so the
    training rows are scored on the same scale as new ones.
    """

    def __init__(self, image_shape, hidden, code_size: int, activation: str,
                 low: float, high: float):
        self.config = {"image_shape": list(image_shape), "hidden": list(hidden),
                       "code_size": code_size, "activation": activation}
        self.low, self.span = float(low), float(high - low) if high > low else 1.0
        self.module = AutoEncoderModule(
            ConvEncoder(tuple(image_shape), tuple(hidden), code_size, activation),
            ConvDecoder(tuple(image_shape), tuple(hidden), code_size, activation))

    @classmethod
    def fit_scaling(cls, Z: np.ndarray, det, seed: int) -> "ImageModel":
        code = det.code_size if det.code_size is not None else IMAGE_CODE
        hidden = tuple(det.hidden) if det.hidden is not None else IMAGE_HIDDEN
        with seeded_init(seed):
            return cls(Z.shape[1:], hidden, code, det.activation, Z.min(), Z.max())

    def scale(self, Z: np.ndarray) -> np.ndarray:
        return ((Z - self.low) / self.span).astype(np.float32)

    def train(self, Z: np.ndarray, rows: np.ndarray, rng, seed: int, det):
        m = min(det.max_samples, len(rows))
        # Z is already scaled (see scale): the detector scores training rows as it scores new ones
        data = torch.from_numpy(np.ascontiguousarray(Z[np.sort(rng.choice(rows, m, replace=False))]))
        _train(det, self.module, ReconstructionObjective("mse"), data, seed)
        device = next(self.module.parameters()).device
        return self.forward(data.numpy(), device)

    def forward(self, Z: np.ndarray, device) -> tuple[torch.Tensor, torch.Tensor]:
        self.module.eval()
        with torch.no_grad():
            x = torch.from_numpy(np.ascontiguousarray(Z)).to(device)
            out = self.module(x)
            resid = (out.x_hat.float() - x).flatten(1)[:, None]  # (B, 1, C*H*W)
            return resid.cpu(), out.code.float()[:, None].cpu()

    def to_json(self) -> dict:
        return {"kind": "image", **self.config}

    def tensors(self) -> dict[str, torch.Tensor]:
        return {"image.range": torch.tensor([self.low, self.span], dtype=torch.float64)}

    @classmethod
    def from_json(cls, meta: dict, tensors) -> "ImageModel":
        low, span = tensors["image.range"].tolist()
        return cls(meta["image_shape"], meta["hidden"], meta["code_size"], meta["activation"],
                   low, low + span)
