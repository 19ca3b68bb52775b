"""The torch graphs that ``aekit export`` traces into ONNX: each takes what a user has
(samples in their own units, codes, a detector's features) and ends in what the library
returns, so the exported file needs nothing of aekit or torch to be used.

* ``encoder``: ``x`` (batch, *input_shape) float32 -> ``code`` (batch, code_size) float32:
  the model's scaling, then the encoder (for a VAE, the posterior mean). = ``transform``.
* ``decoder``: ``code`` (batch, code_size) float32 -> ``reconstruction`` (batch,
  *input_shape) float32, in the input's units. = ``inverse_transform``.
* ``score`` (anomaly detectors): ``features`` (batch, n_features) float64 ->
  ``anomaly_score`` (batch,) float64 and ``is_anomaly`` (batch,) bool by the detector's
  threshold at export time. = ``anomaly_score`` / ``predict``. For a table the features
  are its numeric columns in their own units and, for a text column, one 0/1 slot per
  category (the slots' names are in the file's ``feature_names`` metadata); an image is
  flattened pixels.

These modules only read the fitted weights; nothing here trains.
"""

from __future__ import annotations

import torch
from torch import nn


def _buffer(values, dtype=torch.float32) -> torch.Tensor:
    return torch.as_tensor(values, dtype=dtype).clone()


class EncoderGraph(nn.Module):
    def __init__(self, model, encode):
        super().__init__()
        # the network as a submodule, so the exporter stores its weights as initializers
        self.net, self.encode = model.module_, encode
        self.model_shape = tuple(model.model_shape_)
        self.register_buffer("offset", _buffer(model.scaler_.offset))
        self.register_buffer("scale", _buffer(model.scaler_.scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = (x.reshape(x.shape[0], -1) - self.offset) / self.scale
        return self.encode(self.net, flat.reshape(x.shape[0], *self.model_shape))


class DecoderGraph(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.net, self.clip = model.module_, bool(model.clip_)
        self.input_shape = tuple(model.input_shape_)
        self.register_buffer("offset", _buffer(model.scaler_.offset))
        self.register_buffer("scale", _buffer(model.scaler_.scale))

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        out = self.net.decode(code)
        out = (out.clamp(0, 1) if self.clip else out).reshape(code.shape[0], -1)
        return (out * self.scale + self.offset).reshape(code.shape[0], *self.input_shape)


class ScoreGraph(nn.Module):
    """A detector's features -> its anomaly scores, in float64 like the library."""

    def __init__(self, det):
        super().__init__()
        self.det, self.net = det, det.model_.module
        center, scale = feature_scaling(det)
        self.register_buffer("center", center)
        self.register_buffer("scale", scale)
        self.threshold = float(det.threshold_)

    def forward(self, features: torch.Tensor):
        z = ((features - self.center) / self.scale).float()
        resid, code = self._forward(z)
        score = self.det.stats_.score(resid, code, self.det.scoring)
        return score, score > self.threshold

    def _forward(self, z: torch.Tensor):
        module = self.net
        if self.det.encoder_ is None:  # images: one conv auto-encoder on (B, C, H, W)
            x = z.reshape(z.shape[0], *self.det.input_shape_)
            out = module(x)
            return (out.x_hat.float() - x).flatten(1)[:, None], out.code.float()[:, None]
        out = module.forward_shared(z)
        return out.x_hat.float() - z[:, None], out.code.float()


def feature_scaling(det) -> tuple[torch.Tensor, torch.Tensor]:
    """Per feature, what the detector subtracts and divides by: the robust scaling of each
    numeric column, nothing for one-hot slots, the pixel range for images."""
    if det.encoder_ is None:
        low, span = det.model_.low, det.model_.span
        n = det.n_features_in_
        return torch.full((n,), low, dtype=torch.float64), torch.full((n,), span, dtype=torch.float64)
    centers, scales, numeric = [], [], 0
    for column in det.encoder_.columns:
        if column.kind == "numeric":
            centers.append(float(det.encoder_.center[numeric]))
            scales.append(float(det.encoder_.scale[numeric]))
            numeric += 1
        else:
            centers += [0.0] * column.width
            scales += [1.0] * column.width
    return torch.tensor(centers, dtype=torch.float64), torch.tensor(scales, dtype=torch.float64)


def feature_names(det) -> list[str]:
    """The names of the score graph's features: columns, ``column=category`` slots, pixels."""
    if det.encoder_ is None:
        return [str(n) for n in det.feature_names_in_]
    names = []
    for column in det.encoder_.columns:
        if column.kind == "numeric":
            names.append(column.name)
        else:
            names += [f"{column.name}={category}" for category in column.categories]
    return names
