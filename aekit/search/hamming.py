"""Binary hashes packed into bytes, and exact Hamming-distance search over them.

A hash of ``bits`` bits is stored as ``bits // 8`` uint8 (``np.packbits``, big-endian bit
order within each byte).

- :func:`hamming_search` (top-k, exact) runs on a :class:`HammingIndex`: faiss's
  ``IndexBinaryFlat``, an exhaustive XOR and popcount scan in C++ (1.7x as fast as the
  best numpy scan we wrote). faiss threads it over queries only, so a single query
  would scan on one core: for a few queries on a large collection the hashes are also
  cut into one shard per core (faiss's ``IndexBinaryShards``, threaded), scanned at
  once and merged. Ties go to the lower item number either way.

  Exact multi-index hashing (Norouzi et al. 2012) was tried for single queries and left
  out: on a million 64-bit hashes spread like random bits its probes and candidate
  checks, in numpy, took longer than the scan; faiss's ``IndexBinaryMultiHash`` probes a
  fixed number of flips (exact only up to a radius) and was slower still.
- :func:`hamming_distances` (all pairs, e.g. for evaluation) is numpy: XOR and
  ``np.bitwise_count`` over uint64 words, block by block. No Python loop runs over items.
"""

from __future__ import annotations

import numpy as np

from aekit.errors import ConfigError, InputError

ITEM_BLOCK = 32_768  # items per block: the block's xor buffer fits in L2 cache
QUERY_CELLS = 1 << 24  # queries x items per distance matrix chunk (16-32 MiB)
# Below this many items a single-threaded scan takes ~0.1 ms or less (64 bits): starting
# threads for shards would cost more than they save.
SHARD_MIN = 100_000


def pack_bits(codes) -> np.ndarray:
    """0/1 codes (n, bits), bits a multiple of 8, as packed uint8 rows (n, bits // 8)."""
    codes = np.asarray(codes)
    if codes.ndim != 2:
        raise InputError(f"codes must be 2-D (n, bits), got shape {codes.shape}")
    if codes.shape[1] % 8:
        raise InputError(f"codes must have a multiple of 8 bits to pack exactly, got {codes.shape[1]}")
    return np.packbits(codes > 0.5, axis=1)


def unpack_bits(packed) -> np.ndarray:
    """Packed uint8 rows back to 0/1 uint8 codes (n, 8 * bytes)."""
    return np.unpackbits(_check_packed(packed, "packed"), axis=1)


def hamming_distances(packed_a, packed_b) -> np.ndarray:
    """All pairwise Hamming distances (len(a), len(b)): uint8, or uint16 for 256 bits."""
    a, b = _as_words(_check_packed(packed_a, "packed_a")), _as_words(_check_packed(packed_b, "packed_b"))
    _check_widths(a, b)
    out = np.empty((len(a), len(b)), dtype=_distance_dtype(a))
    step = max(1, QUERY_CELLS // max(len(b), 1))
    for start in range(0, len(a), step):
        _distances_into(b, a[start:start + step], out[start:start + step])
    return out


def hamming_search(packed_db, packed_queries, k: int, *, index=None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` items of ``packed_db`` nearest to each query in Hamming distance.

    Returns ``(indices, distances)``, both (n_queries, k), nearest first; ties go to the
    lower item number. Both inputs are packed uint8 rows of the same width. ``index``: a
    :func:`binary_index` of ``packed_db`` already built (saves copying the items again).
    """
    db = _check_packed(packed_db, "packed_db")
    queries = _check_packed(packed_queries, "packed_queries")
    if db.shape[1] != queries.shape[1]:
        raise InputError(f"hashes of different lengths: {8 * db.shape[1]} vs "
                         f"{8 * queries.shape[1]} bits")
    check_k(k, len(db))
    index = binary_index(db) if index is None else index
    return index.search(queries, k)


class HammingIndex:
    """Exact top-k Hamming search over packed hashes: faiss's flat scan, threaded over the
    queries of a batch, and over shards of the collection (``shards``, else None) for
    batches of fewer queries than threads."""

    def __init__(self, packed_db, *, shards: bool | None = None):
        import faiss

        db = np.ascontiguousarray(_check_packed(packed_db, "packed_db"))
        self.flat = faiss.IndexBinaryFlat(8 * db.shape[1])  # keeps its own copy
        self.flat.add(db)
        self.threads = faiss.omp_get_max_threads()
        if shards is None:
            shards = len(db) >= SHARD_MIN and self.threads > 1
        self.shards = None
        if shards:
            # threaded, successive ids: shard j holds the items after shard j - 1's
            self.shards = faiss.IndexBinaryShards(8 * db.shape[1], True, True)
            self._parts = [faiss.IndexBinaryFlat(8 * db.shape[1]) for _ in range(self.threads)]
            for part, rows in zip(self._parts, np.array_split(db, self.threads)):
                part.add(np.ascontiguousarray(rows))
                self.shards.add_shard(part)  # faiss does not own it: _parts keeps it alive

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(queries)
        few = self.shards is not None and len(queries) < self.threads
        distances, indices = (self.shards if few else self.flat).search(queries, k)
        return indices.astype(np.int64), distances.astype(np.uint16)


def binary_index(packed_db, *, shards: bool | None = None) -> HammingIndex:
    """The search index of packed hashes :func:`hamming_search` uses; ``shards``: None
    chooses (at least SHARD_MIN items and two or more threads), True or False forces."""
    return HammingIndex(packed_db, shards=shards)


def check_k(k, n_items: int) -> None:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ConfigError(f"k must be a whole number of at least 1, got {k!r}")
    if k > n_items:
        raise ConfigError(f"k={k} is larger than the collection, which holds {n_items} "
                          f"item{'s' if n_items != 1 else ''}")


def _check_packed(packed, name: str) -> np.ndarray:
    packed = np.asarray(packed)
    if packed.dtype != np.uint8 or packed.ndim != 2 or packed.shape[1] == 0:
        raise InputError(f"{name} must be packed hashes, a 2-D uint8 array (n, bits // 8), "
                         f"got {packed.dtype} of shape {packed.shape}")
    return packed


def _check_widths(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[1] != b.shape[1]:
        raise InputError(f"hashes of different lengths: {64 * a.shape[1]} vs {64 * b.shape[1]} "
                         "bits (after padding to whole 64-bit words)")


def _as_words(packed: np.ndarray) -> np.ndarray:
    """uint64 view (n, words) of packed rows; zero-padded (equally for both sides, so
    distances are unchanged) only when the width is not a whole number of words."""
    n, width = packed.shape
    if width % 8:
        padded = np.zeros((n, width + (-width) % 8), dtype=np.uint8)
        padded[:, :width] = packed
        packed = padded
    return np.ascontiguousarray(packed).view(np.uint64)


def _distance_dtype(words: np.ndarray):
    # uint8 holds distances up to 255: half the memory traffic of uint16 in the top-k passes.
    return np.uint8 if words.shape[1] * 64 < 256 else np.uint16


def _distances_into(db: np.ndarray, queries: np.ndarray, out: np.ndarray) -> None:
    """out[q, i] = popcount(queries[q] ^ db[i]), block by block over the items."""
    words = db.shape[1]
    xor = np.empty((len(queries), min(ITEM_BLOCK, len(db)), words), dtype=np.uint64)
    counts = np.empty(xor.shape, dtype=np.uint8)
    for start in range(0, len(db), ITEM_BLOCK):
        stop = min(start + ITEM_BLOCK, len(db))
        x, c = xor[:, :stop - start], counts[:, :stop - start]
        np.bitwise_xor(db[None, start:stop], queries[:, None], out=x)
        if words == 1 and out.dtype == np.uint8:
            np.bitwise_count(x, out=out[:, start:stop, None])  # straight into the result
        else:
            np.bitwise_count(x, out=c)
            c.sum(axis=2, dtype=out.dtype, out=out[:, start:stop])
