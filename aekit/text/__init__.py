"""Text: retrieval by semantic hashing (binary codes of documents searched by Hamming
distance, :mod:`aekit.text.index`) and unsupervised summarization (an auto-encoder
whose code is a short readable text, :mod:`aekit.text.summarizer`)."""

from aekit.text.index import SemanticHashIndex, TextHits
from aekit.text.summarizer import TextSummarizer

__all__ = ["SemanticHashIndex", "TextHits", "TextSummarizer"]
