"""The shared training loop: devices, mixed precision, checkpoints, early stopping, logs."""

from aekit.train.device import resolve_device
from aekit.train.trainer import TrainConfig, Trainer, TrainResult

__all__ = ["TrainConfig", "TrainResult", "Trainer", "resolve_device"]
