"""Representation: pictures of codes against PCA and t-SNE, and codes as features for
tasks with few labels (linear probes)."""

from aekit.represent.embedding import EmbeddingComparison, compare_embeddings
from aekit.represent.probe import ProbeResult, linear_probe

__all__ = ["EmbeddingComparison", "ProbeResult", "compare_embeddings", "linear_probe"]
