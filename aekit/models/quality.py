"""A check after fitting: does the auto-encoder rebuild its data better than the two
baselines anyone would try first, the mean sample and PCA with as many components?

On small data the defaults can give every sample the same mean reconstruction (300 8x8
digits after 15 epochs: error 0.0739 against 0.0732 for the mean image and 0.0190 for
PCA-8). Such a model is useless, and a user should hear so at once.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.decomposition import PCA

logger = logging.getLogger(__name__)
SAMPLE = 1000  # rows compared; enough to tell, quick on any data


def baseline_errors(Xs: np.ndarray, n_components: int) -> tuple[float, float]:
    """Mean squared error per value of the mean sample and of PCA, on scaled data."""
    flat = Xs.reshape(len(Xs), -1).astype(np.float64)
    mean_error = float(((flat - flat.mean(0)) ** 2).mean())
    k = min(n_components, flat.shape[1], len(flat) - 1)
    if k < 1:
        return mean_error, mean_error
    pca = PCA(k, svd_solver="randomized", random_state=0).fit(flat)  # fast, and close enough to tell
    rebuilt = pca.inverse_transform(pca.transform(flat))
    return mean_error, float(((flat - rebuilt) ** 2).mean())


def warn_if_no_better_than_baselines(model, Xs: np.ndarray) -> None:
    """Log a warning when the fitted model's training error is not below the mean
    sample's, or is above PCA's at the same code size."""
    if len(Xs) < 3:
        return
    sample = Xs[np.random.default_rng(0).choice(len(Xs), SAMPLE, replace=False)] \
        if len(Xs) > SAMPLE else Xs
    rebuilt = model._run_batches(model._rebuild, sample)
    error = float(((rebuilt - sample) ** 2).mean())
    mean_error, pca_error = baseline_errors(sample, model.code_size_)
    if error >= 0.98 * mean_error:
        logger.warning("the auto-encoder rebuilds its training data no better than the mean "
                       "sample does (error %.4g vs %.4g): it has not learned yet; train longer "
                       "(epochs), use a smaller network (hidden) or more data", error, mean_error)
    elif error > pca_error:
        logger.warning("the auto-encoder rebuilds its training data worse than PCA with %d "
                       "components (error %.4g vs %.4g): train longer (epochs), use a smaller "
                       "network (hidden) or more data", model.code_size_, error, pca_error)
