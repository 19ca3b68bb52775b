"""The one training loop: data sources, optimizers, budgets, devices, mixed precision,
DistributedDataParallel, checkpoints, early stopping and logs (see :mod:`aekit.train.trainer`)."""

from aekit.train.device import resolve_device
from aekit.train.distributed import is_main_process
from aekit.train.protocol import Objective, OptimizerSpec, StepInfo
from aekit.train.run import TrainResult
from aekit.train.budget import Budget, plan_budget
from aekit.train.sources import (ChunkedSource, ImageCropSource, PaddedBatch, RepeatedSource,
                                 SequenceSource, TensorSource)
from aekit.train.trainer import TrainConfig, Trainer

__all__ = ["Budget", "ChunkedSource", "ImageCropSource", "Objective", "OptimizerSpec", "PaddedBatch",
           "RepeatedSource", "SequenceSource", "StepInfo", "TensorSource", "TrainConfig", "TrainResult", "Trainer",
           "is_main_process", "plan_budget", "resolve_device"]
