"""The Hamming index: the sharded scan for single queries gives brute force's top-k."""

from __future__ import annotations

import numpy as np
import pytest

from aekit.search import hamming_distances, hamming_search, pack_bits
from aekit.search.hamming import binary_index


def brute_top_k(db, queries, k):
    distances = hamming_distances(queries, db).astype(np.int64)
    order = np.argsort(distances, axis=1, kind="stable")[:, :k]  # stable: ties to the lower number
    return order, np.take_along_axis(distances, order, axis=1)


@pytest.mark.parametrize("bits", [8, 64, 136, 256])
def test_sharded_single_queries_equal_brute_force_ties_included(bits):
    rng = np.random.default_rng(bits)
    db = pack_bits(rng.integers(0, 2, (5001, bits)))
    db[4000:4030] = db[11]  # copies in the last shard of an item of the first: ties at 0
    queries = np.vstack([db[[11, 0, 5000]], pack_bits(rng.integers(0, 2, (3, bits)))])
    index = binary_index(db, shards=True)
    expected, expected_distances = brute_top_k(db, queries, 40)
    for q in range(len(queries)):
        indices, distances = hamming_search(db, queries[q:q + 1], 40, index=index)
        assert np.array_equal(indices[0], expected[q]) and np.array_equal(distances[0], expected_distances[q])
    batch = hamming_search(db, queries, 40, index=index)  # a batch: the flat scan over queries
    assert np.array_equal(batch[0], expected) and np.array_equal(batch[1], expected_distances)


def test_k_as_large_as_a_collection_smaller_than_the_shards():
    db = pack_bits(np.random.default_rng(0).integers(0, 2, (3, 64)))
    index = binary_index(db, shards=True)
    indices, distances = hamming_search(db, db[:1], 3, index=index)
    expected, expected_distances = brute_top_k(db, db[:1], 3)
    assert np.array_equal(indices, expected) and np.array_equal(distances, expected_distances)


def test_shards_are_chosen_for_large_collections(monkeypatch):
    import aekit.search.hamming as hamming

    monkeypatch.setattr(hamming, "SHARD_MIN", 1000)
    db = np.zeros((1000, 8), dtype=np.uint8)
    many_threads = binary_index(db).threads > 1
    assert (binary_index(db).shards is not None) == many_threads
    assert binary_index(db[:999]).shards is None
