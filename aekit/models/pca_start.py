"""Start an auto-encoder from PCA's answer (the torch side is :mod:`aekit.nn.linear_path`)."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.decomposition import PCA
from torch import nn

from aekit.nn.linear_path import PCAStartDecoder, PCAStartEncoder, PrincipalSubspace

PCA_ROWS = 20_000  # principal directions from at most this many rows: as good, and quick


def with_pca_path(encoder: nn.Module, decoder: nn.Module, input_shape, code_size: int):
    """The encoder and decoder behind gates, beside a (still empty) principal subspace."""
    subspace = PrincipalSubspace(tuple(input_shape), code_size)
    return PCAStartEncoder(encoder, subspace), PCAStartDecoder(decoder, subspace)


def start_from_pca(subspace: PrincipalSubspace, Xs: np.ndarray, seed: int) -> None:
    """Fill ``subspace`` with the mean and principal directions of the scaled data."""
    flat = Xs.reshape(len(Xs), -1)
    if len(flat) > PCA_ROWS:
        flat = flat[np.sort(np.random.default_rng(seed).choice(len(flat), PCA_ROWS, replace=False))]
    k = min(subspace.directions.shape[0], flat.shape[1], len(flat) - 1)
    mean = flat.mean(axis=0, dtype=np.float64)
    directions = np.zeros((0, flat.shape[1]))
    if k >= 1:
        directions = PCA(k, random_state=seed).fit(flat).components_
    device = subspace.mean.device
    subspace.set(torch.as_tensor(mean, dtype=torch.float32, device=device),
                 torch.as_tensor(directions, dtype=torch.float32, device=device))
