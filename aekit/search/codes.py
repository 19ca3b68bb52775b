"""Similar-item search by code: encode a collection once, then find the nearest codes.

An index is a folder:

- ``index.json``: format version, metric, search kind, item names, and the fingerprint of
  the model that made the codes (so a query is never encoded by another model);
- ``codes.safetensors``: the codes, float32 (n_items, code_size);
- ``model/``: the model itself, to encode queries;
- ``hnsw.faiss``: only for approximate search, faiss's own serialisation of the graph.

Nothing is pickled. Neighbours come from faiss (Meta's well-kept library): an exact
flat index by default, an HNSW graph when ``search="approximate"`` (or ``"auto"`` and the
collection has more than ``APPROXIMATE_FROM`` items).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file as load_numpy
from safetensors.numpy import save_file as save_numpy

from aekit._atomic import atomic_path, write_json
from aekit._version import __version__
from aekit.data.validation import check_features
from aekit.errors import ConfigError, InputError, ModelFileError
from aekit.io import fingerprint, load, read_index_json

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
INDEX_TYPE = "aekit-code-index"
APPROXIMATE_FROM = 500_000  # below this, exact search costs milliseconds per query
HNSW_NEIGHBOURS = 32
METRICS = ("euclidean", "cosine")
SEARCH_KINDS = ("auto", "exact", "approximate")


@dataclass
class SearchResult:
    """Neighbours of each query, nearest first: ``indices`` and ``distances`` are
    (n_queries, k); ``names`` holds the items' names (file names or ``row N``)."""

    indices: np.ndarray
    distances: np.ndarray
    names: list[list[str]]


class CodeIndex:
    """Codes of a collection under one fitted model, searchable by nearest neighbours.

    Parameters
    ----------
    model : fitted aekit estimator with ``transform`` (an AutoEncoder)
    codes : ndarray (n_items, code_size)
    names : list of str or None; None names items by row number
    metric : {"euclidean", "cosine"}
    search : {"auto", "exact", "approximate"}

    Examples
    --------
    >>> index = CodeIndex.build(model, X, names=files)     # doctest: +SKIP
    >>> index.save("index/")                               # doctest: +SKIP
    >>> CodeIndex.load("index/").search(query, k=10).names  # doctest: +SKIP
    """

    def __init__(self, model, codes: np.ndarray, names=None, *, metric: str = "euclidean",
                 search: str = "auto"):
        if metric not in METRICS:
            raise ConfigError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
        if search not in SEARCH_KINDS:
            raise ConfigError(f"search must be one of {', '.join(SEARCH_KINDS)}, got {search!r}")
        self.model = model
        self.codes = np.ascontiguousarray(codes, dtype=np.float32)
        if self.codes.ndim != 2 or len(self.codes) == 0:
            raise InputError(f"an index needs a non-empty (n_items, code_size) array of codes, "
                             f"got shape {self.codes.shape}")
        if names is not None and len(names) != len(self.codes):
            raise InputError(f"got {len(names)} names for {len(self.codes)} items")
        self.names = None if names is None else [str(n) for n in names]
        self.metric = metric
        self.search_kind = self._resolve_search(search)
        self._faiss = None

    # Building ----------------------------------------------------------------------------
    @classmethod
    def build(cls, model, X, names=None, *, metric: str = "euclidean", search: str = "auto"):
        """Encode ``X`` with the fitted ``model`` and index the codes."""
        _check_fitted(model)
        X = check_query(model, X, what="data")
        return cls(model, model.transform(X), names, metric=metric, search=search)

    def _resolve_search(self, search: str) -> str:
        if search == "auto":
            return "approximate" if len(self.codes) > APPROXIMATE_FROM else "exact"
        return search

    @property
    def n_items(self) -> int:
        return len(self.codes)

    def name(self, i: int) -> str:
        return self.names[i] if self.names is not None else f"row {i}"

    # Searching ---------------------------------------------------------------------------
    def search(self, X, k: int = 10) -> SearchResult:
        """The ``k`` items nearest to each query in ``X`` (encoded by the index's model)."""
        X = check_query(self.model, X, what="query")
        return self.search_codes(self.model.transform(X), k)

    def search_codes(self, codes, k: int = 10) -> SearchResult:
        """The ``k`` items nearest to each code."""
        self._check_k(k)
        codes = np.ascontiguousarray(codes, dtype=np.float32)
        if codes.ndim != 2 or codes.shape[1] != self.codes.shape[1]:
            raise InputError(f"codes must have shape (n, {self.codes.shape[1]}), got {codes.shape}")
        distances, indices = self._engine().search(self._prepare(codes), k)
        distances = self._to_distance(distances)
        return SearchResult(indices, distances, [[self.name(i) for i in row] for row in indices])

    def neighbours_of_items(self, k: int = 10) -> SearchResult:
        """Leave-one-out: for each indexed item, its ``k`` nearest other items."""
        self._check_k(k, leave_one_out=True)
        distances, indices = self._engine().search(self._prepare(self.codes), k + 1)
        keep = indices != np.arange(self.n_items)[:, None]
        # Drop the item itself; when duplicates hide it, drop the last column instead.
        keep[keep.all(axis=1), -1] = False
        indices = indices[keep].reshape(self.n_items, k)
        distances = self._to_distance(distances[keep].reshape(self.n_items, k))
        return SearchResult(indices, distances, [[self.name(i) for i in row] for row in indices])

    def _check_k(self, k, leave_one_out: bool = False) -> None:
        available = self.n_items - (1 if leave_one_out else 0)
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise ConfigError(f"k must be a whole number of at least 1, got {k!r}")
        if k > available:
            raise ConfigError(f"k={k} is larger than the index, which holds {available} "
                              f"item{'s' if available != 1 else ''}{' besides the query' if leave_one_out else ''}")

    def _prepare(self, codes: np.ndarray) -> np.ndarray:
        if self.metric == "cosine":
            norms = np.linalg.norm(codes, axis=1, keepdims=True)
            return np.ascontiguousarray(codes / np.maximum(norms, 1e-12), dtype=np.float32)
        return codes

    def _to_distance(self, raw: np.ndarray) -> np.ndarray:
        # faiss returns squared L2 distances (euclidean) or inner products (cosine).
        if self.metric == "cosine":
            return (1.0 - raw).astype(np.float32)
        return np.sqrt(np.maximum(raw, 0)).astype(np.float32)

    def _engine(self):
        if self._faiss is None:
            import faiss

            dim = self.codes.shape[1]
            if self.search_kind == "approximate":
                metric = faiss.METRIC_INNER_PRODUCT if self.metric == "cosine" else faiss.METRIC_L2
                index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, metric)
                index.hnsw.efSearch = 128  # recall over speed: the defaults miss too often
            else:
                index = faiss.IndexFlatIP(dim) if self.metric == "cosine" else faiss.IndexFlatL2(dim)
            index.add(self._prepare(self.codes))
            self._faiss = index
        return self._faiss

    # Files ------------------------------------------------------------------------------
    def save(self, path) -> Path:
        """Write the index folder; the model goes inside it, index.json is written last."""
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise ModelFileError(f"{folder} exists and is not a folder; choose another path")
        self.model.save(folder / "model")
        with atomic_path(folder / "codes.safetensors") as tmp:
            save_numpy({"codes": self.codes}, str(tmp))
        if self.search_kind == "approximate":
            import faiss

            with atomic_path(folder / "hnsw.faiss") as tmp:
                tmp.write_bytes(faiss.serialize_index(self._engine()).tobytes())
        write_json(folder / "index.json", {
            "format_version": FORMAT_VERSION, "type": INDEX_TYPE, "aekit_version": __version__,
            "n_items": self.n_items, "code_size": int(self.codes.shape[1]),
            "metric": self.metric, "search": self.search_kind, "names": self.names,
            "model_fingerprint": fingerprint(self.model),
        })
        return folder

    @classmethod
    def load(cls, path, *, model=None) -> "CodeIndex":
        """Read an index folder. ``model`` (a fitted estimator or a model folder) replaces the
        stored one; it must be the very model that built the index."""
        folder = Path(path)
        meta = _read_index_json(folder)
        model = _load_model(folder, model)
        if fingerprint(model) != meta["model_fingerprint"]:
            raise ModelFileError(f"the index in {folder} was built by another model: its codes "
                                 "cannot be compared with this model's; rebuild it with `aekit index`")
        codes = _read_codes(folder / "codes.safetensors", meta)
        index = cls(model, codes, meta["names"], metric=meta["metric"], search=meta["search"])
        if meta["search"] == "approximate":
            index._faiss = _read_hnsw(folder / "hnsw.faiss")
        return index


def _check_fitted(model) -> None:
    if not hasattr(model, "transform") or not hasattr(model, "input_shape_"):
        raise ConfigError("the index needs a fitted aekit model with transform (e.g. an AutoEncoder)")


def check_query(model, X, *, what: str = "query") -> np.ndarray:
    """Queries as an array shaped like the model's training samples, or a clear error."""
    X = check_features(X, name=what)
    expected = tuple(model.input_shape_)
    if X.shape[1:] != expected:
        raise InputError(f"the {what} holds {_describe(X.shape[1:])}, but the model was trained "
                         f"on {_describe(expected)}")
    return X


def _describe(shape: tuple) -> str:
    if len(shape) == 3:
        channels = {1: "1 channel (grayscale)", 3: "3 channels (RGB)"}.get(shape[0], f"{shape[0]} channels")
        return f"{shape[1]}x{shape[2]} images with {channels}"
    if len(shape) == 2:
        return f"{shape[0]}x{shape[1]} grayscale images"
    return f"{shape[0]} features" if len(shape) == 1 else str(shape)


def _read_index_json(folder: Path) -> dict:
    return read_index_json(folder, type_tag=INDEX_TYPE, version=FORMAT_VERSION,
                           needed={"n_items", "code_size", "metric", "search", "names", "model_fingerprint"}, kind="code index", command="aekit index")


def _load_model(folder: Path, model):
    if model is None:
        return load(folder / "model")
    if isinstance(model, (str, Path)):
        return load(model)
    _check_fitted(model)
    return model


def _read_codes(path: Path, meta: dict) -> np.ndarray:
    try:
        codes = load_numpy(str(path))["codes"]
    except FileNotFoundError:
        raise ModelFileError(f"{path} is missing") from None
    except (OSError, KeyError, SafetensorError) as exc:
        raise ModelFileError(f"{path} is not a readable codes file ({exc})") from None
    if codes.shape != (meta["n_items"], meta["code_size"]):
        raise ModelFileError(f"{path} holds codes of shape {codes.shape}, but index.json says "
                             f"({meta['n_items']}, {meta['code_size']})")
    return codes


def _read_hnsw(path: Path):
    import faiss

    try:
        data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
        return faiss.deserialize_index(data)
    except FileNotFoundError:
        raise ModelFileError(f"{path} is missing") from None
    except RuntimeError as exc:
        raise ModelFileError(f"{path} is not a readable faiss index ({str(exc).splitlines()[0]})") from None


def precision_at_k(neighbour_labels: np.ndarray, query_labels: np.ndarray) -> float:
    """Mean fraction of each query's neighbours that share its label."""
    return float((np.asarray(neighbour_labels) == np.asarray(query_labels)[:, None]).mean())
