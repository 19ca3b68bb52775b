"""What every aekit estimator shares: training settings, seeding, batched inference, saving.

Subclasses build their torch module in ``fit`` and implement ``_fitted_state`` /
``_restore_fitted_state`` so :mod:`aekit.io` can save and load them without pickle.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Callable, Iterator

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from aekit import params as P
from aekit.errors import ConfigError, InputError
from aekit.nn import architectures as _architectures  # noqa: F401  (registers mlp and conv)
from aekit.registry import ARCHITECTURES
from aekit.train import TrainConfig

# Every inference pass runs on chunks of exactly this many rows, the last one padded: a
# sample's result then comes from the same kernels whatever the batch size, the number of
# samples or their order (BLAS and conv kernels pick their blocking by batch size, and
# results differed in the last bits across batch sizes on some CPUs).
INFERENCE_CHUNK = 256


def fixed_chunks(X: np.ndarray, size: int = INFERENCE_CHUNK) -> Iterator[tuple[np.ndarray, int]]:
    """``(chunk, n_valid)`` pairs covering ``X``: each chunk has exactly ``size`` rows, the
    last one padded with zeros after its ``n_valid`` real rows."""
    for start in range(0, len(X), size):
        chunk = X[start:start + size]
        n_valid = len(chunk)
        if n_valid < size:
            pad = np.zeros((size - n_valid, *X.shape[1:]), dtype=X.dtype)
            chunk = np.concatenate([chunk, pad])
        yield np.ascontiguousarray(chunk), n_valid

# Settings of the shared training loop, in the order a user reads them.
TRAINING_RULES: dict[str, P.Rule] = {
    "epochs": P.integer(1),
    "batch_size": P.integer(1),
    "learning_rate": P.real(0.0, open_high=True),
    "weight_decay": P.real(0.0),
    "lr_schedule": P.options("cosine", "constant"),
    "validation_fraction": P.real(0.0, 0.5),
    "patience": P.either(P.NONE, P.integer(1)),
    "device": P.Rule("'auto', 'cpu', 'cuda' or 'cuda:N'", lambda v: isinstance(v, str)),
    "mixed_precision": P.options("auto", "bf16", "no"),
    "checkpoint_dir": P.PATH,
    "checkpoint_every": P.integer(1),
    "verbose": P.options("auto", True, False),
    "random_state": P.Rule("None, an integer or a numpy RandomState",
                           lambda v: v is None or P._is_int(v) or isinstance(v, np.random.RandomState)),
}


class NeuralEstimator(BaseEstimator):
    """Mixin-style base: subclasses define ``__init__`` with the training parameters above."""

    def _seed(self) -> int:
        # random_state becomes a local seed: global RNGs are left as the user set them.
        return int(check_random_state(self.random_state).randint(0, 2**31 - 1))

    def _train_config(self, seed: int) -> TrainConfig:
        checkpoint_dir = None if self.checkpoint_dir is None else str(self.checkpoint_dir)
        return TrainConfig(
            epochs=self.epochs, batch_size=self.batch_size, learning_rate=self.learning_rate,
            weight_decay=self.weight_decay, lr_schedule=self.lr_schedule,
            validation_fraction=self.validation_fraction,
            patience=self.patience, device=self.device, mixed_precision=self.mixed_precision,
            checkpoint_dir=checkpoint_dir, checkpoint_every=self.checkpoint_every,
            verbose=self.verbose, seed=seed)

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
        """Write the fitted model to the folder ``path`` (config.json + model.safetensors)."""
        from aekit.io import save_model  # io sits beside estimators; import late to avoid a cycle

        save_model(self, path)

    # Implemented by subclasses ------------------------------------------------------------
    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        raise NotImplementedError

    def _restore_fitted_state(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        raise NotImplementedError


@contextlib.contextmanager
def seeded_init(seed: int) -> Iterator[None]:
    """Seed weight initialisation without touching the caller's global random state."""
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)  # CPU only: modules are built on the CPU
        yield


class ArchitectureMixin:
    """Shared by estimators built from ``architecture`` or ``encoder``/``decoder`` modules:
    which architecture, the shape the net sees, and the scaling to and from it.

    Needs ``architecture``, ``encoder`` and ``decoder`` parameters and, once fitted,
    ``input_shape_``, ``architecture_``, ``model_shape_`` and ``scaler_``.
    """

    def _check_module_pair(self) -> None:
        if (self.encoder is None) != (self.decoder is None):
            raise ConfigError(f"{type(self).__name__}: pass both encoder and decoder, or neither")

    def _resolve_architecture(self) -> str:
        if self.architecture != "auto":
            return self.architecture
        return "conv" if len(self.input_shape_) >= 2 else "mlp"

    def _arch(self):
        return ARCHITECTURES.get(self.architecture_)

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

    def _scale(self, X: np.ndarray) -> np.ndarray:
        flat = self.scaler_.transform(X.reshape(len(X), -1))
        return np.ascontiguousarray(flat.reshape(len(X), *self.model_shape_))

    def _unscale(self, Xs: np.ndarray) -> np.ndarray:
        flat = self.scaler_.inverse_transform(Xs.reshape(len(Xs), -1))
        return flat.reshape(len(Xs), *self.input_shape_)
