"""The scikit-learn style auto-encoder: fit on unlabeled data, then encode and decode."""

from __future__ import annotations

import copy
import logging
import math

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from torch import nn

from aekit import params as P
from aekit.base import TRAINING_RULES, ArchitectureMixin, NeuralEstimator, seeded_init
from aekit.data.validation import check_features
from aekit.models.discrete import (BOTTLENECK_RULES, build_bottleneck, check_bottleneck, encoder_width,
                            measure_usage, start_codebook)
from aekit.errors import ConfigError, InputError
from aekit.nn import AutoEncoderModule, ReconstructionObjective
from aekit.preprocessing import SCALINGS, Scaler, choose_scaling
from aekit.models.pretrain import PRETRAINERS, PretrainSettings, pretrain_and_unroll
from aekit.registry import ARCHITECTURES, CORRUPTIONS, ESTIMATORS, RECONSTRUCTION_LOSSES
from aekit.train import Trainer, resolve_device
from aekit.train.checkpoint import has_checkpoint

logger = logging.getLogger(__name__)


@ESTIMATORS.register("autoencoder")
class AutoEncoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ArchitectureMixin,
                  NeuralEstimator):
    """A deterministic auto-encoder: plain, de-noising, contractive or sparse, with a
    continuous, binary, one-hot or vector-quantized code.

    Parameters
    ----------
    architecture : {"auto", "mlp", "conv"}
        "mlp" flattens each sample; "conv" needs images (N, C, H, W) or (N, H, W);
        "auto" (default) picks "conv" for images and "mlp" for tables.
    hidden : sequence of int or None
        Hidden layer widths (mlp, default 1000-500-250 as in Hinton & Salakhutdinov 2006)
        or conv stage channels (conv, default 32-64).
    code_size : int
        Length of the code.
    activation : str
        Hidden activation: "relu", "gelu", "silu", "tanh", "sigmoid", "elu", "leaky_relu".
    objective : {"mse", "bce"}
        Reconstruction loss; "bce" needs data that scales into [0, 1].
    noise : {None, "gaussian", "masking", "salt_pepper"}
        Corrupt the input during training (de-noising auto-encoder).
    noise_level : float
        Standard deviation (gaussian) or fraction of values hit (masking, salt_pepper).
    contractive : float
        Weight of the squared Frobenius norm of the encoder's Jacobian.
    sparsity : float
        Weight of the L1 penalty on the code.
    bottleneck : {"continuous", "binary", "onehot", "vq"}
        What the code is (see :mod:`aekit.nn.bottleneck`). "binary": ``code_size`` bits
        (straight-through stochastic bits; codes are 0/1, e.g. hashes). "onehot": one of
        ``code_size`` clusters (Gumbel-softmax, temperature annealed); ``predict`` gives
        the cluster. "vq": the code is cut into vectors of ``codebook_dim`` values, each
        replaced by the nearest of ``codebook_size`` codebook vectors (VQ-VAE: EMA
        updates, k-means start, dead codes restarted); ``predict`` gives their ids.
    codebook_size : int
        Number of codebook vectors (vq only).
    codebook_dim : int or None
        Length of each quantized vector (vq only); None: the whole code is one vector.
    commitment : float
        Weight of the commitment loss that keeps encoder outputs near their codes (vq).
    temperature : (float, float)
        Gumbel-softmax temperature at the first and the last epoch (onehot only).
    scaling : {"auto", "standard", "minmax", "none"}
        Preprocessing, saved with the model and undone by ``inverse_transform``.
    pretrain : {None, "rbm", "dae"}
        Greedy layer-wise pre-training of the mlp before end-to-end training (see
        :mod:`aekit.models.pretrain`). "rbm": a stack of RBMs trained by contrastive divergence
        (Hinton & Salakhutdinov 2006); it needs ``activation="sigmoid"`` (RBM units are
        logistic), and on data in [0, 1] the net's output becomes a sigmoid, the unrolled
        first RBM's Bernoulli visible units. "dae": stacked de-noising auto-encoders
        (Vincent et al. 2010), each layer's input corrupted by ``noise`` ("masking" when
        None) at ``noise_level``; any activation. Not for "conv" or custom modules.
    pretrain_epochs : int
        Pre-training epochs per layer (ignored when ``pretrain`` is None).
    epochs, batch_size, learning_rate, weight_decay, lr_schedule, validation_fraction, patience,
    device, mixed_precision, checkpoint_dir, checkpoint_every, verbose, random_state
        Settings of the shared training loop (:class:`aekit.train.TrainConfig`).
    encoder, decoder : torch.nn.Module or None
        Your own modules instead of ``architecture``: the encoder maps a batch of inputs
        to (N, code_size), the decoder maps codes back to the input's shape.

    Attributes
    ----------
    module_ : AutoEncoderModule
    scaler_ : Scaler
    input_shape_ : tuple, n_features_in_ : int, history_ : list of dict
    pretrain_history_ : list of dict
        One row per pre-trained layer (sizes, units, reconstruction error, seconds).
    codebook_usage_, codebook_perplexity_ : float
        One-hot and VQ codes: share of the codes (clusters) the training data uses, and
        the perplexity of their use (up to the number of codes). Per-epoch values are in
        ``history_`` as ``train_usage`` and ``train_perplexity``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> import aekit
    >>> X = load_digits().data
    >>> ae = aekit.AutoEncoder(hidden=(64,), code_size=8, epochs=3, random_state=0).fit(X)
    >>> ae.transform(X[:5]).shape
    (5, 8)
    """

    _rules: dict[str, P.Rule] = {
        "architecture": P.Rule(f"'auto' or one of {ARCHITECTURES.names()}",
                               lambda v: v == "auto" or v in ARCHITECTURES),
        "hidden": P.sizes(),
        "code_size": P.integer(1),
        "activation": P.Rule("a known activation name", lambda v: isinstance(v, str)),
        "objective": P.Rule(f"one of {RECONSTRUCTION_LOSSES.names()}",
                            lambda v: v in RECONSTRUCTION_LOSSES),
        "noise": P.Rule(f"None or one of {CORRUPTIONS.names()}", lambda v: v is None or v in CORRUPTIONS),
        "noise_level": P.real(0.0),
        "contractive": P.real(0.0),
        "sparsity": P.real(0.0),
        **BOTTLENECK_RULES,
        "scaling": P.options(*SCALINGS),
        "pretrain": P.Rule(f"None or one of {PRETRAINERS.names()}",
                           lambda v: v is None or v in PRETRAINERS),
        "pretrain_epochs": P.integer(1),
        **TRAINING_RULES,
        "encoder": P.instance_of(nn.Module),
        "decoder": P.instance_of(nn.Module),
    }

    def __init__(self, architecture="auto", hidden=None, code_size=30, activation="relu",
                 objective="mse", noise=None, noise_level=0.2, contractive=0.0, sparsity=0.0,
                 bottleneck="continuous", codebook_size=512, codebook_dim=None, commitment=0.25,
                 temperature=(1.0, 0.1), scaling="auto", pretrain=None, pretrain_epochs=10, epochs=50, batch_size=64,
                 learning_rate=1e-3, weight_decay=0.0, lr_schedule="cosine",
                 validation_fraction=0.1, patience=10, device="auto", mixed_precision="auto", checkpoint_dir=None, checkpoint_every=5,
                 verbose="auto", random_state=None, encoder=None, decoder=None):
        self.architecture = architecture
        self.hidden = hidden
        self.code_size = code_size
        self.activation = activation
        self.objective = objective
        self.noise = noise
        self.noise_level = noise_level
        self.contractive = contractive
        self.sparsity = sparsity
        self.bottleneck = bottleneck
        self.codebook_size = codebook_size
        self.codebook_dim = codebook_dim
        self.commitment = commitment
        self.temperature = temperature
        self.scaling = scaling
        self.pretrain = pretrain
        self.pretrain_epochs = pretrain_epochs
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.mixed_precision = mixed_precision
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.verbose = verbose
        self.random_state = random_state
        self.encoder = encoder
        self.decoder = decoder

    # Fitting ------------------------------------------------------------------------------
    def fit(self, X, y=None, *, resume: bool = False):
        """Train on ``X`` (labels ``y`` are ignored). ``resume=True`` continues from the
        last checkpoint in ``checkpoint_dir``. Returns self."""
        self._check_params()
        original_dtype = getattr(X, "dtype", np.dtype(np.float32))
        X = check_features(X)
        self.input_shape_ = tuple(X.shape[1:])
        self.n_features_in_ = math.prod(self.input_shape_)
        self.architecture_ = self._resolve_architecture()
        self.model_shape_ = self._model_shape()
        self._check_pretrain()
        kind = choose_scaling(X, original_dtype) if self.scaling == "auto" else self.scaling
        self.scaler_ = Scaler.fit(X.reshape(len(X), -1), kind)
        Xs = self._scale(X)
        # Data in [0, 1]: reconstructions are clipped to it. The net itself ends linear for
        # MSE: a sigmoid output saturates on mostly-black images and training stalls.
        self.clip_ = bool(Xs.min() >= 0 and Xs.max() <= 1)
        self.output_ = "sigmoid" if self.objective == "bce" else "identity"
        if self.pretrain is not None and PRETRAINERS.get(self.pretrain).logistic_output and self.clip_:
            self.output_ = "sigmoid"  # e.g. the unrolled first RBM's Bernoulli visible units
        if self.objective == "bce" and not self.clip_:
            raise ConfigError("objective='bce' needs data in [0, 1] after scaling; "
                              "use scaling='minmax' or objective='mse'")
        seed = self._seed()
        self.device_ = resolve_device(self.device)
        self.module_ = self._build_module(seed)
        self.code_size_ = self._measure_code_size()
        copy_risk = self.bottleneck == "continuous" and not (self.noise or self.contractive
                                                             or self.sparsity)
        if self.code_size_ >= self.n_features_in_ and copy_risk:
            logger.warning("code size %d is not smaller than the %d input features: without noise, "
                           "a contractive or a sparsity penalty the auto-encoder can learn to copy "
                           "its input", self.code_size_, self.n_features_in_)
        self.pretrain_history_ = self._pretrain(Xs, seed, resume)
        start_codebook(self.module_, Xs, seed, self.device_)
        result = Trainer(self._train_config(seed)).fit(
            self.module_, self._objective(), torch.from_numpy(Xs), resume=resume)
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.n_epochs_ = len(result.history)
        self._measure_usage(Xs)
        return self

    def _measure_usage(self, Xs: np.ndarray) -> None:
        if self.module_.bottleneck.discrete_ids:
            ids = self._run_batches(self.module_.code_ids, Xs).astype(np.int64)
            self.codebook_usage_, self.codebook_perplexity_ = measure_usage(self, ids)

    def _check_params(self) -> None:
        P.check_params(self, self._rules)
        self._check_module_pair()
        check_bottleneck(self)

    def _check_pretrain(self) -> None:
        if self.pretrain is None:
            return
        if self.encoder is not None or self.architecture_ != "mlp":
            what = "custom encoder/decoder modules" if self.encoder is not None else \
                f"architecture='{self.architecture_}'"
            raise ConfigError(f"pretrain={self.pretrain!r} needs architecture='mlp'; it cannot "
                              f"pre-train {what}. Use pretrain=None or architecture='mlp'")
        kind = PRETRAINERS.get(self.pretrain)
        if kind.activation is not None and self.activation != kind.activation:
            raise ConfigError(f"pretrain={self.pretrain!r} needs activation={kind.activation!r} "
                              f"({kind.reason}), got activation={self.activation!r}; set "
                              f"activation={kind.activation!r} or use another pretrain")

    def _pretrain(self, Xs: np.ndarray, seed: int, resume: bool) -> list[dict]:
        if self.pretrain is None:
            return []
        if resume and self.checkpoint_dir is not None and has_checkpoint(self.checkpoint_dir):
            logger.info("resuming from a checkpoint: pre-training is skipped")
            return []
        settings = PretrainSettings(
            epochs=self.pretrain_epochs, batch_size=self.batch_size, device=self.device_,
            seed=seed, verbose=self.verbose, activation=self.activation, output=self.output_,
            objective=self.objective, learning_rate=self.learning_rate,
            lr_schedule=self.lr_schedule, mixed_precision=self.mixed_precision,
            noise=self.noise or "masking", noise_level=self.noise_level, unit_range=self.clip_)
        hidden = tuple(self.hidden) if self.hidden is not None else self._arch().default_hidden
        sizes = [self.n_features_in_, *hidden, self.code_size]
        return pretrain_and_unroll(self.pretrain, self.module_, sizes, torch.from_numpy(Xs),
                                   settings)

    def _build_module(self, seed: int) -> AutoEncoderModule:
        if self.encoder is not None:
            # Copies: fit must not change the modules the user passed as parameters.
            encoder, decoder = copy.deepcopy(self.encoder), copy.deepcopy(self.decoder)
        else:
            hidden = tuple(self.hidden) if self.hidden is not None else self._arch().default_hidden
            with seeded_init(seed):
                encoder, decoder = self._arch().build(self.model_shape_, hidden, self.code_size,
                                                      self.activation)
        # aekit's architectures give code_size values; a custom encoder whatever it makes
        width = self.code_size if self.encoder is None else encoder_width(encoder, self.model_shape_)
        bottleneck = build_bottleneck(self, seed, width)
        return AutoEncoderModule(encoder, decoder, self.output_, bottleneck).to(self.device_)

    def _objective(self) -> ReconstructionObjective:
        return ReconstructionObjective(self.objective, self.noise, self.noise_level,
                                       self.contractive, self.sparsity)

    # Using a fitted model -----------------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Codes of ``X``, shape (n_samples, code_size)."""
        X = self._prepare(X)
        return self._run_batches(self.module_.encode, X)

    def _has_code_ids(self) -> bool:
        return self.bottleneck in ("onehot", "vq")

    @available_if(_has_code_ids)
    def predict(self, X) -> np.ndarray:
        """Ids of the codes of ``X``: the cluster (onehot), or the codebook entry (vq) —
        shape (n_samples,), or (n_samples, code_size // codebook_dim) when the code is
        cut into several vectors."""
        X = self._prepare(X)
        return self._run_batches(self.module_.code_ids, X).astype(np.int64)

    @property
    def codebook_(self) -> np.ndarray:
        """The VQ codebook, (codebook_size, codebook_dim)."""
        check_is_fitted(self)
        if self.bottleneck != "vq":
            raise AttributeError("codebook_ exists only for bottleneck='vq'")
        return self.module_.bottleneck.codebook.detach().cpu().numpy().copy()

    def inverse_transform(self, X) -> np.ndarray:
        """Reconstructions from codes, in the original units and shape of the inputs."""
        check_is_fitted(self)
        codes = check_features(X, name="codes", allow_nd=False)
        if codes.shape[1] != self.code_size_:
            raise InputError(f"codes have {codes.shape[1]} columns, but this auto-encoder's "
                             f"code size is {self.code_size_}")
        return self._unscale(self._run_batches(lambda b: self._clip(self.module_.decode(b)), codes))

    def reconstruct(self, X) -> np.ndarray:
        """``inverse_transform(transform(X))`` in one pass."""
        X = self._prepare(X)
        return self._unscale(self._run_batches(self._rebuild, X))

    def reconstruction_error(self, X) -> np.ndarray:
        """Mean squared error of each sample's reconstruction, in the scaled space."""
        Xs = self._prepare(X)
        recon = self._run_batches(self._rebuild, Xs)
        return ((recon - Xs) ** 2).reshape(len(Xs), -1).mean(axis=1)

    def score_samples(self, X) -> np.ndarray:
        """Higher is more normal (scikit-learn's convention): ``-reconstruction_error(X)``."""
        return -self.reconstruction_error(X)

    # Helpers ------------------------------------------------------------------------------
    def _rebuild(self, batch: torch.Tensor) -> torch.Tensor:
        return self._clip(self.module_(batch).x_hat)

    def _clip(self, x_hat: torch.Tensor) -> torch.Tensor:
        return x_hat.clamp(0, 1) if self.clip_ else x_hat

    def _prepare(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = check_features(X)
        if X.shape[1:] != self.input_shape_:
            if math.prod(X.shape[1:]) != self.n_features_in_ or self._arch_needs_exact_shape():
                raise InputError(
                    f"X has {math.prod(X.shape[1:])} features, but AutoEncoder is expecting "
                    f"{self.n_features_in_} features as input (samples of shape {X.shape[1:]}; "
                    f"fitted on shape {self.input_shape_})")
        return self._scale(X)

    def _arch_needs_exact_shape(self) -> bool:
        return self.encoder is not None or self._arch().image_input

    def _measure_code_size(self) -> int:
        probe = torch.zeros(1, *self.model_shape_, device=self.device_)
        with torch.no_grad():
            return int(self.module_.eval().encode(probe).shape[1])

    @property
    def _n_features_out(self) -> int:
        return self.code_size_

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "module_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]  # codes are float32 always
        return tags

    # Saving (used by aekit.io) ------------------------------------------------------------
    def _fitted_state(self):
        meta = {
            "architecture": self.architecture_,
            "input_shape": list(self.input_shape_),
            "model_shape": list(self.model_shape_),
            "output": self.output_,
            "clip": self.clip_,
            "scaling": self.scaler_.kind,
            "code_size": self.code_size_,
            "custom_modules": self.encoder is not None,
            "best_epoch": self.best_epoch_,
            "history": self.history_,
            "pretrain_history": self.pretrain_history_,
            "codebook_usage": getattr(self, "codebook_usage_", None),
            "codebook_perplexity": getattr(self, "codebook_perplexity_", None),
        }
        tensors = {f"module.{k}": v for k, v in self.module_.state_dict().items()}
        tensors["scaler.offset"] = torch.from_numpy(np.atleast_1d(self.scaler_.offset))
        tensors["scaler.scale"] = torch.from_numpy(np.atleast_1d(self.scaler_.scale))
        return meta, tensors

    def _restore_fitted_state(self, meta, tensors) -> None:
        if meta["custom_modules"] and self.encoder is None:
            raise ConfigError("this model was trained with custom modules: load it with "
                              "aekit.load(path, encoder=..., decoder=...)")
        self.input_shape_ = tuple(meta["input_shape"])
        self.architecture_ = meta["architecture"]
        self.model_shape_ = tuple(meta["model_shape"])
        self.n_features_in_ = math.prod(self.input_shape_)
        self.output_, self.clip_ = meta["output"], meta["clip"]
        self.scaler_ = Scaler(meta["scaling"], tensors["scaler.offset"].numpy(),
                              tensors["scaler.scale"].numpy())
        self.history_, self.best_epoch_ = meta["history"], meta["best_epoch"]
        self.pretrain_history_ = meta.get("pretrain_history", [])  # absent before issue 3
        self.n_epochs_ = len(self.history_)
        if meta.get("codebook_usage") is not None:
            self.codebook_usage_ = meta["codebook_usage"]
            self.codebook_perplexity_ = meta["codebook_perplexity"]
        self.device_ = resolve_device(self.device)
        self.module_ = self._build_module(seed=0)
        weights = {k[len("module."):]: v for k, v in tensors.items() if k.startswith("module.")}
        self.module_.load_state_dict(weights)
        self.module_.to(self.device_).eval()
        self.code_size_ = meta["code_size"]
