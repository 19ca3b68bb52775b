"""Text retrieval by semantic hashing: binary codes of documents from an auto-encoder,
searched by Hamming distance (see :mod:`aekit.text.index`)."""

from aekit.text.index import SemanticHashIndex, TextHits

__all__ = ["SemanticHashIndex", "TextHits"]
