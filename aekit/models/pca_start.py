"""Start an auto-encoder from PCA's answer (the torch side is :mod:`aekit.nn.linear_path`)."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Principal:
    """The scaled data's mean, its leading principal directions and the share of the
    variance they explain."""

    mean: np.ndarray  # (n_features,)
    directions: np.ndarray  # (k, n_features)
    explained: float  # in [0, 1]


def principal_subspace(Xs: np.ndarray, code_size: int, seed: int) -> Principal:
    """PCA of the scaled data (at most ``PCA_ROWS`` rows, seeded) with ``code_size``
    directions, or fewer where the data have fewer features or rows."""
    flat = Xs.reshape(len(Xs), -1)
    if len(flat) > PCA_ROWS:
        flat = flat[np.sort(np.random.default_rng(seed).choice(len(flat), PCA_ROWS, replace=False))]
    k = min(code_size, flat.shape[1], len(flat) - 1)
    mean = flat.mean(axis=0, dtype=np.float64)
    if k < 1:
        return Principal(mean, np.zeros((0, flat.shape[1])), 0.0)
    pca = PCA(k, random_state=seed).fit(flat)
    return Principal(mean, pca.components_, float(pca.explained_variance_ratio_.sum()))


def start_from_pca(subspace: PrincipalSubspace, principal: Principal) -> None:
    """Fill ``subspace`` with the mean and principal directions of the scaled data."""
    device = subspace.mean.device
    subspace.set(torch.as_tensor(principal.mean, dtype=torch.float32, device=device),
                 torch.as_tensor(principal.directions, dtype=torch.float32, device=device))
