"""Auto-encoder codes laid out on a low-dimensional manifold (UMAP), as an estimator that
embeds new points too.

N2D (McConville et al. 2020): train an auto-encoder, then learn the manifold of its codes
with UMAP (McInnes et al. 2018), which keeps each code's neighbourhood; with a few
dimensions this is a picture, with as many as there are clusters it is where clusters
separate (:class:`aekit.represent.cluster.DeepClustering`). UMAP's fitted object can only
be saved by pickling it, so a small MLP is taught to give UMAP's coordinates from the
codes (:mod:`aekit.represent.modules`); the saved model is the auto-encoder and that
MLP, and ``transform`` of new points is encode -> MLP.

>>> from sklearn.datasets import load_digits
>>> from aekit.represent.manifold import CodeManifold
>>> X = load_digits().data
>>> m = CodeManifold(epochs=2, head_epochs=2, random_state=0, verbose=False).fit(X)  # doctest: +SKIP
>>> m.transform(X[:5]).shape                                                       # doctest: +SKIP
(5, 2)
"""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils.validation import check_is_fitted

from aekit import params as P
from aekit.base import NeuralEstimator, neural_transformer_tags, seeded_init, training_rules
from aekit.data.validation import check_features
from aekit.errors import InputError
from aekit.models.autoencoder import AutoEncoder
from aekit.registry import ARCHITECTURES, ESTIMATORS
from aekit.represent.modules import ManifoldHead, RegressionObjective
from aekit.train import TensorSource, resolve_device

logger = logging.getLogger(__name__)

# The MLP that learns UMAP's map: a small regression, trained to early stopping.
HEAD_BATCH = 256
HEAD_PATIENCE = 10

MANIFOLD_RULES: dict[str, P.Rule] = {
    "code_size": P.integer(1),
    "architecture": P.Rule(f"'auto' or one of {ARCHITECTURES.names()}",
                           lambda v: v == "auto" or v in ARCHITECTURES),
    "hidden": P.sizes(),
    "n_neighbors": P.integer(2),
    "min_dist": P.real(0.0),
    "head_epochs": P.integer(1),
    "epochs": P.either(P.NONE, P.integer(1)),
    **training_rules("device", "mixed_precision", "verbose", "random_state"),
}


def fit_umap(codes: np.ndarray, n_components: int, n_neighbors: int, min_dist: float,
             seed: int) -> np.ndarray:
    """UMAP's coordinates of ``codes`` (float32). Seeded, so UMAP runs on one thread and
    gives the same layout each time."""
    import umap  # numba compiles on the first call; imported late so `import aekit` stays fast

    n = len(codes)
    # Spectral initialisation needs more points than dimensions; tiny sets start at random.
    init = "spectral" if n > n_components + 2 else "random"
    reducer = umap.UMAP(n_components=n_components, n_neighbors=min(n_neighbors, n - 1),
                        min_dist=min_dist, init=init, random_state=seed)
    with warnings.catch_warnings():
        # "n_jobs value 1 overridden to 1 by setting random_state": that is the point;
        # small or disconnected graphs: UMAP says it falls back, and it does
        warnings.filterwarnings("ignore", category=UserWarning, module="umap")
        warnings.filterwarnings("ignore", category=RuntimeWarning, module="umap")
        return np.asarray(reducer.fit_transform(codes), dtype=np.float32)


def check_new_samples(X, estimator):
    """New samples as an array (a DataFrame as it is: the auto-encoder aligns its columns
    by name), refused in the estimator's name when they have another number of values."""
    if hasattr(X, "columns"):
        return X
    X = check_features(X)
    n_features = math.prod(X.shape[1:])
    if n_features != estimator.n_features_in_:
        raise InputError(f"X has {n_features} features, but {type(estimator).__name__} is "
                         f"expecting {estimator.n_features_in_} features as input (fitted on "
                         f"samples of shape {estimator.input_shape_})")
    return X


class _Standard:
    """Per-column mean and spread, kept as arrays (saved as tensors)."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray):
        self.mean, self.scale = mean.astype(np.float32), scale.astype(np.float32)

    @classmethod
    def fit(cls, X: np.ndarray) -> "_Standard":
        scale = X.std(axis=0)
        return cls(X.mean(axis=0), np.where(scale > 1e-12, scale, 1.0))

    def apply(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean) / self.scale).astype(np.float32)

    def undo(self, Z: np.ndarray) -> np.ndarray:
        return (Z * self.scale + self.mean).astype(np.float32)


@ESTIMATORS.register("code_manifold")
class CodeManifold(TransformerMixin, NeuralEstimator):
    """An auto-encoder's codes mapped onto ``n_components`` UMAP dimensions.

    Parameters
    ----------
    n_components : int
        Dimensions of the manifold (2 for a picture).
    code_size : int
        Length of the auto-encoder's code (N2D uses the number of clusters, 10 on MNIST).
    architecture, hidden
        The auto-encoder's (:class:`aekit.AutoEncoder`; its other settings are its
        defaults). "mlp" by default, images included: N2D and DEC use mlp auto-encoders
        on pixels, and on 2 CPU cores aekit's default mlp (1000-500-250) trains about 4
        times faster than its conv net (MNIST t10k: 847 s for the whole fit with conv).
    epochs : int or None
        The auto-encoder's most epochs (early stopping as in AutoEncoder); None: the
        AutoEncoder's ``epochs="auto"`` (at least 50 epochs and 5,000 optimizer steps).
    n_neighbors, min_dist
        UMAP's neighbourhood size and how tightly it may pack points (0 for clustering).
    head_epochs : int
        Most epochs of the MLP that learns the map (early stopping on a tenth held out).
    device, mixed_precision, verbose, random_state
        As for :class:`aekit.AutoEncoder`.

    Attributes
    ----------
    autoencoder_ : AutoEncoder
    module_ : ManifoldHead, the learned map from codes to coordinates
    embedding_ : ndarray of shape (n_samples, n_components), the training points
        through the learned map (``transform`` of them gives the same)
    head_r2_ : float, share of the variance of UMAP's coordinates the map reproduces
        on the training points (1 is exact)
    n_features_in_ : int, input_shape_ : tuple
    """

    _rules = {"n_components": P.integer(1), **MANIFOLD_RULES}

    def __init__(self, n_components=2, code_size=10, architecture="mlp", hidden=None,
                 epochs=None, n_neighbors=15, min_dist=0.1, head_epochs=200, device="auto",
                 mixed_precision="auto", verbose="auto", random_state=None):
        self.n_components = n_components
        self.code_size = code_size
        self.architecture = architecture
        self.hidden = hidden
        self.epochs = epochs
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.head_epochs = head_epochs
        self.device = device
        self.mixed_precision = mixed_precision
        self.verbose = verbose
        self.random_state = random_state

    def fit(self, X, y=None):
        """Train the auto-encoder on ``X``, lay its codes out with UMAP and learn that map
        (``y`` is ignored). Returns self."""
        self._fit_codes(X)
        return self

    def fit_transform(self, X, y=None, **fit_params) -> np.ndarray:
        self._fit_codes(X)
        return self.embedding_.copy()

    def _fit_codes(self, X, *, min_samples: int = 2) -> np.ndarray:
        """Fit everything; return the training codes (callers in this room use them)."""
        P.check_params(self, self._rules)
        X = check_features(X, min_samples=min_samples) if not hasattr(X, "columns") else X
        seed = self._seed()
        self.device_ = resolve_device(self.device)
        self.autoencoder_ = self._autoencoder(seed, len(X)).fit(X)
        self.input_shape_ = self.autoencoder_.input_shape_
        self.n_features_in_ = self.autoencoder_.n_features_in_
        if hasattr(self.autoencoder_, "feature_names_in_"):
            self.feature_names_in_ = self.autoencoder_.feature_names_in_
        codes = self.autoencoder_.transform(X)
        target = fit_umap(codes, self.n_components, self.n_neighbors, self.min_dist, seed)
        self._learn_map(codes, target, seed)
        self.umap_embedding_ = target
        self.embedding_ = self._map(codes)
        residual = ((self.embedding_ - target) ** 2).sum()
        spread = ((target - target.mean(axis=0)) ** 2).sum()
        self.head_r2_ = float(1.0 - residual / spread) if spread > 0 else 1.0
        logger.info("the learned map reproduces %.1f%% of the variance of UMAP's coordinates",
                    100 * self.head_r2_)
        return codes

    def _autoencoder(self, seed: int, n_samples: int) -> AutoEncoder:
        # None: the AutoEncoder's own budget, which gives small sets more steps
        epochs = "auto" if self.epochs is None else self.epochs
        # init="random": the manifold needs nonlinear codes; a PCA start (the AutoEncoder's
        # default, best for reconstruction on small data) kept digits' codes close to PCA's
        # and clustered them worse (0.837 vs 0.893, seed 0).
        return AutoEncoder(architecture=self.architecture, hidden=self.hidden, init="random",
                           code_size=self.code_size, epochs=epochs, device=self.device,
                           mixed_precision=self.mixed_precision, verbose=self.verbose,
                           random_state=seed)

    def _learn_map(self, codes: np.ndarray, target: np.ndarray, seed: int) -> None:
        self.code_scale_, self.target_scale_ = _Standard.fit(codes), _Standard.fit(target)
        with seeded_init(seed):
            self.module_ = ManifoldHead(codes.shape[1], target.shape[1]).to(self.device_)
        pairs = np.concatenate([self.code_scale_.apply(codes),
                                self.target_scale_.apply(target)], axis=1)
        # A tenth is held out for early stopping only when there are enough points.
        holdout = 0.1 if len(pairs) >= 50 else 0.0
        self._train(self.module_, RegressionObjective(codes.shape[1]),
                    TensorSource(torch.from_numpy(pairs)), seed, epochs=self.head_epochs,
                    batch_size=HEAD_BATCH, learning_rate=1e-3, lr_schedule="cosine",
                    weight_decay=0.0, validation_fraction=holdout,
                    patience=HEAD_PATIENCE if holdout else None)
        self.module_.eval()

    def _map(self, codes: np.ndarray) -> np.ndarray:
        scaled = self._run_batches(self.module_, self.code_scale_.apply(codes))
        return self.target_scale_.undo(scaled.reshape(len(codes), -1))

    # Using a fitted model -----------------------------------------------------------------
    def codes(self, X) -> np.ndarray:
        """The auto-encoder's codes of ``X``, checked against what ``fit`` saw."""
        check_is_fitted(self)
        return self.autoencoder_.transform(check_new_samples(X, self))

    def transform(self, X) -> np.ndarray:
        """Coordinates of ``X`` on the manifold, shape (n_samples, n_components)."""
        return self._map(self.codes(X))

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "module_")

    def __sklearn_tags__(self):
        return neural_transformer_tags(self, super().__sklearn_tags__())

    # Saving (used by aekit.io) ------------------------------------------------------------
    def _fitted_state(self):
        # The auto-encoder is saved through the same protocol, its entries prefixed.
        ae_meta, ae_tensors = self.autoencoder_._fitted_state()
        meta = {"autoencoder": ae_meta, "n_inputs": int(self.code_scale_.mean.shape[0]),
                "head_r2": self.head_r2_, **self._training_meta()}
        tensors = {f"autoencoder.{k}": v for k, v in ae_tensors.items()}
        tensors.update(self._module_tensors(self.module_, "head."))
        for name, scale in (("code", self.code_scale_), ("target", self.target_scale_)):
            tensors[f"{name}.mean"] = torch.from_numpy(scale.mean.copy())
            tensors[f"{name}.scale"] = torch.from_numpy(scale.scale.copy())
        tensors["embedding"] = torch.from_numpy(np.ascontiguousarray(self.embedding_))
        return meta, tensors

    def _restore_fitted_state(self, meta, tensors) -> None:
        self.device_ = resolve_device(self.device)
        prefix = "autoencoder."
        self.autoencoder_ = self._autoencoder(0, 1)  # epochs do not matter once trained
        self.autoencoder_._restore_fitted_state(
            meta["autoencoder"], {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
        self.input_shape_ = self.autoencoder_.input_shape_
        self.n_features_in_ = self.autoencoder_.n_features_in_
        if hasattr(self.autoencoder_, "feature_names_in_"):
            self.feature_names_in_ = self.autoencoder_.feature_names_in_
        self.code_scale_ = _Standard(tensors["code.mean"].numpy(), tensors["code.scale"].numpy())
        self.target_scale_ = _Standard(tensors["target.mean"].numpy(), tensors["target.scale"].numpy())
        self.module_ = self._load_module(ManifoldHead(meta["n_inputs"], self.n_components),
                                         tensors, "head.")
        self.embedding_ = tensors["embedding"].numpy().copy()
        self.head_r2_ = meta["head_r2"]
        self._restore_training_meta(meta)
