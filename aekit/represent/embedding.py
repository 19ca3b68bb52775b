"""2-D pictures of data: an auto-encoder's code side by side with PCA and t-SNE.

Each method turns the samples into 2-D points; the comparison measures, for each one,
how well the local neighbourhoods of the input survive (scikit-learn's trustworthiness),
how well a k-nearest-neighbour classifier predicts the labels from the 2-D points alone
(cross-validated), and how long the method took.

>>> from aekit.represent.embedding import compare_embeddings        # doctest: +SKIP
>>> result = compare_embeddings(X, y, methods=("autoencoder", "pca"))  # doctest: +SKIP
>>> print(result.table()); result.plot("embed.png")            # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from aekit.models.autoencoder import AutoEncoder
from aekit.data.validation import check_features, check_labels
from aekit.errors import ConfigError
from aekit.preprocessing import Scaler, choose_scaling
from aekit.registry import EMBEDDINGS
from aekit.represent.manifold import CodeManifold

logger = logging.getLogger(__name__)

# Trustworthiness needs all pairwise distances (N x N): above this many samples it is
# measured on a seeded random subset, and the table says so.
MAX_TRUST_SAMPLES = 10_000


@dataclass(frozen=True)
class Embedder:
    """How to build one embedding method. ``make(random_state, n_samples)`` returns an
    unfitted object with ``fit_transform``; ``new_points`` says whether it can embed
    samples it was not fitted on (with ``transform``)."""

    title: str
    make: Callable[[int, int], Any]
    new_points: bool
    scaled_input: bool  # True: gets the data after aekit's automatic scaling


def _autoencoder(random_state: int, n_samples: int) -> CodeManifold:
    # Auto-encoder codes laid out by UMAP, the map learned by a small MLP so new points
    # embed too (aekit.represent.manifold). A 2-D code alone left Fashion-MNIST's tops
    # piled up near the origin; UMAP keeps each code's neighbours beside it.
    return CodeManifold(n_components=2, random_state=random_state, verbose=False)


def _pca(random_state: int, n_samples: int) -> PCA:
    return PCA(n_components=2, random_state=random_state)


def _tsne(random_state: int, n_samples: int) -> TSNE:
    # Perplexity must stay below the number of samples; 30 is scikit-learn's default.
    perplexity = float(min(30.0, max(1.0, (n_samples - 1) / 3)))
    return TSNE(n_components=2, init="pca", perplexity=perplexity, random_state=random_state)


EMBEDDINGS.register("autoencoder")(Embedder("auto-encoder + UMAP", _autoencoder, True, False))
EMBEDDINGS.register("pca")(Embedder("PCA", _pca, True, True))
EMBEDDINGS.register("tsne")(Embedder("t-SNE", _tsne, False, True))


@dataclass
class EmbeddingComparison:
    """What :func:`compare_embeddings` measured.

    Attributes
    ----------
    embeddings : dict of str -> ndarray of shape (n_samples, 2)
    models : dict of str -> fitted object; use ``transform_new(method, X)`` for new points
    rows : list of dict, one per method: method, trustworthiness, knn_accuracy, seconds,
        new_points
    labels : ndarray or None
    notes : list of str, things the reader of the table should know
    """

    embeddings: dict[str, np.ndarray]
    models: dict[str, Any]
    rows: list[dict]
    labels: np.ndarray | None
    n_neighbors: int
    notes: list[str] = field(default_factory=list)
    _scaler: Scaler | None = None

    def table(self) -> str:
        """The rows as a markdown table."""
        header = ["method", "trustworthiness", f"{self.n_neighbors}-NN accuracy", "seconds",
                  "new points"]
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        for row in self.rows:
            knn = "-" if row["knn_accuracy"] is None else f"{row['knn_accuracy']:.3f}"
            lines.append(f"| {row['method']} | {row['trustworthiness']:.3f} | {knn} | "
                         f"{row['seconds']:.1f} | {row['new_points']} |")
        return "\n".join(lines)

    def transform_new(self, method: str, X) -> np.ndarray:
        """Embed samples that were not part of the comparison, with a method that can."""
        if method not in self.models:
            raise ConfigError(f"{method!r} was not part of this comparison; it had "
                              f"{', '.join(self.models)}")
        if not EMBEDDINGS.get(method).new_points:
            raise ConfigError(f"{EMBEDDINGS.get(method).title} cannot embed new points: it only "
                              "places the samples it was fitted on; run it again on all the data")
        X = check_features(X, name="X")
        if EMBEDDINGS.get(method).scaled_input:
            X = self._scaler.transform(X.reshape(len(X), -1))
        return self.models[method].transform(X)

    def plot(self, path, *, title: str | None = None, class_names=None) -> Path:
        """Draw the embeddings side by side as a PNG, coloured by label when there are labels."""
        from aekit.plots import save_embedding_plot

        panels = {
            f"{EMBEDDINGS.get(row['method']).title}: trust {row['trustworthiness']:.2f}"
            + ("" if row["knn_accuracy"] is None
               else f", {self.n_neighbors}-NN acc {row['knn_accuracy']:.2f}"): self.embeddings[row["method"]]
            for row in self.rows
        }
        return save_embedding_plot(path, panels, self.labels, title=title, class_names=class_names)


def compare_embeddings(X, y=None, methods=("autoencoder", "pca", "tsne"), *, n_neighbors: int = 5,
                       autoencoder: AutoEncoder | None = None, random_state: int = 0,
                       max_trust_samples: int = MAX_TRUST_SAMPLES) -> EmbeddingComparison:
    """Embed ``X`` in 2-D with each method and measure the embeddings.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or images (n_samples, C, H, W)
    y : array-like of shape (n_samples,), optional
        Labels: used only to colour the picture and to score k-NN accuracy, never to fit.
    methods : sequence of {"autoencoder", "pca", "tsne"}
    n_neighbors : int
        Neighbourhood size for trustworthiness and the k-NN classifier.
    autoencoder : CodeManifold or AutoEncoder, optional
        The "autoencoder" method's model: a ``CodeManifold(n_components=2)`` (auto-encoder
        codes laid out by UMAP, the map learned so new points embed too), or an
        ``AutoEncoder`` with ``code_size=2`` (its code is the picture). A fitted one is
        used as it is (its time is then only ``transform``); an unfitted one is cloned
        and fitted on ``X``. Default: ``CodeManifold(n_components=2)``.
    random_state : int
    max_trust_samples : int
        Trustworthiness is measured on a random subset of this many samples when X is larger.

    Returns
    -------
    EmbeddingComparison
    """
    methods = _check_methods(methods)
    original_dtype = getattr(X, "dtype", np.dtype(np.float32))  # uint8 images scale to [0, 1]
    X = check_features(X, name="X", min_samples=2 * n_neighbors + 2)
    labels = None if y is None else check_labels(y, len(X))
    if not isinstance(n_neighbors, (int, np.integer)) or n_neighbors < 1:
        raise ConfigError(f"n_neighbors must be an integer of at least 1, got {n_neighbors!r}")
    flat = X.reshape(len(X), -1)
    scaler = Scaler.fit(flat, choose_scaling(X, original_dtype))
    scaled = scaler.transform(flat)
    result = EmbeddingComparison({}, {}, [], labels, n_neighbors, _scaler=scaler)
    trust_rows = _subset(len(X), max_trust_samples, random_state)
    if trust_rows is not None:
        result.notes.append(f"trustworthiness measured on a random {len(trust_rows):,} of the "
                            f"{len(X):,} samples")
    for method in methods:
        logger.info("embedding %d samples with %s", len(X), method)
        model, embedding, seconds = _run(method, X, scaled, autoencoder, random_state)
        result.embeddings[method], result.models[method] = embedding, model
        rows = slice(None) if trust_rows is None else trust_rows
        result.rows.append({
            "method": method,
            "trustworthiness": float(trustworthiness(scaled[rows], embedding[rows],
                                                     n_neighbors=n_neighbors)),
            "knn_accuracy": _knn_accuracy(embedding, labels, n_neighbors, random_state),
            "seconds": seconds,
            "new_points": "transform" if EMBEDDINGS.get(method).new_points else "no: refit on all data",
        })
    if labels is None:
        result.notes.append("no labels: k-NN accuracy not measured, the picture is uncoloured")
    if "tsne" in methods:
        result.notes.append("t-SNE cannot embed new points: it places only the samples it was "
                            "fitted on; the auto-encoder and PCA embed new points with transform")
    return result


def _check_methods(methods) -> tuple[str, ...]:
    if isinstance(methods, str):
        methods = (methods,)
    methods = tuple(methods)
    if not methods:
        raise ConfigError("methods must name at least one embedding method")
    for method in methods:
        EMBEDDINGS.get(method)  # unknown names fail listing the known ones
    if len(set(methods)) != len(methods):
        raise ConfigError(f"methods lists a method twice: {methods}")
    return methods


def _run(method: str, X: np.ndarray, scaled: np.ndarray, autoencoder, random_state: int):
    embedder = EMBEDDINGS.get(method)
    start = time.perf_counter()
    if method == "autoencoder" and autoencoder is not None:
        model = _prepared_autoencoder(autoencoder)
        embedding = model.transform(X) if hasattr(model, "module_") else model.fit_transform(X)
    else:
        model = embedder.make(random_state, len(X))
        embedding = model.fit_transform(scaled if embedder.scaled_input else X)
    return model, np.asarray(embedding, dtype=np.float32), time.perf_counter() - start


def _prepared_autoencoder(autoencoder):
    if not isinstance(autoencoder, (AutoEncoder, CodeManifold)):
        raise ConfigError("autoencoder must be an aekit CodeManifold or AutoEncoder, got "
                          f"{type(autoencoder).__name__}")
    fitted = hasattr(autoencoder, "module_")
    if isinstance(autoencoder, CodeManifold):
        if autoencoder.n_components != 2:
            raise ConfigError(f"a 2-D picture needs a CodeManifold with n_components=2; this "
                              f"one has n_components={autoencoder.n_components}")
        return autoencoder if fitted else clone(autoencoder)
    code_size = autoencoder.code_size_ if fitted else autoencoder.code_size
    if code_size != 2:
        raise ConfigError(f"a 2-D picture needs an auto-encoder with code_size=2; this one has "
                          f"code_size={code_size}")
    return autoencoder if fitted else clone(autoencoder)


def _subset(n_samples: int, limit: int, random_state: int) -> np.ndarray | None:
    if n_samples <= limit:
        return None
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n_samples, size=limit, replace=False))


def _knn_accuracy(embedding: np.ndarray, labels, n_neighbors: int, random_state: int) -> float | None:
    """Cross-validated accuracy of a k-NN classifier on the 2-D points (5 folds, or fewer
    when the smallest class is smaller)."""
    if labels is None:
        return None
    _, counts = np.unique(labels, return_counts=True)
    folds = int(min(5, counts.min()))
    if len(counts) < 2 or folds < 2:
        logger.warning("k-NN accuracy needs at least two classes with two samples each; skipped")
        return None
    cv = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    knn = KNeighborsClassifier(n_neighbors=n_neighbors)
    return float(cross_val_score(knn, embedding, labels, cv=cv).mean())


def read_labels(path) -> np.ndarray:
    """Labels from a file: .npy, or text/CSV with one label per line (a header line of a
    non-number over number labels is skipped)."""
    from aekit.errors import DataError, MissingDataError

    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"labels file '{path}' does not exist")
    if path.suffix.lower() == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise DataError(f"cannot read labels from '{path}': {exc}") from None
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    except UnicodeDecodeError:
        raise DataError(f"labels file '{path}' is not UTF-8 text") from None
    lines = [line for line in lines if line]
    if not lines:
        raise DataError(f"labels file '{path}' is empty")
    if "," in lines[0]:
        raise DataError(f"labels file '{path}' has several columns; give one label per line")
    numeric = [_as_number(line) for line in lines]
    if all(v is not None for v in numeric[1:]) and numeric[0] is None:
        lines, numeric = lines[1:], numeric[1:]  # a header line
    if all(v is not None for v in numeric):
        return np.asarray(numeric)
    return np.asarray(lines)


def _as_number(text: str):
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else value
