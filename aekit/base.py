"""What every aekit estimator shares, so a new one (a codec, a voice converter, an
imputer) starts small.

- :class:`NeuralEstimator`: the training settings and their rules, seeding, one call to
  the shared trainer that records what training did, batched inference in fixed-size
  chunks, saving, and the save/restore of the module's weights and training record.
- :class:`ArchitectureMixin`: for auto-encoders built from ``architecture`` or custom
  ``encoder``/``decoder`` modules: the input's shape and column names, the scaling to
  and from the net, the checks of new data against what ``fit`` saw, and their saving.

Subclasses implement ``_fitted_state`` / ``_restore_fitted_state`` so :mod:`aekit.io`
can save and load them without pickle.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
from typing import Any, Callable, Iterator

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from aekit import params as P
from aekit.data.validation import check_features
from aekit.errors import ConfigError, InputError
from aekit.nn import architectures as _architectures  # noqa: F401  (registers mlp and conv)
from aekit.preprocessing import Scaler
from aekit.registry import ARCHITECTURES
from aekit.train import (RepeatedSource, TrainConfig, Trainer, TrainResult, plan_budget,
                         resolve_device)
from aekit.train.budget import MIN_EPOCHS
from aekit.train.sources import as_source

logger = logging.getLogger(__name__)

# Every inference pass runs on chunks of exactly this many rows, the last one padded: a
# sample's result then comes from the same kernels whatever the batch size, the number of
# samples or their order (BLAS and conv kernels pick their blocking by batch size, and
# results differed in the last bits across batch sizes on some CPUs).
INFERENCE_CHUNK = 256
CHUNK_BYTES = 32 << 20  # fewer rows per chunk for large samples (images), by sample size only

# Settings of the shared training loop, in the order a user reads them.
TRAINING_RULES: dict[str, P.Rule] = {
    "epochs": P.integer(1),
    "max_steps": P.either(P.NONE, P.integer(1)),
    "steps": P.integer(1),
    "batch_size": P.integer(1),
    "learning_rate": P.real(0.0, open_high=True),
    "weight_decay": P.real(0.0),
    "lr_schedule": P.options("cosine", "constant"),
    "validation_fraction": P.real(0.0, 0.5),
    "patience": P.either(P.NONE, P.integer(1)),
    "device": P.DEVICE,
    "mixed_precision": P.options("auto", "bf16", "no"),
    "checkpoint_dir": P.PATH,
    "checkpoint_every": P.integer(1),
    "verbose": P.VERBOSE,
    "random_state": P.RANDOM_STATE,
}


def training_rules(*names: str) -> dict[str, P.Rule]:
    """The rules of the named training settings (an estimator declares the ones it has)."""
    return {name: TRAINING_RULES[name] for name in names}


# The training settings of the general auto-encoders (AutoEncoder, VAE); their epochs may
# be "auto", the step budget of :meth:`NeuralEstimator._budgeted`.
AE_TRAINING = {**training_rules("epochs", "max_steps", "batch_size", "learning_rate",
                                "weight_decay", "lr_schedule", "validation_fraction", "patience",
                                "device", "mixed_precision", "checkpoint_dir", "checkpoint_every",
                                "verbose", "random_state"),
               "epochs": P.either(P.options("auto"), P.integer(1))}


def fixed_chunks(X: np.ndarray, size: int = INFERENCE_CHUNK) -> Iterator[tuple[np.ndarray, int]]:
    """``(chunk, n_valid)`` pairs covering ``X``: each chunk has exactly ``size`` rows (fewer
    for samples so large that ``size`` of them pass CHUNK_BYTES; the number depends on the
    sample's shape only), the last one padded with zeros after its ``n_valid`` real rows."""
    sample_bytes = max(1, math.prod(X.shape[1:]) * X.dtype.itemsize)
    size = max(1, min(size, CHUNK_BYTES // sample_bytes))
    for start in range(0, len(X), size):
        chunk = X[start:start + size]
        n_valid = len(chunk)
        if n_valid < size:
            pad = np.zeros((size - n_valid, *X.shape[1:]), dtype=X.dtype)
            chunk = np.concatenate([chunk, pad])
        yield np.ascontiguousarray(chunk), n_valid


@contextlib.contextmanager
def seeded_init(seed: int) -> Iterator[None]:
    """Seed weight initialisation without touching the caller's global random state."""
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)  # CPU only: modules are built on the CPU
        yield


def neural_transformer_tags(estimator, tags):
    """scikit-learn's tags of an aekit transformer: seeded unless ``random_state`` is None,
    images (3-D and more) accepted, float32 outputs always."""
    tags.non_deterministic = estimator.random_state is None
    tags.input_tags.three_d_array = True
    tags.transformer_tags.preserves_dtype = ["float32"]
    return tags


class NeuralEstimator(BaseEstimator):
    """Base of aekit's estimators; subclasses define ``__init__`` with (some of) the
    training parameters above and a ``module_`` once fitted."""

    def _seed(self) -> int:
        # random_state becomes a local seed: global RNGs are left as the user set them.
        return int(check_random_state(self.random_state).randint(0, 2**31 - 1))

    def _train_config(self, seed: int, **overrides) -> TrainConfig:
        """The trainer's settings from this estimator's parameters."""
        params = self.get_params(deep=False)
        settings = {name: params[name] for name in TrainConfig.__dataclass_fields__
                    if name in params}
        if settings.get("checkpoint_dir") is not None:
            settings["checkpoint_dir"] = str(settings["checkpoint_dir"])
        settings.update(seed=seed, **overrides)
        return TrainConfig(**settings)

    def _train(self, module: torch.nn.Module, objective, data, seed: int, *,
               resume: bool = False, **overrides) -> TrainResult:
        """Train ``module`` with the shared trainer and record what happened
        (``history_``, ``best_epoch_``, ``n_epochs_``, ``world_size_``)."""
        result = Trainer(self._train_config(seed, **overrides)).fit(module, objective, data,
                                                                    resume=resume)
        self.history_, self.best_epoch_ = result.history, result.best_epoch
        self.n_epochs_, self.world_size_ = len(result.history), result.world_size
        return result

    def _budgeted(self, data, min_epochs: int = MIN_EPOCHS):
        """The training source and epochs: ``epochs="auto"`` is at least ``min_epochs``
        epochs and a floor of optimizer steps for small data (several passes per epoch);
        an int is that many single passes."""
        if self.epochs != "auto":
            return data, self.epochs
        source = as_source(data)
        budget = plan_budget(len(source), self.batch_size, self.validation_fraction,
                             min_epochs=min_epochs)
        logger.info("training budget: %s", budget.description)
        return RepeatedSource(source, budget.passes_per_epoch), budget.epochs

    def _run_batches(self, fn: Callable[[torch.Tensor], torch.Tensor], X: np.ndarray) -> np.ndarray:
        """Apply ``fn`` to ``X`` in eval mode, in fixed-size chunks (see
        :data:`INFERENCE_CHUNK`), and return a float32 array."""
        self.module_.eval()
        outputs = []
        with torch.no_grad():
            for chunk, n_valid in fixed_chunks(X):
                batch = torch.from_numpy(chunk).to(self.device_)
                outputs.append(fn(batch)[:n_valid].float().cpu().numpy())
        if not outputs:
            return np.zeros((0,), dtype=np.float32)
        return np.concatenate(outputs).astype(np.float32, copy=False)

    def save(self, path) -> None:
        """Write the fitted model to the folder ``path`` (config.json + model.safetensors).
        Under torchrun only rank 0 writes; the other processes return at once."""
        from aekit.io import save_model  # io sits beside estimators; import late to avoid a cycle
        from aekit.train import is_main_process

        if is_main_process():
            save_model(self, path)

    # Saving the training record and the module's weights ---------------------------------
    def _training_meta(self) -> dict[str, Any]:
        return {"best_epoch": self.best_epoch_, "history": self.history_,
                "world_size": getattr(self, "world_size_", 1)}

    def _restore_training_meta(self, meta: dict[str, Any]) -> None:
        self.history_, self.best_epoch_ = meta["history"], meta["best_epoch"]
        self.n_epochs_ = len(self.history_)
        self.world_size_ = int(meta.get("world_size", 1))

    @staticmethod
    def _module_tensors(module: torch.nn.Module, prefix: str = "module.") -> dict[str, torch.Tensor]:
        return {f"{prefix}{k}": v for k, v in module.state_dict().items()}

    def _load_module(self, module: torch.nn.Module, tensors: dict[str, torch.Tensor],
                     prefix: str = "module.") -> torch.nn.Module:
        weights = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        module.load_state_dict(weights)
        return module.to(self.device_).eval()

    # Implemented by subclasses ------------------------------------------------------------
    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        raise NotImplementedError

    def _restore_fitted_state(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        raise NotImplementedError


class ArchitectureMixin:
    """Shared by auto-encoders built from ``architecture`` or ``encoder``/``decoder``
    modules: which architecture, the shape and columns the net sees, and the scaling to
    and from it.

    Needs ``architecture``, ``encoder``, ``decoder`` and ``scaling`` parameters; sets
    ``input_shape_``, ``n_features_in_``, ``feature_names_in_`` (DataFrames),
    ``architecture_``, ``model_shape_``, ``scaler_`` and ``clip_`` in :meth:`_fit_input`.
    """

    def _check_module_pair(self) -> None:
        if (self.encoder is None) != (self.decoder is None):
            raise ConfigError(f"{type(self).__name__}: pass both encoder and decoder, or neither")

    def _fit_input(self, X, scaling: Callable[[np.ndarray, np.dtype], str]) -> np.ndarray:
        """Record the input's shape, columns and scaling; return the scaled array.
        ``scaling(X, original_dtype)`` names the kind of scaling to fit."""
        original_dtype = getattr(X, "dtype", np.dtype(np.float32))
        columns = getattr(X, "columns", None)
        X = check_features(X)
        if columns is not None and all(isinstance(c, str) for c in columns):
            self.feature_names_in_ = np.asarray(columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.input_shape_ = tuple(X.shape[1:])
        self.n_features_in_ = math.prod(self.input_shape_)
        self.architecture_ = self._resolve_architecture()
        self.model_shape_ = self._model_shape()
        self.scaler_ = Scaler.fit(X.reshape(len(X), -1), scaling(X, original_dtype))
        Xs = self._scale(X)
        # data in [0, 1]: reconstructions are clipped to it
        self.clip_ = bool(Xs.min() >= 0 and Xs.max() <= 1)
        return Xs

    def _resolve_architecture(self) -> str:
        if self.architecture != "auto":
            return self.architecture
        return "conv" if len(self.input_shape_) >= 2 else "mlp"

    def _arch(self):
        return ARCHITECTURES.get(self.architecture_)

    def _hidden(self) -> tuple:
        return tuple(self.hidden) if self.hidden is not None else self._arch().default_hidden

    def _model_shape(self) -> tuple:
        shape = self.input_shape_
        if self.encoder is not None:
            return shape
        if not self._arch().image_input:
            return (math.prod(shape),)
        if len(shape) == 2:
            return (1, *shape)  # (H, W) gray images get their channel axis
        if len(shape) == 3:
            return shape
        raise InputError(f"architecture='{self.architecture_}' needs images of shape (N, C, H, W) "
                         f"or (N, H, W); got samples of shape {shape}")

    def _exact_shape(self) -> bool:
        """Whether new samples must have the fitted shape, not only as many values."""
        return self.encoder is not None or self._arch().image_input

    def _custom_modules(self) -> tuple[torch.nn.Module, torch.nn.Module]:
        # Copies: fit must not change the modules the user passed as parameters.
        return copy.deepcopy(self.encoder), copy.deepcopy(self.decoder)

    def _encoder_width(self, encode: Callable[[torch.Tensor], torch.Tensor]) -> int:
        """Values per sample that ``encode`` gives for one input of the model's shape."""
        probe = torch.zeros(1, *self.model_shape_, device=self.device_)
        self.module_.eval()
        with torch.no_grad():
            return int(encode(probe).shape[-1])

    def _scale(self, X: np.ndarray) -> np.ndarray:
        flat = self.scaler_.transform(X.reshape(len(X), -1))
        return np.ascontiguousarray(flat.reshape(len(X), *self.model_shape_))

    def _unscale(self, Xs: np.ndarray) -> np.ndarray:
        flat = self.scaler_.inverse_transform(Xs.reshape(len(Xs), -1))
        return flat.reshape(len(Xs), *self.input_shape_)

    def _clip(self, x: torch.Tensor) -> torch.Tensor:
        return x.clamp(0, 1) if self.clip_ else x

    def _prepare(self, X) -> np.ndarray:
        """New data checked against what ``fit`` saw (columns by name, shape), scaled."""
        check_is_fitted(self)
        X = self._align_columns(X)
        X = check_features(X)
        shape, n_features = X.shape[1:], math.prod(X.shape[1:])
        if shape != self.input_shape_ and (self._exact_shape() or n_features != self.n_features_in_):
            raise InputError(
                f"X has {n_features} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (samples of shape {shape}; "
                f"fitted on shape {self.input_shape_})")
        return self._scale(X)

    def _align_columns(self, X):
        """A DataFrame's columns are taken by name, in the fitted order; missing ones are
        refused (columns in another order would otherwise give other codes silently)."""
        names = getattr(self, "feature_names_in_", None)
        columns = getattr(X, "columns", None)
        if names is None or columns is None:
            return X
        missing = [c for c in names if c not in set(columns)]
        if missing:
            raise InputError(f"X lacks the column(s) {', '.join(map(repr, missing[:5]))} that "
                             f"{type(self).__name__} was fitted on")
        return X[list(names)]

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "module_")

    def __sklearn_tags__(self):
        # list this mixin first among the bases, so TransformerMixin's tags exist here
        return neural_transformer_tags(self, super().__sklearn_tags__())

    # Saving ---------------------------------------------------------------------------------
    def _input_meta(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        names = getattr(self, "feature_names_in_", None)
        meta = {"architecture": self.architecture_, "input_shape": list(self.input_shape_),
                "model_shape": list(self.model_shape_), "clip": self.clip_,
                "scaling": self.scaler_.kind, "custom_modules": self.encoder is not None,
                "feature_names": None if names is None else [str(n) for n in names]}
        tensors = {"scaler.offset": torch.from_numpy(np.atleast_1d(self.scaler_.offset)),
                   "scaler.scale": torch.from_numpy(np.atleast_1d(self.scaler_.scale))}
        return meta, tensors

    def _restore_input_meta(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        if meta["custom_modules"] and self.encoder is None:
            raise ConfigError(f"this {type(self).__name__} was trained with custom modules: load "
                              "it with aekit.load(path, encoder=..., decoder=...)")
        self.input_shape_ = tuple(meta["input_shape"])
        self.n_features_in_ = math.prod(self.input_shape_)
        self.architecture_, self.model_shape_ = meta["architecture"], tuple(meta["model_shape"])
        self.clip_ = meta["clip"]
        if meta.get("feature_names") is not None:
            self.feature_names_in_ = np.asarray(meta["feature_names"], dtype=object)
        self.scaler_ = Scaler(meta["scaling"], tensors["scaler.offset"].numpy(),
                              tensors["scaler.scale"].numpy())
        self.device_ = resolve_device(self.device)
