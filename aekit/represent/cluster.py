"""Clustering in an auto-encoder's code space: N2D (McConville et al. 2020).

An auto-encoder compresses the data; UMAP lays the codes out on as many dimensions as
there are clusters, packing neighbours tightly (``min_dist=0``); a Gaussian mixture then
finds the clusters there. N2D's paper settings are the defaults: UMAP with 20
neighbours, a full-covariance mixture. On MNIST (70,000 images) the paper reports 0.979
accuracy, against 0.843 for DEC and 0.53 for k-means on pixels; aekit's measurements
are in BENCHMARKS.md.

New points go the same way: encode, the learned map onto the manifold
(:class:`aekit.represent.manifold.CodeManifold`), the mixture's most likely component.
The mixture is fitted on the training points as that map places them, so ``labels_``
is what ``predict`` gives for the training data.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from sklearn.base import ClusterMixin, TransformerMixin
from sklearn.mixture import GaussianMixture
from sklearn.utils.validation import check_is_fitted

from aekit import params as P
from aekit.base import NeuralEstimator, neural_transformer_tags
from aekit.data.validation import check_features
from aekit.errors import InputError
from aekit.registry import ESTIMATORS
from aekit.represent.manifold import MANIFOLD_RULES, CodeManifold, check_new_samples
from aekit.train import resolve_device

logger = logging.getLogger(__name__)

COVARIANCES = ("full", "tied", "diag", "spherical")
# What a fitted GaussianMixture holds, saved as arrays and set back on load.
MIXTURE_ARRAYS = ("weights_", "means_", "covariances_", "precisions_cholesky_", "precisions_")


@ESTIMATORS.register("deep_clustering")
class DeepClustering(TransformerMixin, ClusterMixin, NeuralEstimator):
    """Clusters from an auto-encoder's codes: auto-encoder -> UMAP -> Gaussian mixture.

    Parameters
    ----------
    n_clusters : int
        Number of clusters.
    n_components : int or None
        Dimensions of the UMAP manifold; None: ``n_clusters`` (N2D).
    code_size : int
        Length of the auto-encoder's code.
    architecture, hidden
        The auto-encoder's (:class:`aekit.AutoEncoder`; its other settings are its
        defaults): "mlp" by default, images too, as in N2D and DEC ("auto": conv for
        images; slower on CPUs).
    epochs : int or None
        The auto-encoder's most epochs; None: the AutoEncoder's ``epochs="auto"`` (at
        least 50 epochs and at least 5,000 optimizer steps).
    n_neighbors, min_dist
        UMAP's (N2D: 20 and 0).
    covariance_type : {"full", "tied", "diag", "spherical"}
        Of the Gaussian mixture.
    n_init : int
        Starts of the Gaussian mixture (each from its own k-means); the one with the
        highest likelihood is kept. One start can merge two tight clusters of UMAP's
        manifold and split another; a few more cost seconds beside the auto-encoder.
    head_epochs : int
        Most epochs of the MLP that learns UMAP's map (it embeds new points).
    device, mixed_precision, verbose, random_state
        As for :class:`aekit.AutoEncoder`.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,), the cluster of each training sample
    cluster_centers_ : ndarray of shape (n_clusters, code_size), the mean code of each
        cluster (each code weighted by the mixture's probability of that cluster)
    manifold_ : CodeManifold, the auto-encoder and the learned map
    mixture_ : sklearn.mixture.GaussianMixture, on the manifold
    embedding_ : ndarray of shape (n_samples, n_components), the training points there
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> import aekit
    >>> X = load_digits().data
    >>> dc = aekit.DeepClustering(n_clusters=10, random_state=0).fit(X)   # doctest: +SKIP
    >>> dc.labels_[:5], dc.predict(X[:5])                                 # doctest: +SKIP
    """

    _rules = {"n_clusters": P.integer(1),
              "n_components": P.either(P.NONE, P.integer(1)),
              "covariance_type": P.options(*COVARIANCES), "n_init": P.integer(1),
              **MANIFOLD_RULES}

    def __init__(self, n_clusters=8, n_components=None, code_size=10, architecture="mlp",
                 hidden=None, epochs=None, n_neighbors=20, min_dist=0.0, covariance_type="full",
                 n_init=10, head_epochs=200, device="auto", mixed_precision="auto", verbose="auto",
                 random_state=None):
        self.n_clusters = n_clusters
        self.n_components = n_components
        self.code_size = code_size
        self.architecture = architecture
        self.hidden = hidden
        self.epochs = epochs
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.head_epochs = head_epochs
        self.device = device
        self.mixed_precision = mixed_precision
        self.verbose = verbose
        self.random_state = random_state

    def fit(self, X, y=None):
        """Find ``n_clusters`` clusters in ``X`` (``y`` is ignored). Returns self."""
        P.check_params(self, self._rules)
        n = len(X) if hasattr(X, "__len__") else None
        if not hasattr(X, "columns"):
            X = check_features(X)
            n = len(X)
        if n is not None and n < self.n_clusters:
            raise InputError(f"X has {n} sample(s), fewer than n_clusters={self.n_clusters}; "
                             "DeepClustering needs at least one sample per cluster")
        seed = self._seed()
        self.device_ = resolve_device(self.device)
        self.manifold_ = self._manifold(seed)
        codes = self.manifold_._fit_codes(X, min_samples=max(2, self.n_clusters))
        self.n_features_in_, self.input_shape_ = self.manifold_.n_features_in_, self.manifold_.input_shape_
        if hasattr(self.manifold_, "feature_names_in_"):
            self.feature_names_in_ = self.manifold_.feature_names_in_
        self.embedding_ = self.manifold_.embedding_
        self.mixture_ = GaussianMixture(self.n_clusters, covariance_type=self.covariance_type,
                                        reg_covar=1e-4, n_init=self.n_init, random_state=seed)
        # float64: the mixture's Cholesky factors of tightly packed UMAP clusters
        self.mixture_.fit(self.embedding_.astype(np.float64))
        probabilities = self.mixture_.predict_proba(self.embedding_.astype(np.float64))
        self.labels_ = probabilities.argmax(axis=1).astype(np.int64)
        self.cluster_centers_ = self._centres(codes, probabilities)
        self.history_ = self.manifold_.history_
        used = len(np.unique(self.labels_))
        if used < self.n_clusters:
            logger.warning("only %d of the %d clusters hold any training sample", used,
                           self.n_clusters)
        return self

    def _manifold(self, seed: int) -> CodeManifold:
        return CodeManifold(n_components=self.n_components or self.n_clusters,
                            code_size=self.code_size, architecture=self.architecture,
                            hidden=self.hidden, epochs=self.epochs, n_neighbors=self.n_neighbors,
                            min_dist=self.min_dist, head_epochs=self.head_epochs,
                            device=self.device, mixed_precision=self.mixed_precision,
                            verbose=self.verbose, random_state=seed)

    @staticmethod
    def _centres(codes: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        weights = probabilities / np.maximum(probabilities.sum(axis=0, keepdims=True), 1e-12)
        return (weights.T @ codes.astype(np.float64)).astype(np.float32)  # (K, code_size)

    # Using a fitted model -----------------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Coordinates of ``X`` on the manifold where the clusters are found."""
        check_is_fitted(self)
        return self.manifold_.transform(check_new_samples(X, self))

    def predict_proba(self, X) -> np.ndarray:
        """Probability of each cluster for each sample, shape (n_samples, n_clusters)."""
        check_is_fitted(self)
        return self.mixture_.predict_proba(self.transform(X).astype(np.float64))

    def predict(self, X) -> np.ndarray:
        """The cluster of each sample of ``X``, shape (n_samples,)."""
        return self.predict_proba(X).argmax(axis=1).astype(np.int64)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "labels_")

    def __sklearn_tags__(self):
        return neural_transformer_tags(self, super().__sklearn_tags__())

    # Saving (used by aekit.io) ------------------------------------------------------------
    def _fitted_state(self):
        inner_meta, inner = self.manifold_._fitted_state()
        meta = {"manifold": inner_meta, **self.manifold_._training_meta()}
        tensors = {f"manifold.{k}": v for k, v in inner.items()}
        for name in MIXTURE_ARRAYS:
            tensors[f"mixture.{name}"] = torch.from_numpy(np.ascontiguousarray(getattr(self.mixture_, name)))
        tensors["labels"] = torch.from_numpy(self.labels_)
        tensors["cluster_centers"] = torch.from_numpy(self.cluster_centers_)
        return meta, tensors

    def _restore_fitted_state(self, meta, tensors) -> None:
        self.device_ = resolve_device(self.device)
        prefix = "manifold."
        self.manifold_ = self._manifold(0)
        self.manifold_._restore_fitted_state(
            meta["manifold"], {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
        self.n_features_in_, self.input_shape_ = self.manifold_.n_features_in_, self.manifold_.input_shape_
        if hasattr(self.manifold_, "feature_names_in_"):
            self.feature_names_in_ = self.manifold_.feature_names_in_
        self.embedding_ = self.manifold_.embedding_
        self.mixture_ = GaussianMixture(self.n_clusters, covariance_type=self.covariance_type)
        for name in MIXTURE_ARRAYS:
            setattr(self.mixture_, name, tensors[f"mixture.{name}"].numpy().copy())
        self.mixture_.converged_, self.mixture_.n_iter_ = True, 0
        self.labels_ = tensors["labels"].numpy().copy()
        self.cluster_centers_ = tensors["cluster_centers"].numpy().copy()
        self._restore_training_meta(meta)
