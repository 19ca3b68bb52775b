"""Fitting an auto-encoder on a table too large for memory: one pass for the scaling
statistics, then the trainer streams the chunks (:class:`aekit.train.ChunkedSource`)."""

from __future__ import annotations

import logging
import math

import numpy as np

from aekit.data.chunks import chunk_stats
from aekit.preprocessing import Scaler, choose_scaling_from_stats
from aekit.train import ChunkedSource

logger = logging.getLogger(__name__)
SAMPLE_ROWS = 4096  # rows kept in memory for what needs examples (codebook start, checks)


def fit_stream_input(estimator, reader, scaling_kind) -> tuple[ChunkedSource, np.ndarray]:
    """Set the estimator's input attributes from a chunk reader, as ``_fit_input`` does for
    an array; returns the training source and a scaled sample of the first rows."""
    stats = chunk_stats(reader)
    estimator.input_shape_ = tuple(reader.row_shape)
    estimator.n_features_in_ = math.prod(estimator.input_shape_)
    if reader.columns is not None:
        estimator.feature_names_in_ = np.asarray(reader.columns, dtype=object)
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_  # from an earlier fit
    estimator.architecture_ = estimator._resolve_architecture()
    estimator.model_shape_ = estimator._model_shape()
    auto = choose_scaling_from_stats(stats, 1 + len(reader.row_shape))
    kind = auto if estimator.scaling == "auto" else estimator.scaling
    estimator.scaler_ = Scaler.from_stats(stats, kind)
    low = estimator.scaler_.transform(stats.minimum[None].astype(np.float32)).min()
    high = estimator.scaler_.transform(stats.maximum[None].astype(np.float32)).max()
    estimator.clip_ = bool(low >= -1e-6 and high <= 1 + 1e-6)
    logger.info("streaming %d rows of %s in %d chunks (%s scaling)", stats.n, reader.path,
                len(reader.sizes), kind)
    source = ChunkedSource(reader, estimator._scale)
    first = next(reader.read(0))[:SAMPLE_ROWS]
    return source, estimator._scale(first)
