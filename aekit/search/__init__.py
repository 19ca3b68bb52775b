"""Nearest-neighbour indexes over codes: float codes (faiss, exact or HNSW) for similar
images, packed binary codes (Hamming distance) for semantic hashing of text."""

from aekit.search.codes import CodeIndex, SearchResult, precision_at_k
from aekit.search.hamming import hamming_distances, hamming_search, pack_bits, unpack_bits

__all__ = ["CodeIndex", "SearchResult", "hamming_distances", "hamming_search", "pack_bits",
           "precision_at_k", "unpack_bits"]
