"""Representation: pictures of codes against PCA and t-SNE, codes as features for tasks
with few labels (linear probes), and clusters found in code space."""

from aekit.represent.cluster import DeepClustering
from aekit.represent.embedding import EmbeddingComparison, compare_embeddings
from aekit.represent.manifold import CodeManifold
from aekit.represent.probe import ProbeResult, linear_probe

__all__ = ["CodeManifold", "DeepClustering", "EmbeddingComparison", "ProbeResult", "compare_embeddings", "linear_probe"]
