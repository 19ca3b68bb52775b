"""Optimizers and learning-rate schedules, by name, built from an objective's specs."""

from __future__ import annotations

import math

import torch
from torch import nn

from aekit.errors import ConfigError
from aekit.registry import LR_SCHEDULES, OPTIMIZERS
from aekit.train.protocol import OptimizerSpec


def _fused(device: torch.device) -> bool:
    # Fused kernels: one pass over all parameters per step instead of one per tensor,
    # several times faster on the CPU too (torch >= 2.4 has the CPU kernels).
    return device.type in ("cuda", "cpu")


@OPTIMIZERS.register("adam")
def _adam(groups, lr, weight_decay, spec: OptimizerSpec, device: torch.device):
    return torch.optim.Adam(groups, lr=lr, weight_decay=weight_decay,
                            fused=_fused(device), **spec.extra)


@OPTIMIZERS.register("adamw")
def _adamw(groups, lr, weight_decay, spec: OptimizerSpec, device: torch.device):
    return torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay,
                             fused=_fused(device), **spec.extra)


@OPTIMIZERS.register("sgd")
def _sgd(groups, lr, weight_decay, spec: OptimizerSpec, device: torch.device):
    return torch.optim.SGD(groups, lr=lr, weight_decay=weight_decay, momentum=spec.momentum,
                           **spec.extra)


class CosineFactor:
    """The cosine decay from 1 to 0 over ``total`` epochs, in closed form. torch's
    CosineAnnealingLR updates the rate recursively from the current one, so a resumed
    run that was given more epochs would stay at the 0 it ended on; this factor is
    recomputed from the epoch number, and the trainer sets ``total`` on resume."""

    def __init__(self, total: int):
        self.total = max(int(total), 1)

    def __call__(self, epoch: int) -> float:
        return 0.5 * (1.0 + math.cos(math.pi * min(epoch, self.total) / self.total))


@LR_SCHEDULES.register("cosine")
def _cosine(optimizer, total_epochs: int):
    """Decays to 0 over the epochs (stepped once an epoch)."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, CosineFactor(total_epochs))


@LR_SCHEDULES.register("constant")
def _constant(optimizer, total_epochs: int):
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 1.0)


def build_optimizer(spec: OptimizerSpec, module: nn.Module, config, device: torch.device):
    """The torch optimizer for ``spec``; unset numbers come from ``config``."""
    groups = list(module.parameters()) if spec.params is None else list(spec.params)
    if not groups:
        raise ConfigError(f"optimizer {spec.name!r} was given no parameters")
    lr = config.learning_rate if spec.learning_rate is None else spec.learning_rate
    weight_decay = config.weight_decay if spec.weight_decay is None else spec.weight_decay
    return OPTIMIZERS.get(spec.algorithm or config.optimizer)(groups, lr, weight_decay, spec, device)


def build_schedule(spec: OptimizerSpec, optimizer, config, total_epochs: int):
    return LR_SCHEDULES.get(spec.lr_schedule or config.lr_schedule)(optimizer, total_epochs)


def resize_schedule(schedule, total_epochs: int) -> None:
    """After a resume: the schedule spans the epochs asked for now."""
    for factor in getattr(schedule, "lr_lambdas", []):
        if isinstance(factor, CosineFactor):
            factor.total = max(int(total_epochs), 1)
    for group, base, factor in zip(schedule.optimizer.param_groups, schedule.base_lrs,
                                   schedule.lr_lambdas):
        group["lr"] = base * factor(schedule.last_epoch)  # this epoch's rate on the new span
