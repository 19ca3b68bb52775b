"""Text retrieval by semantic hashing: binary codes of documents from an auto-encoder,
searched by Hamming distance (see :mod:`aekit.text.index`)."""

from aekit.text.hamming import hamming_distances, hamming_search, pack_bits, unpack_bits
from aekit.text.index import SemanticHashIndex, TextHits
from aekit.text.reading import Documents, read_text_folder

__all__ = ["Documents", "SemanticHashIndex", "TextHits", "hamming_distances", "hamming_search",
           "pack_bits", "read_text_folder", "unpack_bits"]
