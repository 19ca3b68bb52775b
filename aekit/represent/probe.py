"""Codes as features when labels are few: a linear probe against raw inputs and PCA.

The auto-encoder learns from all the data without labels; then a logistic regression is
trained on the codes of only ``k`` labelled samples per class and scored on a held-out
test set. The same is done with the raw (scaled) inputs and with PCA codes of the same
size, on the same labelled samples, so the rows differ only in the features.

>>> from aekit.represent.probe import linear_probe                          # doctest: +SKIP
>>> result = linear_probe(X, y, X_test=X_test, y_test=y_test, labels_per_class=(1, 10, 100))
>>> print(result.table())                                                # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aekit.models.autoencoder import AutoEncoder
from aekit.data.validation import check_features, check_labels
from aekit.errors import ConfigError, InputError
from aekit.preprocessing import Scaler, choose_scaling

logger = logging.getLogger(__name__)

FEATURE_KINDS = ("autoencoder", "pca", "raw")


@dataclass
class ProbeResult:
    """Rows of (features, labels per class, mean accuracy, its spread over repeats)."""

    rows: list[dict]
    code_size: int
    n_train: int
    n_test: int
    fit_seconds: dict[str, float]
    notes: list[str] = field(default_factory=list)

    def accuracy(self, features: str, k: int) -> float:
        for row in self.rows:
            if row["features"] == features and row["labels_per_class"] == k:
                return row["accuracy"]
        raise KeyError(f"no row for features={features!r}, k={k}")

    def table(self) -> str:
        header = "| features | labels per class | accuracy | std over draws | fit seconds |"
        lines = [header, "|---|---|---|---|---|"]
        for row in self.rows:
            lines.append(f"| {row['features']} | {row['labels_per_class']} | {row['accuracy']:.3f} | "
                         f"{row['std']:.3f} | {self.fit_seconds[row['features']]:.1f} |")
        return "\n".join(lines)


def linear_probe(X, y, *, X_test=None, y_test=None, X_unlabeled=None,
                 labels_per_class=(1, 10, 100), features=FEATURE_KINDS,
                 autoencoder: AutoEncoder | None = None, n_draws: int = 5,
                 test_size: float = 0.2, random_state: int = 0) -> ProbeResult:
    """Train a logistic regression on few labels per class over several feature kinds.

    Parameters
    ----------
    X, y : the labelled pool. Its samples (without labels) also train the auto-encoder
        and PCA; the probe sees only ``k`` labelled samples per class drawn from it.
    X_test, y_test : held-out data for the accuracy. When absent, a stratified
        ``test_size`` fraction of ``X`` is held out (and not used to fit anything).
    X_unlabeled : more samples without labels, used only to fit the auto-encoder and PCA.
    labels_per_class : sequence of int, the k values.
    features : sequence of {"autoencoder", "pca", "raw"}
    autoencoder : AutoEncoder, optional. A fitted one is used as it is; an unfitted one is
        cloned and fitted. Default ``AutoEncoder(code_size=30)`` with aekit's defaults.
    n_draws : int, how many random draws of the k labelled samples to average over.

    Returns
    -------
    ProbeResult
    """
    ks, features = _check_settings(labels_per_class, features, n_draws, test_size)
    original_dtype = getattr(X, "dtype", np.dtype(np.float32))
    X = check_features(X, name="X")
    y = check_labels(y, len(X), name="labels")
    X, y, X_test, y_test = _split(X, y, X_test, y_test, test_size, random_state)
    pool = X if X_unlabeled is None else np.concatenate([X, _same_shape(X_unlabeled, X, "X_unlabeled")])
    scaler = Scaler.fit(pool.reshape(len(pool), -1), choose_scaling(pool, original_dtype))
    extractors, fit_seconds, code_size = _fit_extractors(features, pool, scaler, autoencoder, random_state)
    result = ProbeResult([], code_size, len(X), len(X_test), fit_seconds)
    draws = _draw_labelled(y, ks, n_draws, random_state, result.notes)
    for name in features:
        train_codes, test_codes = extractors[name](X), extractors[name](X_test)
        for k in ks:
            scores = [_probe_accuracy(train_codes[rows], y[rows], test_codes, y_test)
                      for rows in draws[k]]
            result.rows.append({"features": name, "labels_per_class": k,
                                "accuracy": float(np.mean(scores)), "std": float(np.std(scores))})
    return result


def _check_settings(labels_per_class, features, n_draws, test_size):
    ks = (labels_per_class,) if isinstance(labels_per_class, (int, np.integer)) else tuple(labels_per_class)
    if not ks or any(not isinstance(k, (int, np.integer)) or k < 1 for k in ks):
        raise ConfigError(f"labels_per_class must be integers of at least 1, got {labels_per_class!r}")
    features = (features,) if isinstance(features, str) else tuple(features)
    unknown = [f for f in features if f not in FEATURE_KINDS]
    if unknown or not features:
        raise ConfigError(f"features must be some of {', '.join(FEATURE_KINDS)}; got {features!r}")
    if not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
        raise ConfigError(f"n_draws must be an integer of at least 1, got {n_draws!r}")
    if not 0 < test_size < 1:
        raise ConfigError(f"test_size must be between 0 and 1, got {test_size!r}")
    return tuple(int(k) for k in ks), features


def _same_shape(A, X: np.ndarray, name: str) -> np.ndarray:
    A = check_features(A, name=name)
    if A.shape[1:] != X.shape[1:]:
        raise InputError(f"{name} has samples of shape {A.shape[1:]}, but X has {X.shape[1:]}")
    return A


def _split(X, y, X_test, y_test, test_size, random_state):
    if (X_test is None) != (y_test is None):
        raise InputError("give both X_test and y_test, or neither")
    if X_test is None:
        X, X_test, y, y_test = train_test_split(X, y, test_size=test_size, stratify=y,
                                                random_state=random_state)
        return X, y, X_test, y_test
    X_test = _same_shape(X_test, X, "X_test")
    y_test = check_labels(y_test, len(X_test), name="test labels")
    unseen = np.setdiff1d(np.unique(y_test), np.unique(y))
    if len(unseen):
        raise InputError(f"test labels have classes the training labels lack: {unseen[:5].tolist()}")
    return X, y, X_test, y_test


def _fit_extractors(features, pool, scaler, autoencoder, random_state):
    """Fit each feature kind on all the (unlabelled) pool; return functions X -> features."""
    flat = lambda A: scaler.transform(A.reshape(len(A), -1))  # noqa: E731
    extractors: dict[str, Callable] = {}
    seconds: dict[str, float] = {}
    code_size = None
    if "autoencoder" in features:
        start = time.perf_counter()
        model = _prepared_autoencoder(autoencoder, random_state)
        if not hasattr(model, "module_"):
            logger.info("training the auto-encoder on %d unlabelled samples", len(pool))
            model.fit(pool)
        code_size = model.code_size_
        extractors["autoencoder"] = model.transform
        seconds["autoencoder"] = time.perf_counter() - start
    code_size = code_size or 30
    if "pca" in features:
        start = time.perf_counter()
        n_components = min(code_size, *flat(pool[:1]).shape[1:], len(pool))
        pca = PCA(n_components=n_components, random_state=random_state).fit(flat(pool))
        extractors["pca"] = lambda A: pca.transform(flat(A))
        seconds["pca"] = time.perf_counter() - start
    if "raw" in features:
        extractors["raw"], seconds["raw"] = flat, 0.0
    return extractors, seconds, code_size


def _prepared_autoencoder(autoencoder, random_state) -> AutoEncoder:
    if autoencoder is None:
        return AutoEncoder(code_size=30, random_state=random_state, verbose=False)
    if not isinstance(autoencoder, AutoEncoder):
        raise ConfigError(f"autoencoder must be an aekit.AutoEncoder, got {type(autoencoder).__name__}")
    return autoencoder if hasattr(autoencoder, "module_") else clone(autoencoder)


def _draw_labelled(y, ks, n_draws, random_state, notes) -> dict[int, list[np.ndarray]]:
    """For each k, ``n_draws`` sets of row indices with k rows of each class (all of a
    class's rows when it has fewer, said in the notes). Draws are nested across k."""
    rng = np.random.default_rng(random_state)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise InputError("the probe needs labels of at least two classes")
    orders = [[rng.permutation(np.flatnonzero(y == c)) for c in classes] for _ in range(n_draws)]
    for k in ks:
        if k > counts.min():
            notes.append(f"k={k}: class {classes[counts.argmin()]!r} has only {counts.min()} "
                         "labelled samples; all of them were used")
    return {k: [np.concatenate([order[:k] for order in draw]) for draw in orders] for k in ks}


def _probe_accuracy(train_codes, train_labels, test_codes, test_labels) -> float:
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    with warnings.catch_warnings():
        # One sample per class cannot converge meaningfully; the accuracy still counts.
        warnings.simplefilter("ignore", ConvergenceWarning)
        probe.fit(train_codes, train_labels)
    return float(probe.score(test_codes, test_labels))
