"""Semantic hashing (Salakhutdinov & Hinton 2009): each document gets a short binary code
from an auto-encoder with a binary bottleneck, so that similar documents get codes a few
bits apart; search is then an exact Hamming-distance search of packed bits, optionally
refined by TF-IDF cosine among the best candidates. How the default net is trained (from
LSA's answer, rebuilding each document's neighbourhood): :mod:`aekit.text.hashing`.

An index is a folder:

- ``index.json``: format version, document names and titles, the vectorizer's settings
  and vocabulary, the fingerprint of the model, the sizes of the default net's modules
  (``hash_modules``; absent or null for another model) (written last: its presence marks
  a complete index);
- ``arrays.safetensors``: ``hashes`` (uint8, n_docs x bits/8, ``np.packbits``),
  ``thresholds`` (float32, per bit), ``idf`` (float32, per word) and the TF-IDF vectors
  as CSR arrays ``vectors_data``/``vectors_indices``/``vectors_indptr``;
- ``model/``: the auto-encoder (:func:`aekit.io.save_model`).

Nothing is pickled. The folder is written beside its destination and renamed into place,
so a failure while writing never leaves a half-written index and keeps an existing one.
(Replacing an index takes two renames: a crash between them leaves the old index in a
``.NAME.*.old`` folder beside the destination rather than at it.)
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from safetensors import SafetensorError
from safetensors.numpy import load_file as load_numpy
from safetensors.numpy import save_file as save_numpy

from aekit._atomic import atomic_path, write_json
from aekit._version import __version__
from aekit.errors import ConfigError, InputError, ModelFileError
from aekit.io import fingerprint, load, read_index_json, save_model
from aekit.search.hamming import binary_index, check_k, hamming_search, pack_bits
from aekit.data.text import Documents, read_text_folder, title_of
from aekit.text.hashing import default_model, model_input, module_spec, net_input, training_input
from aekit.text.modules import hash_modules
from aekit.text.vectorizer import MAX_WORDS, fit_vectorizer, restore_vectorizer, vectorizer_state

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
INDEX_TYPE = "aekit-semantic-hash-index"
INDEX_JSON = "index.json"
ARRAYS = "arrays.safetensors"
MIN_BITS, MAX_BITS = 8, 256
REFINE_FACTOR = 10  # refine re-ranks the best REFINE_FACTOR * k by Hamming distance


@dataclass
class TextHits:
    """One query's results, best first: document numbers, Hamming distances, names,
    titles and, when refined, the TF-IDF cosine similarities (else None)."""

    indices: np.ndarray
    distances: np.ndarray
    names: list[str]
    titles: list[str]
    cosines: np.ndarray | None = None


def check_bits(bits) -> int:
    if (not isinstance(bits, (int, np.integer)) or isinstance(bits, bool)
            or not MIN_BITS <= bits <= MAX_BITS or bits % 8):
        raise ConfigError(f"bits must be a multiple of 8 from {MIN_BITS} to {MAX_BITS} (whole bytes "
                          f"pack exactly), got {bits!r}")
    return int(bits)


class SemanticHashIndex:
    """Documents searchable by binary hash (Hamming distance), refined by TF-IDF cosine.

    Build with :meth:`build` (texts) or :meth:`from_folder`; then :meth:`search`,
    :meth:`save`, :meth:`load`.

    Examples
    --------
    >>> index = SemanticHashIndex.from_folder("docs/", bits=32)   # doctest: +SKIP
    >>> index.search("orbit of the space shuttle", k=5).names     # doctest: +SKIP
    >>> index.save("idx/"); SemanticHashIndex.load("idx/")         # doctest: +SKIP
    """

    def __init__(self, vectorizer, model, thresholds, hashes, names, titles=None, vectors=None):
        self.vectorizer = vectorizer
        self.model = model
        self.thresholds = np.asarray(thresholds, dtype=np.float32)
        self.hashes = np.ascontiguousarray(hashes, dtype=np.uint8)
        self.bits = check_bits(8 * self.hashes.shape[1])
        if len(self.thresholds) != self.bits:
            raise InputError(f"got {len(self.thresholds)} thresholds for {self.bits}-bit hashes")
        if len(names) != len(self.hashes):
            raise InputError(f"got {len(names)} names for {len(self.hashes)} hashes")
        self.names = [str(n) for n in names]
        self.titles = [str(t) for t in titles] if titles is not None else [""] * len(self.names)
        self.vectors = None if vectors is None else sp.csr_matrix(vectors, dtype=np.float32)
        self._search_index = None  # faiss's binary index of the hashes, built on first search

    # Building ----------------------------------------------------------------------------
    @classmethod
    def build(cls, docs, bits: int = 64, *, names=None, titles=None, max_words: int = MAX_WORDS,
              model=None, keep_vectors: bool = True, epochs: int = 50, random_state=0,
              verbose="auto") -> "SemanticHashIndex":
        """Vectorize ``docs`` (texts, or :class:`Documents`), train the auto-encoder
        (``model``: an unfitted one to use instead of :func:`default_model`) and hash."""
        bits = check_bits(bits)
        if isinstance(docs, Documents):
            names, titles, docs = docs.names, docs.titles, docs.texts
        texts = [str(t) for t in docs]
        if not texts:
            raise InputError("no documents to index")
        names = list(names) if names is not None else [f"doc {i}" for i in range(len(texts))]
        titles = list(titles) if titles is not None else [title_of(t) for t in texts]
        vectorizer = fit_vectorizer(texts, max_words)
        vectors = vectorizer.transform(texts)
        n_empty = int(np.sum(np.diff(vectors.indptr) == 0))
        if n_empty:
            logger.warning("%d of %d documents hold no word of the vocabulary (e.g. %s); they all "
                           "get the same hash", n_empty, len(texts), names[int(np.argmin(np.diff(vectors.indptr)))])
        if model is None:
            model = default_model(vectors, bits, epochs=epochs, random_state=random_state, verbose=verbose)
            train = training_input(vectors)
        else:
            train = net_input(vectors)
        if model.get_params().get("code_size") != bits:
            raise ConfigError(f"the model's code_size is {model.get_params().get('code_size')}, not {bits}")
        model.fit(train)
        dense = model_input(model, vectors)
        thresholds = _thresholds(model, dense)
        hashes = pack_bits(model.transform(dense) > thresholds)
        return cls(vectorizer, model, thresholds, hashes, names, titles,
                   vectors if keep_vectors else None)

    @classmethod
    def from_folder(cls, folder, bits: int = 64, *, strip_headers: bool = False,
                    **kwargs) -> "SemanticHashIndex":
        """Index every text file under ``folder``; see :func:`read_text_folder`."""
        check_bits(bits)  # before reading a large folder
        return cls.build(read_text_folder(folder, strip_headers=strip_headers), bits, **kwargs)

    @property
    def n_docs(self) -> int:
        return len(self.hashes)

    # Searching ---------------------------------------------------------------------------
    def vectorize(self, texts) -> sp.csr_matrix:
        """TF-IDF rows of ``texts``; a text with no word of the vocabulary is an error."""
        texts = [texts] if isinstance(texts, str) else [str(t) for t in texts]
        vectors = self.vectorizer.transform(texts).astype(np.float32)
        empty = np.flatnonzero(np.diff(vectors.indptr) == 0)
        if len(empty):
            which = "the query" if len(texts) == 1 else f"query {empty[0] + 1} of {len(texts)}"
            raise InputError(f"{which} has no word the index knows (its vocabulary holds "
                             f"{len(self.vectorizer.vocabulary_):,} words from the documents, "
                             "stop words excluded); try other words")
        return vectors

    def hash(self, texts) -> np.ndarray:
        """Packed hashes (n, bits // 8) of ``texts`` (a string or a list of strings)."""
        return self._hash_vectors(self.vectorize(texts))

    def _hash_vectors(self, vectors) -> np.ndarray:
        return pack_bits(self.model.transform(model_input(self.model, vectors)) > self.thresholds)

    def search(self, query: str, k: int = 10, *, refine: bool = False) -> TextHits:
        """The ``k`` documents nearest to ``query``: by Hamming distance of the hashes, or,
        with ``refine``, the best ``10 * k`` by Hamming re-ranked by TF-IDF cosine."""
        check_k(k, self.n_docs)
        if refine and self.vectors is None:
            raise ConfigError("this index was built without its TF-IDF vectors; search without refine")
        vector = self.vectorize(query)
        n_candidates = min(self.n_docs, REFINE_FACTOR * k) if refine else k
        if self._search_index is None:
            self._search_index = binary_index(self.hashes)
        indices, distances = hamming_search(self.hashes, self._hash_vectors(vector), n_candidates,
                                            index=self._search_index)
        indices, distances, cosines = indices[0], distances[0], None
        if refine:
            similarity = (self.vectors[indices] @ vector.T).toarray().ravel()
            order = np.argsort(-similarity, kind="stable")[:k]  # stable: equal cosines keep Hamming order
            indices, distances, cosines = indices[order], distances[order], similarity[order]
        return TextHits(indices, distances, [self.names[i] for i in indices],
                        [self.titles[i] for i in indices], cosines)

    # Files -------------------------------------------------------------------------------
    def save(self, path) -> Path:
        """Write the index folder atomically (see the module's notes)."""
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise ModelFileError(f"{folder} exists and is not a folder; choose another path")
        if folder.is_dir() and any(folder.iterdir()) and not (folder / INDEX_JSON).exists():
            raise ModelFileError(f"{folder} holds other files; write the index to a new or empty folder")
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
        try:
            self._write(staging)
            _swap_in(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return folder

    def _write(self, folder: Path) -> None:
        save_model(self.model, folder / "model")
        state, idf = vectorizer_state(self.vectorizer)
        arrays = {"hashes": self.hashes, "thresholds": self.thresholds, "idf": idf}
        if self.vectors is not None:
            vectors = self.vectors
            arrays.update(vectors_data=vectors.data.astype(np.float32),
                          vectors_indices=vectors.indices.astype(np.int64),
                          vectors_indptr=vectors.indptr.astype(np.int64))
        with atomic_path(folder / ARRAYS) as tmp:
            save_numpy(arrays, str(tmp))
        write_json(folder / INDEX_JSON, {
            "format_version": FORMAT_VERSION, "type": INDEX_TYPE, "aekit_version": __version__,
            "n_docs": self.n_docs, "bits": self.bits, "names": self.names, "titles": self.titles,
            "vectorizer": state, "has_vectors": self.vectors is not None,
            "model_fingerprint": fingerprint(self.model),
            # aekit's default net is made of text/modules.py's modules: their sizes rebuild them
            "hash_modules": module_spec(self.model),
        })

    @classmethod
    def load(cls, path) -> "SemanticHashIndex":
        """Read an index folder written by :meth:`save`; any damage is a ModelFileError."""
        folder = Path(path)
        meta = _read_index_json(folder)
        model = _load_model(folder, meta.get("hash_modules"))
        if fingerprint(model) != meta["model_fingerprint"]:
            raise ModelFileError(f"{folder / 'model'} is not the model that built the index in {folder}")
        arrays = _read_arrays(folder / ARRAYS, meta)
        vectorizer = restore_vectorizer(meta["vectorizer"], arrays["idf"])
        vectors = None
        if meta["has_vectors"]:
            vectors = sp.csr_matrix((arrays["vectors_data"], arrays["vectors_indices"], arrays["vectors_indptr"]),
                                    shape=(meta["n_docs"], len(arrays["idf"])))
        try:
            return cls(vectorizer, model, arrays["thresholds"], arrays["hashes"], meta["names"],
                       meta["titles"], vectors)
        except (InputError, ConfigError) as exc:
            raise ModelFileError(f"the index in {folder} is damaged ({exc})") from None


def _load_model(folder: Path, spec):
    """The index's auto-encoder; aekit's default net gets its modules rebuilt from ``spec``
    (indexes written before it, and indexes of other models, have none)."""
    if spec is None:
        return load(folder / "model")
    try:
        encoder, decoder = hash_modules(int(spec["n_words"]), int(spec["bits"]), int(spec["hidden"]))
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{folder / INDEX_JSON}: hash_modules is damaged ({exc!r})") from None
    return load(folder / "model", encoder=encoder, decoder=decoder)


def _thresholds(model, dense: np.ndarray) -> np.ndarray:
    """Per-bit thresholds: 0.5 for a binary bottleneck's 0/1 codes; for a model with real
    codes, each code unit's median over the documents (every bit then splits the
    collection in half, the most informative split)."""
    if model.get_params().get("bottleneck") == "binary":
        return np.full(model.code_size_, 0.5, dtype=np.float32)
    return np.median(model.transform(dense), axis=0).astype(np.float32)


def _swap_in(staging: Path, folder: Path) -> None:
    """Rename the complete ``staging`` folder to ``folder``; an old index there is moved
    aside first and removed only once the new one is in place (restored on failure)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(staging, 0o777 & ~mask)  # mkdtemp makes it private
    old = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
        os.replace(folder, old / "index")
    try:
        os.replace(staging, folder)
    except OSError:
        if old is not None:
            os.replace(old / "index", folder)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _read_index_json(folder: Path) -> dict:
    return read_index_json(folder, type_tag=INDEX_TYPE, version=FORMAT_VERSION,
                           needed={"n_docs", "bits", "names", "titles", "vectorizer", "has_vectors", "model_fingerprint"}, kind="text index", command="aekit text index")


def _read_arrays(path: Path, meta: dict) -> dict:
    try:
        arrays = load_numpy(str(path))
    except FileNotFoundError:
        raise ModelFileError(f"{path} is missing") from None
    except (OSError, SafetensorError) as exc:
        raise ModelFileError(f"{path} is not a readable safetensors file ({exc})") from None
    needed = {"hashes", "thresholds", "idf"}
    if meta["has_vectors"]:
        needed |= {"vectors_data", "vectors_indices", "vectors_indptr"}
    if needed - set(arrays):
        raise ModelFileError(f"{path} lacks {', '.join(sorted(needed - set(arrays)))}")
    if arrays["hashes"].dtype != np.uint8 or arrays["hashes"].shape != (meta["n_docs"], meta["bits"] // 8):
        raise ModelFileError(f"{path} holds hashes of shape {arrays['hashes'].shape}, but {INDEX_JSON} "
                             f"says {meta['n_docs']} documents of {meta['bits']} bits")
    if meta["has_vectors"]:
        indptr, indices = arrays["vectors_indptr"], arrays["vectors_indices"]
        if (len(indptr) != meta["n_docs"] + 1 or indptr[0] != 0 or indptr[-1] != len(indices)
                or len(arrays["vectors_data"]) != len(indices) or np.any(np.diff(indptr) < 0)
                or (len(indices) and (indices.min() < 0 or indices.max() >= len(arrays["idf"])))):
            raise ModelFileError(f"{path} holds inconsistent TF-IDF vectors")
    return arrays
