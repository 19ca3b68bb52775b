"""The one training loop: data sources, optimizers, budgets, devices, mixed precision,
DistributedDataParallel, checkpoints, early stopping and logs (see :mod:`aekit.train.trainer`)."""

from aekit.train.device import resolve_device
from aekit.train.distributed import is_main_process
from aekit.train.protocol import Objective, OptimizerSpec, StepInfo
from aekit.train.run import TrainResult
from aekit.train.sources import (ChunkedSource, ImageCropSource, PaddedBatch, SequenceSource,
                                 TensorSource)
from aekit.train.trainer import TrainConfig, Trainer

__all__ = ["ChunkedSource", "ImageCropSource", "Objective", "OptimizerSpec", "PaddedBatch",
           "SequenceSource", "StepInfo", "TensorSource", "TrainConfig", "TrainResult", "Trainer",
           "is_main_process", "resolve_device"]
