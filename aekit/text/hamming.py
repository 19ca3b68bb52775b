"""Binary hashes packed into bytes, and exact Hamming-distance search over them.

A hash of ``bits`` bits is stored as ``bits // 8`` uint8 (``np.packbits``, big-endian bit
order within each byte). Search XORs the query against every item and counts the set
bits (``np.bitwise_count``), 64 bits at a time through a uint64 view of the rows, in
blocks small enough to stay in the CPU cache. No Python loop runs over items.

Top-k selection exploits that distances are small integers (0..bits): the k-th smallest
distance is found by a binary search over the few possible values (counting, not
sorting), then only the items at or below it are sorted. Ties are broken by the lower
item number, so results are deterministic.
"""

from __future__ import annotations

import numpy as np

from aekit.errors import ConfigError, InputError

ITEM_BLOCK = 32_768  # items per block: the block's xor buffer fits in L2 cache
QUERY_CELLS = 1 << 24  # queries x items per distance matrix chunk (16-32 MiB)
PREFIX_ITEMS = 65_536  # items whose k-th smallest distance bounds the whole row's


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


def hamming_search(packed_db, packed_queries, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` items of ``packed_db`` nearest to each query in Hamming distance.

    Returns ``(indices, distances)``, both (n_queries, k), nearest first; ties go to the
    lower item number. Both inputs are packed uint8 rows of the same width.
    """
    db = _as_words(_check_packed(packed_db, "packed_db"))
    queries = _as_words(_check_packed(packed_queries, "packed_queries"))
    _check_widths(db, queries)
    check_k(k, len(db))
    n_bits = 64 * db.shape[1]
    indices = np.empty((len(queries), k), dtype=np.int64)
    distances = np.empty((len(queries), k), dtype=np.uint16)
    step = max(1, QUERY_CELLS // len(db))
    block = np.empty((min(step, len(queries)), len(db)), dtype=_distance_dtype(db))
    for start in range(0, len(queries), step):
        chunk = queries[start:start + step]
        d = block[:len(chunk)]
        _distances_into(db, chunk, d)
        indices[start:start + len(chunk)], distances[start:start + len(chunk)] = _top_k(d, k, n_bits)
    return indices, distances


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


def _top_k(d: np.ndarray, k: int, n_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise k smallest of small-integer distances, ties to the lower column."""
    indices = np.empty((len(d), k), dtype=np.int64)
    for r, row in enumerate(d):  # one query per pass; each pass is vectorized over items
        candidates = np.flatnonzero(row <= _kth_smallest(row, k, n_bits))  # ascending
        nearest = candidates[np.argsort(row[candidates], kind="stable")[:k]]  # stable: ties by number
        indices[r] = nearest
    return indices, np.take_along_axis(d, indices, axis=1).astype(np.uint16)


def _kth_smallest(row: np.ndarray, k: int, n_bits: int) -> int:
    """The k-th smallest value of ``row`` (integers in 0..n_bits), by counting.

    The k-th smallest of a prefix is an upper bound (a subset's k-th smallest is never
    lower); galloping down from it and a binary search then find the exact value in a
    few compare-and-count passes over the row, each far cheaper than a partition.
    """
    prefix = row[:PREFIX_ITEMS]
    hi = _bisect(prefix, k, -1, n_bits) if len(row) > PREFIX_ITEMS else n_bits
    lo, step = -1, 1  # invariant: count(row <= lo) < k <= count(row <= hi)
    while hi - step > lo:
        if np.count_nonzero(row <= hi - step) >= k:
            hi, step = hi - step, step * 2
        else:
            lo = hi - step
            break
    return _bisect(row, k, lo, hi)


def _bisect(row: np.ndarray, k: int, lo: int, hi: int) -> int:
    """Smallest t in (lo, hi] with count(row <= t) >= k, given that hi qualifies."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if np.count_nonzero(row <= mid) >= k:
            hi = mid
        else:
            lo = mid
    return hi
