"""The scikit-learn style auto-encoder: fit on unlabeled data, then encode and decode."""

from __future__ import annotations

import logging

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from torch import nn

from aekit import params as P
from aekit.base import AE_TRAINING, ArchitectureMixin, NeuralEstimator, seeded_init
from aekit.data.chunks import NpyChunks, ParquetChunks
from aekit.data.validation import check_features
from aekit.errors import ConfigError, InputError
from aekit.models.discrete import (BOTTLENECK_RULES, build_bottleneck, check_bottleneck,
                                   encoder_width, measure_usage, start_codebook)
from aekit.models.pretrain import PRETRAINERS, PretrainSettings, pretrain_and_unroll
from aekit.models.pca_start import principal_subspace, start_from_pca, with_pca_path
from aekit.models.quality import warn_if_no_better_than_baselines
from aekit.models.streaming import fit_stream_input
from aekit.nn import AutoEncoderModule, ReconstructionObjective
from aekit.preprocessing import SCALINGS, choose_scaling
from aekit.registry import ARCHITECTURES, CORRUPTIONS, ESTIMATORS, RECONSTRUCTION_LOSSES
from aekit.train import resolve_device
from aekit.train.checkpoint import has_checkpoint

logger = logging.getLogger(__name__)
AUGMENT_BELOW = 5_000  # augment="auto" shifts image sets smaller than this
PCA_START_ABOVE = 0.85  # init="auto" starts from PCA when it explains this share of variance


@ESTIMATORS.register("autoencoder")
class AutoEncoder(ArchitectureMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
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
    init : {"auto", "pca", "random"}
        "pca": the code is the projection on the data's ``code_size`` principal directions
        plus the encoder's output, the reconstruction PCA's plus the decoder's, each net
        behind a gate that starts at zero (see :mod:`aekit.nn.linear_path`): training
        starts from PCA's answer and learns what PCA misses, so small data sets do not
        end worse than PCA. "random": the nets alone, from random weights. "auto"
        (default): "pca" where the code's principal directions explain at least 85 % of
        the training data's variance (there the nets have little to add and much to
        overfit) for a continuous code from aekit's architectures on data in memory
        without ``pretrain``, ``sparsity`` or ``contractive``; "random" otherwise (where
        PCA misses much, its start holds the nets back).
    augment : {"auto", "none", "shift", "shift+flip"}
        Augmentation of training images (input and target alike): "shift" moves each
        image by up to 1/14 of its side (at least one pixel), "shift+flip" also mirrors
        half of them left-right (only where a mirror image is still a sample of the data:
        faces, scenes; not digits or text). "auto" (default): "shift" for images when
        there are fewer than 5,000, "none" for tables and larger image sets.
    epochs : int or "auto"
        "auto" (default): 50 epochs, and more for small data so that training makes at
        least 5,000 optimizer steps, with several passes per epoch below 100 steps per
        pass (see :mod:`aekit.train.budget`); an int: exactly that many passes.
    max_steps, batch_size, learning_rate, weight_decay, lr_schedule, validation_fraction,
    patience, device, mixed_precision, checkpoint_dir, checkpoint_every, verbose, random_state
        Settings of the shared training loop (:class:`aekit.train.TrainConfig`);
        ``max_steps`` caps the optimizer steps whatever ``epochs`` says. Under ``torchrun``
        training is data-parallel and ``batch_size`` is the global batch.
    encoder, decoder : torch.nn.Module or None
        Your own modules instead of ``architecture``: the encoder maps a batch of inputs
        to (N, code_size), the decoder maps codes back to the input's shape.

    Attributes
    ----------
    module_ : AutoEncoderModule
    scaler_ : Scaler
    input_shape_ : tuple, n_features_in_ : int, history_ : list of dict
    feature_names_in_ : ndarray of str
        Column names when fitted on a DataFrame; new DataFrames are aligned by name.
    world_size_ : int
        Processes that trained the model (``torchrun``), 1 otherwise.
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
        "init": P.options("auto", "pca", "random"),
        "augment": P.options("auto", "none", "shift", "shift+flip"),
        **AE_TRAINING,
        "encoder": P.instance_of(nn.Module),
        "decoder": P.instance_of(nn.Module),
    }

    def __init__(self, architecture="auto", hidden=None, code_size=30, activation="relu",
                 objective="mse", noise=None, noise_level=0.2, contractive=0.0, sparsity=0.0,
                 bottleneck="continuous", codebook_size=512, codebook_dim=None, commitment=0.25,
                 temperature=(1.0, 0.1), scaling="auto", pretrain=None, pretrain_epochs=10, init="auto", augment="auto",
                 epochs="auto",
                 max_steps=None, batch_size=64,
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
        self.init = init
        self.augment = augment
        self.epochs = epochs
        self.max_steps = max_steps
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
        last checkpoint in ``checkpoint_dir``. ``X`` may also be a table too large for
        memory (:class:`aekit.data.chunks.NpyChunks` or ``ParquetChunks``), streamed in
        bounded memory. Returns self."""
        self._check_params()
        streamed = isinstance(X, (NpyChunks, ParquetChunks))
        if streamed:
            data, Xs = fit_stream_input(self, X, self._scaling_kind)
        else:
            Xs = self._fit_input(X, self._scaling_kind)
            data = torch.from_numpy(Xs)
        self._check_pretrain(streamed)
        # The net ends linear for MSE: a sigmoid output saturates on mostly-black images
        # and training stalls; reconstructions of data in [0, 1] are clipped instead.
        self.output_ = "sigmoid" if self.objective == "bce" else "identity"
        if self.pretrain is not None and PRETRAINERS.get(self.pretrain).logistic_output and self.clip_:
            self.output_ = "sigmoid"  # e.g. the unrolled first RBM's Bernoulli visible units
        if self.objective == "bce" and not self.clip_:
            raise ConfigError("objective='bce' needs data in [0, 1] after scaling; "
                              "use scaling='minmax' or objective='mse'")
        seed = self._seed()
        self.device_ = resolve_device(self.device)
        principal = self._principal(streamed, Xs, seed)
        self.init_ = self._resolve_init(streamed, principal)
        self.module_ = self._build_module(seed)
        self.code_size_ = self._encoder_width(self.module_.encode)
        self._warn_if_copying()
        resuming = resume and self.checkpoint_dir is not None and has_checkpoint(self.checkpoint_dir)
        self.pretrain_history_ = [] if resuming else self._pretrain(Xs, seed)
        if not resuming:  # a resumed run takes its codebook (PCA) from the checkpoint
            start_codebook(self.module_, Xs, seed, self.device_)
            if self.init_ == "pca":
                start_from_pca(self.module_.encoder.subspace, principal)
        source, epochs = self._budgeted(data)
        self._train(self.module_, self._objective(len(source)), source, seed, resume=resume, epochs=epochs,
                    validate_start=self.init_ == "pca")
        self._measure_usage(Xs)
        if self.bottleneck == "continuous":
            warn_if_no_better_than_baselines(self, Xs)
        return self

    def _principal(self, streamed: bool, Xs: np.ndarray, seed: int):
        """The data's principal subspace, where a PCA start is possible and asked for."""
        if self.init == "random" or self._why_no_pca_start(streamed):
            return None
        return principal_subspace(Xs, self.code_size, seed)

    def _why_no_pca_start(self, streamed: bool) -> str | None:
        # A fixed linear path would defeat a penalty on the code (sparsity) or on its
        # Jacobian (contractive), and discrete codes have no principal directions.
        return ("custom encoder/decoder modules" if self.encoder is not None else
                f"bottleneck={self.bottleneck!r}" if self.bottleneck != "continuous" else
                f"pretrain={self.pretrain!r}" if self.pretrain is not None else
                "a sparsity penalty" if self.sparsity else
                "a contractive penalty" if self.contractive else
                "a streamed table" if streamed else None)

    def _resolve_init(self, streamed: bool, principal) -> str:
        why_not = self._why_no_pca_start(streamed)
        if self.init == "pca" and why_not:
            raise ConfigError(f"init='pca' needs a continuous code from aekit's architectures on "
                              f"data in memory and no penalty on the code; it cannot start "
                              f"{why_not} from PCA. Use init='random'")
        if self.init == "random" or why_not:
            return "random"
        # Where the code's principal directions already explain most of the variance the
        # nets have little to add and much to overfit: start from PCA (8x8 digits, 96 %:
        # 0.63-0.87x PCA's error, 2.8-3.2x from random weights). Where PCA leaves much
        # unexplained the start holds the nets back (MNIST, 73-75 %: 0.30-0.45x from PCA,
        # 0.23-0.32x from random weights, 500 to 8,000 digits; BENCHMARKS.md).
        if self.init == "pca" or principal.explained >= PCA_START_ABOVE:
            return "pca"
        return "random"

    def _scaling_kind(self, X, original_dtype) -> str:
        return choose_scaling(X, original_dtype) if self.scaling == "auto" else self.scaling

    def _warn_if_copying(self) -> None:
        copy_risk = self.bottleneck == "continuous" and not (self.noise or self.contractive
                                                             or self.sparsity)
        if self.code_size_ >= self.n_features_in_ and copy_risk:
            logger.warning("code size %d is not smaller than the %d input features: without noise, "
                           "a contractive or a sparsity penalty the auto-encoder can learn to copy "
                           "its input", self.code_size_, self.n_features_in_)

    def _measure_usage(self, Xs: np.ndarray) -> None:
        if self.module_.bottleneck.discrete_ids:
            ids = self._run_batches(self.module_.code_ids, Xs).astype(np.int64)
            self.codebook_usage_, self.codebook_perplexity_ = measure_usage(self, ids)

    def _check_params(self) -> None:
        P.check_params(self, self._rules)
        self._check_module_pair()
        check_bottleneck(self)

    def _check_pretrain(self, streamed: bool) -> None:
        if self.pretrain is None:
            return
        if streamed:
            raise ConfigError(f"pretrain={self.pretrain!r} needs the data in memory; it cannot "
                              "pre-train on a streamed table. Use pretrain=None")
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

    def _pretrain(self, Xs: np.ndarray, seed: int) -> list[dict]:
        if self.pretrain is None:
            return []
        settings = PretrainSettings(
            epochs=self.pretrain_epochs, batch_size=self.batch_size, device=self.device_,
            seed=seed, verbose=self.verbose, activation=self.activation, output=self.output_,
            objective=self.objective, learning_rate=self.learning_rate,
            lr_schedule=self.lr_schedule, mixed_precision=self.mixed_precision,
            noise=self.noise or "masking", noise_level=self.noise_level, unit_range=self.clip_)
        sizes = [self.n_features_in_, *self._hidden(), self.code_size]
        return pretrain_and_unroll(self.pretrain, self.module_, sizes, torch.from_numpy(Xs),
                                   settings)

    def _build_module(self, seed: int) -> AutoEncoderModule:
        if self.encoder is not None:
            encoder, decoder = self._custom_modules()
        else:
            with seeded_init(seed):
                encoder, decoder = self._arch().build(self.model_shape_, self._hidden(),
                                                      self.code_size, self.activation)
        # aekit's architectures give code_size values; a custom encoder whatever it makes
        width = self.code_size if self.encoder is None else encoder_width(encoder, self.model_shape_)
        if self.init_ == "pca":
            encoder, decoder = with_pca_path(encoder, decoder, self.model_shape_, width)
        bottleneck = build_bottleneck(self, seed, width)
        return AutoEncoderModule(encoder, decoder, self.output_, bottleneck).to(self.device_)

    def _objective(self, n_samples: int) -> ReconstructionObjective:
        shift, flip = self._augmentation(n_samples)
        return ReconstructionObjective(self.objective, self.noise, self.noise_level,
                                       self.contractive, self.sparsity, shift, flip)

    def _augmentation(self, n_samples: int) -> tuple[int, bool]:
        """(largest shift in pixels, mirror or not) for the training images."""
        images = len(self.model_shape_) == 3
        kind = self.augment
        if kind == "auto":
            kind = "shift" if images and n_samples < AUGMENT_BELOW else "none"
        if kind != "none" and not images:
            raise ConfigError(f"augment={self.augment!r} needs images (N, H, W) or (N, C, H, W); "
                              f"this data is a table of {self.n_features_in_} columns. "
                              "Use augment='none'")
        if kind == "none":
            return 0, False
        return max(1, round(min(self.model_shape_[1:]) / 14)), kind == "shift+flip"

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

    def score(self, X, y=None) -> float:
        """Higher is better, for model selection (``GridSearchCV``): the mean negative
        reconstruction error of ``X`` in the scaled space, ``score_samples(X).mean()``."""
        return float(np.mean(self.score_samples(X)))

    # Helpers ------------------------------------------------------------------------------
    def _rebuild(self, batch: torch.Tensor) -> torch.Tensor:
        return self._clip(self.module_(batch).x_hat)

    @property
    def _n_features_out(self) -> int:
        return self.code_size_

    # Saving (used by aekit.io) ------------------------------------------------------------
    def _fitted_state(self):
        meta, tensors = self._input_meta()
        meta.update(self._training_meta())
        meta.update({
            "output": self.output_,
            "init": self.init_,
            "code_size": self.code_size_,
            "pretrain_history": self.pretrain_history_,
            "codebook_usage": getattr(self, "codebook_usage_", None),
            "codebook_perplexity": getattr(self, "codebook_perplexity_", None),
        })
        tensors.update(self._module_tensors(self.module_))
        return meta, tensors

    def _restore_fitted_state(self, meta, tensors) -> None:
        self._restore_input_meta(meta, tensors)
        self._restore_training_meta(meta)
        self.output_ = meta["output"]
        self.init_ = meta.get("init", "random")  # absent before issue 18
        self.pretrain_history_ = meta.get("pretrain_history", [])  # absent before issue 3
        if meta.get("codebook_usage") is not None:
            self.codebook_usage_ = meta["codebook_usage"]
            self.codebook_perplexity_ = meta["codebook_perplexity"]
        self.module_ = self._load_module(self._build_module(seed=0), tensors)
        self.code_size_ = meta["code_size"]
