"""The contract between the trainer and what it trains.

An *objective* turns a batch into a loss. The trainer owns everything else: the data
order, the optimizers and their schedules, devices, mixed precision, processes, early
stopping, checkpoints. One step of training is, for each optimizer the objective asks
for, in order::

    terms = objective(module, batch, info)   # info.optimizer names the optimizer
    terms.total.backward(); optimizer.step()  # skipped when terms is None

so a GAN's discriminator and generator, or a codec's main and auxiliary losses, are one
objective with two optimizers. :class:`aekit.nn.objective.BaseObjective` implements the
optional parts with do-nothing defaults; a plain function ``f(module, batch, info)`` is
an objective too (the trainer wraps it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence, runtime_checkable

import torch
from torch import nn

from aekit.nn.objective import BaseObjective, LossTerms


@dataclass(frozen=True)
class StepInfo:
    """What an objective may know about where training is."""

    step: int  # optimizer steps already taken (over all epochs), 0 at the first step
    epoch: int  # 0-based
    steps_per_epoch: int
    total_steps: int  # the whole budget: epochs x steps per epoch, or max_steps
    optimizer: str  # the optimizer this loss is for ("main" unless the objective names others)
    generator: torch.Generator  # for noise; seeded, saved in checkpoints
    training: bool = True  # False in validation

    @property
    def progress(self) -> float:
        """Share of the budget done, in [0, 1]: for warm-ups and annealing."""
        return min(1.0, self.step / max(self.total_steps, 1))


@dataclass
class OptimizerSpec:
    """One optimizer the trainer builds and steps, and the parameters it owns.

    ``params``: None for every parameter of the module, else parameters or torch
    param-group dicts (a group may override ``lr``, ``weight_decay``, ``momentum``).
    Unset numbers come from the :class:`~aekit.train.TrainConfig`.
    """

    name: str = "main"
    params: Sequence[Any] | None = None
    algorithm: str | None = None  # a name in OPTIMIZERS (adam, adamw, sgd); None: the config's
    learning_rate: float | None = None
    weight_decay: float | None = None
    momentum: float = 0.0  # sgd only
    lr_schedule: str | None = None  # None: the config's ("cosine" or "constant")
    # momentum at each epoch (e.g. the RBM's 0.5 then 0.9); None leaves it alone
    momentum_by_epoch: Callable[[int], float] | None = None
    # the gradient's norm over this optimizer's parameters is clipped to this before each
    # step (a codec's rare huge gradients, as CompressAI's training does); None: never
    clip_grad_norm: float | None = None
    extra: dict = field(default_factory=dict)  # more keyword arguments for the optimizer


@runtime_checkable
class Objective(Protocol):
    """What the trainer calls. Implement it by subclassing
    :class:`aekit.nn.objective.BaseObjective`."""

    needs_input_grad: bool  # validation runs with autograd on (e.g. a Jacobian penalty)

    def __call__(self, module: nn.Module, batch: Any, info: StepInfo) -> LossTerms | None:
        """The loss for ``info.optimizer`` on ``batch``; None skips that optimizer's step."""

    def optimizers(self, module: nn.Module) -> Sequence[OptimizerSpec] | None:
        """The optimizers to build, in the order they step; None: one Adam over all."""

    def start_epoch(self, module: nn.Module, epoch: int, total_epochs: int) -> None:
        """Before each training epoch (e.g. anneal a temperature)."""

    def end_epoch(self, module: nn.Module) -> dict[str, float]:
        """After each training epoch; the numbers go into the history."""


class FunctionObjective(BaseObjective):
    """A plain ``f(module, batch, info) -> LossTerms`` as an objective."""

    def __init__(self, fn: Callable[[nn.Module, Any, StepInfo], LossTerms]):
        self.fn = fn

    def __call__(self, module, batch, info):
        return self.fn(module, batch, info)


def as_objective(objective) -> Objective:
    if isinstance(objective, BaseObjective):
        return objective
    if callable(objective):
        return FunctionObjective(objective)
    raise TypeError(f"an objective must be a BaseObjective or a callable, got {type(objective).__name__}")
