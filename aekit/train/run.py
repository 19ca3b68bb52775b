"""What changes while training, and how it goes into a checkpoint and comes back.

A checkpoint holds everything a resumed run needs to continue exactly at an epoch
boundary: the weights and the best weights so far, every optimizer and schedule, the
data-order generator, every process's noise generator, the Python-side state of modules
(:class:`aekit.nn.state.TrainingState`), counters and the history.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import torch
from torch import nn

from aekit.errors import ConfigError, TrainingError
from aekit.nn.state import TrainingState

logger = logging.getLogger(__name__)


@dataclass
class TrainResult:
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    best_loss: float = math.inf
    stopped_early: bool = False
    resumed_from: int | None = None
    steps: int = 0  # optimizer steps taken (of the first optimizer)
    world_size: int = 1  # processes that trained together


class Run:
    """Counters, best weights and history of one training run."""

    def __init__(self, module: nn.Module, optimizers: list, schedules: list,
                 order_gen: torch.Generator, noise_gen: torch.Generator, world):
        self.module, self.optimizers, self.schedules = module, optimizers, schedules
        self.order_gen, self.noise_gen, self.world = order_gen, noise_gen, world
        self.epoch, self.step, self.best_epoch, self.stale = 0, 0, 0, 0
        self.best_loss = math.inf
        self.best_state: dict[str, torch.Tensor] | None = None
        self.history: list[dict] = []
        self.stopped_early = False
        self.resumed_from: int | None = None

    def end_epoch(self, train_terms: dict, val_loss: float | None, seconds: float, cfg) -> None:
        self.epoch += 1
        for schedule in self.schedules:
            schedule.step()
        if not math.isfinite(train_terms["loss"]):
            raise TrainingError(
                f"the training loss became {train_terms['loss']} at epoch {self.epoch}; "
                "lower the learning rate or check the data scale")
        monitored = val_loss if val_loss is not None else train_terms["loss"]
        if monitored < self.best_loss - cfg.min_delta:
            self.best_loss, self.best_epoch, self.stale = monitored, self.epoch, 0
            if cfg.keep_best:
                self._remember_best()
        else:
            self.stale += 1
        self.stopped_early = cfg.patience is not None and self.stale >= cfg.patience
        terms = dict(train_terms)
        row = {"epoch": self.epoch, "train_loss": terms.pop("loss")}
        row["val_loss"] = val_loss if val_loss is not None else ""
        row.update({f"train_{k}": v for k, v in terms.items()})
        row["seconds"] = round(seconds, 4)
        self.history.append(row)

    def start_best(self, val_loss: float | None, cfg) -> None:
        """The weights before training as the best so far (epoch 0), at ``val_loss``."""
        if val_loss is not None and math.isfinite(val_loss):
            self.best_loss, self.best_epoch = val_loss, 0
            if cfg.keep_best:
                self._remember_best()

    def _remember_best(self) -> None:
        # Copy into buffers allocated once: no new allocation each improving epoch.
        state = self.module.state_dict()
        if self.best_state is None:
            self.best_state = {k: v.detach().clone() for k, v in state.items()}
        else:
            for key, value in state.items():
                self.best_state[key].copy_(value)

    def restore_best(self) -> None:
        if self.best_state is not None:
            self.module.load_state_dict(self.best_state)

    # Checkpoints ----------------------------------------------------------------------------
    def state(self, noise_states: list[torch.Tensor]) -> dict:
        return {
            "module": self.module.state_dict(),
            "module_python": {name: m.training_state() for name, m in self.module.named_modules()
                              if isinstance(m, TrainingState)},
            "best": self.best_state or {},
            "optimizers": [opt.state_dict() for opt in self.optimizers],
            "schedules": [schedule.state_dict() for schedule in self.schedules],
            "order_gen": self.order_gen.get_state(),
            "noise_gens": noise_states,  # one per process, in rank order
            "counters": {"epoch": self.epoch, "step": self.step, "best_epoch": self.best_epoch,
                         "stale": self.stale, "best_loss": self.best_loss,
                         "stopped_early": self.stopped_early, "world_size": self.world.size},
            "history": self.history,
        }

    def restore(self, epoch: int, state: dict, device: torch.device) -> None:
        try:
            if len(state["optimizers"]) != len(self.optimizers):
                raise ValueError(f"{len(state['optimizers'])} optimizers saved, {len(self.optimizers)} now")
            self.module.load_state_dict(state["module"])
            for optimizer, saved in zip(self.optimizers, state["optimizers"]):
                optimizer.load_state_dict(saved)
            for schedule, saved in zip(self.schedules, state["schedules"]):
                schedule.load_state_dict(saved)
        except (RuntimeError, ValueError, KeyError) as exc:
            raise ConfigError(f"the checkpoint does not fit this model ({str(exc).splitlines()[0]}); "
                              "use the same settings as the run being resumed") from None
        modules = dict(self.module.named_modules())
        for name, saved in state["module_python"].items():
            modules[name].load_training_state(saved)
        self.best_state = {k: v.to(device) for k, v in state["best"].items()} or None
        try:
            self.order_gen.set_state(state["order_gen"])
            self._restore_noise(state["noise_gens"], state["counters"]["world_size"])
        except RuntimeError:  # saved on another kind of device (CPU vs CUDA generators)
            logger.warning("the checkpoint's random generators are of another device; the data "
                           "order and noise of the resumed epochs start afresh")
        counters = state["counters"]
        self.epoch, self.step = counters["epoch"], counters["step"]
        self.best_epoch, self.stale = counters["best_epoch"], counters["stale"]
        self.best_loss, self.stopped_early = counters["best_loss"], counters["stopped_early"]
        self.history = list(state["history"])
        self.resumed_from = epoch

    def _restore_noise(self, saved: list[torch.Tensor], saved_world: int) -> None:
        rank = self.world.rank
        if saved_world != self.world.size:
            logger.warning("resuming a run of %d process(es) with %d: the data order continues "
                           "exactly, the noise streams of new processes start afresh",
                           saved_world, self.world.size)
        if rank < len(saved):
            self.noise_gen.set_state(saved[rank])

    def result(self) -> TrainResult:
        return TrainResult(self.history, self.best_epoch, self.best_loss, self.stopped_early,
                           self.resumed_from, self.step, self.world.size)
