"""The estimator side of discrete codes: checking the settings, starting a VQ codebook by
k-means, and measuring how much of a code is in use once training is done.

The torch parts (straight-through bits, Gumbel-softmax, the codebook) live in
:mod:`aekit.nn.bottleneck`; this module needs the data, numpy and faiss, so it sits
beside the estimators.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import torch

from aekit import params as P
from aekit.errors import ConfigError
from aekit.nn.bottleneck import BOTTLENECKS, VQBottleneck, make_bottleneck

logger = logging.getLogger(__name__)

KMEANS_SAMPLE = 50_000  # encoder outputs used to start the codebook: plenty for k-means
KMEANS_ITERATIONS = 20
COLLAPSE_WARNING = 0.5  # warn when fewer than half of the codes are used

BOTTLENECK_RULES: dict[str, P.Rule] = {
    "bottleneck": P.Rule(f"one of {BOTTLENECKS.names()}", lambda v: v in BOTTLENECKS),
    "codebook_size": P.integer(2),
    "codebook_dim": P.either(P.NONE, P.integer(1)),
    "commitment": P.real(0.0),
    "temperature": P.Rule("a pair (start, end) of numbers > 0",
                          lambda v: isinstance(v, (tuple, list)) and len(v) == 2
                          and all(P.is_real(t) and t > 0 for t in v)),
}


def build_bottleneck(estimator, seed: int, width: int):
    """The bottleneck module an estimator's settings ask for, over an encoder whose
    output has ``width`` values (``code_size``, or what a custom encoder gives)."""
    dim = estimator.codebook_dim
    if estimator.bottleneck == "vq" and dim is not None and width % dim:
        raise ConfigError(f"the encoder gives codes of {width} values, not a multiple of "
                          f"codebook_dim={dim}: each vector of codebook_dim values is "
                          f"quantized on its own")
    return make_bottleneck(
        estimator.bottleneck, width, codebook_size=estimator.codebook_size,
        codebook_dim=estimator.codebook_dim, commitment=estimator.commitment,
        temperature=tuple(estimator.temperature), seed=seed)


def check_bottleneck(estimator) -> None:
    """Settings that only make sense together, checked before any training."""
    if estimator.bottleneck != "vq" or estimator.codebook_dim is None:
        return
    if estimator.code_size % estimator.codebook_dim:
        raise ConfigError(f"code_size={estimator.code_size} must be a multiple of "
                          f"codebook_dim={estimator.codebook_dim}: the code is cut into "
                          f"vectors of codebook_dim values, each quantized on its own")


def start_codebook(module, Xs: np.ndarray, seed: int, device: torch.device) -> None:
    """K-means on the encoder's outputs before training (after pre-training, if any)
    gives the VQ codebook its first vectors, so every code starts where data is (random
    vectors far from the data stay unused)."""
    bottleneck = module.bottleneck
    if not isinstance(bottleneck, VQBottleneck):
        return
    rng = np.random.default_rng(seed)
    n_vectors = len(Xs) * bottleneck.groups
    size = bottleneck.codebook_size
    if size > n_vectors:
        raise ConfigError(
            f"codebook_size={size} is larger than the {n_vectors} training vectors "
            f"({len(Xs)} samples x {bottleneck.groups} code vectors each): a code could "
            f"never be used. Use codebook_size <= {n_vectors} or give more data")
    rows = Xs if len(Xs) <= KMEANS_SAMPLE else Xs[rng.choice(len(Xs), KMEANS_SAMPLE, replace=False)]
    vectors = _encoder_outputs(module, rows, device).reshape(-1, bottleneck.dim)
    bottleneck.set_codebook(torch.from_numpy(_kmeans(vectors, size, seed)).to(device))


def _encoder_outputs(module, X: np.ndarray, device: torch.device) -> np.ndarray:
    module.eval()
    with torch.no_grad():
        parts = [module.encoder(torch.from_numpy(X[i:i + 4096]).to(device)).float().cpu()
                 for i in range(0, len(X), 4096)]
    return torch.cat(parts).numpy()


def _kmeans(vectors: np.ndarray, k: int, seed: int) -> np.ndarray:
    # faiss (already aekit's nearest-neighbour library) runs k-means in well under a
    # second for 50,000 vectors and 512 centroids, where scikit-learn's takes tens.
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    kmeans = faiss.Kmeans(vectors.shape[1], k, niter=KMEANS_ITERATIONS, seed=seed,
                          max_points_per_centroid=max(256, len(vectors) // k + 1),
                          min_points_per_centroid=1, verbose=False)
    kmeans.train(vectors)
    return kmeans.centroids.astype(np.float32)


def code_usage(ids: np.ndarray, size: int) -> tuple[float, float]:
    """Share of the ``size`` codes chosen at least once, and the perplexity of the choice."""
    counts = np.bincount(ids.reshape(-1), minlength=size)
    p = counts[counts > 0] / counts.sum()
    return float((counts > 0).mean()), float(np.exp(-(p * np.log(p)).sum()))


def encoder_width(encoder, input_shape: tuple) -> int:
    """Values per sample ``encoder`` gives, probed with one zero input on the CPU (where
    modules are built); the encoder's train/eval mode is left as it was."""
    was_training = encoder.training
    with torch.no_grad():
        width = math.prod(encoder.eval()(torch.zeros(1, *input_shape)).shape[1:])
    encoder.train(was_training)
    return int(width)


def measure_usage(estimator, ids: np.ndarray) -> tuple[float, float]:
    """Usage and perplexity of a fitted one-hot or VQ estimator's code ``ids`` on its
    training data, logged (with a warning when the code has partly collapsed)."""
    kind = estimator.bottleneck
    size = estimator.code_size_ if kind == "onehot" else estimator.codebook_size
    usage, perplexity = code_usage(ids, size)
    report_usage(kind, usage, perplexity, size)
    return usage, perplexity


def report_usage(kind: str, usage: float, perplexity: float, size: int) -> None:
    what = "clusters" if kind == "onehot" else "codes"
    message = (f"{kind} code: {round(usage * size)} of {size} {what} used ({usage:.0%}), "
               f"perplexity {perplexity:.1f}")
    if usage < COLLAPSE_WARNING:
        logger.warning("%s: the code has partly collapsed (try a smaller codebook_size or "
                       "more data)", message)
    else:
        logger.info(message)
