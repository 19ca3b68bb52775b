"""The one training loop every aekit model uses.

Fast path: when the data fits on the device it is moved there once and mini-batches are
taken by index (``X[idx]``), so a step does no per-sample Python work. On a GPU the step
runs under bf16 autocast with a fused Adam. Validation split, early stopping with the
best weights restored, seeded data order and noise, checkpoints and resume, a progress
bar and the loss history are all here, once, for every model.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from aekit.errors import ConfigError, TrainingError
from aekit.nn.objective import LossTerms
from aekit.train.checkpoint import has_checkpoint, load_checkpoint, save_checkpoint
from aekit.train.device import autocast_dtype, fits_on_device, resolve_device
from aekit.train.history import HistoryLog

logger = logging.getLogger(__name__)
LossFn = Callable[[nn.Module, torch.Tensor, torch.Generator], LossTerms]


@dataclass
class TrainConfig:
    epochs: int = 50
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    lr_schedule: str = "cosine"  # "cosine" decays to 0 over `epochs`; "constant"
    validation_fraction: float = 0.1
    patience: int | None = 10  # epochs without validation improvement; None = never stop
    min_delta: float = 0.0
    device: str = "auto"
    mixed_precision: str | bool = "auto"  # bf16 autocast on GPUs
    checkpoint_dir: str | None = None  # checkpoints and history.csv go here
    checkpoint_every: int = 5
    verbose: bool | str = "auto"  # "auto": a progress bar only on a terminal
    seed: int = 0


@dataclass
class TrainResult:
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    best_loss: float = math.inf
    stopped_early: bool = False
    resumed_from: int | None = None


@dataclass
class _Split:
    train: torch.Tensor
    val: torch.Tensor | None


class Trainer:
    """Fits ``module`` by minimising ``loss_fn(module, batch, generator).total`` on ``X``."""

    def __init__(self, config: TrainConfig):
        self.config = config

    def fit(self, module: nn.Module, loss_fn: LossFn, X: torch.Tensor, *,
            resume: bool = False) -> TrainResult:
        cfg = self.config
        if resume and cfg.checkpoint_dir is None:
            raise ConfigError("resume=True needs a checkpoint_dir to resume from")
        device = resolve_device(cfg.device)
        module.to(device)
        split = self._split(X, device)
        optimizer = torch.optim.Adam(module.parameters(), lr=cfg.learning_rate,
                                     weight_decay=cfg.weight_decay,
                                     fused=device.type == "cuda")
        order_gen = torch.Generator(device).manual_seed(cfg.seed + 1)
        noise_gen = torch.Generator(device).manual_seed(cfg.seed + 2)
        scheduler = _scheduler(optimizer, cfg)
        run = _Run(module, optimizer, scheduler, order_gen, noise_gen)
        if resume and has_checkpoint(cfg.checkpoint_dir):
            run.restore(*load_checkpoint(cfg.checkpoint_dir), device)
            if hasattr(scheduler, "T_max"):
                scheduler.T_max = cfg.epochs  # a resumed run may have been given more epochs
        elif resume:
            logger.warning("no checkpoint in %s; training from the start", cfg.checkpoint_dir)
        self._loop(run, loss_fn, split, device)
        return run.result()

    def _split(self, X: torch.Tensor, device: torch.device) -> _Split:
        n = X.shape[0]
        n_val = int(round(self.config.validation_fraction * n)) if n >= 10 else 0
        order = torch.randperm(n, generator=torch.Generator().manual_seed(self.config.seed))
        on_device = fits_on_device(X.element_size() * X.nelement(), device)
        if on_device:
            X = X.to(device)
            order = order.to(device)
        elif device.type == "cuda":
            X = X.pin_memory()  # batches then copy to the GPU asynchronously
        val = X[order[:n_val]] if n_val else None
        return _Split(X[order[n_val:]], val)

    def _loop(self, run: "_Run", loss_fn: LossFn, split: _Split, device: torch.device) -> None:
        cfg = self.config
        amp = autocast_dtype(device, cfg.mixed_precision)
        history = HistoryLog(cfg.checkpoint_dir, run.history)
        steps = math.ceil(split.train.shape[0] / cfg.batch_size)
        bar = tqdm(total=cfg.epochs * steps, initial=run.epoch * steps, unit="step",
                   desc="training", disable=not show_progress(cfg.verbose), leave=False)
        try:
            while run.epoch < cfg.epochs and not run.stopped_early:
                start = time.perf_counter()
                if hasattr(loss_fn, "start_epoch"):
                    loss_fn.start_epoch(run.module, run.epoch, cfg.epochs)
                train_terms = self._train_epoch(run, loss_fn, split.train, device, amp, bar)
                if hasattr(loss_fn, "end_epoch"):  # e.g. codebook usage of a VQ code
                    train_terms.update(loss_fn.end_epoch(run.module))
                val_loss = self._validate(run.module, loss_fn, split.val, device, amp)
                run.end_epoch(train_terms, val_loss, time.perf_counter() - start, cfg)
                history.append(run.history[-1])
                bar.set_postfix(loss=f"{train_terms['loss']:.4g}",
                                val=f"{val_loss:.4g}" if val_loss is not None else "-")
                if cfg.checkpoint_dir and (run.epoch % cfg.checkpoint_every == 0
                                           or run.epoch == cfg.epochs or run.stopped_early):
                    save_checkpoint(cfg.checkpoint_dir, run.epoch, run.state())
        finally:
            bar.close()
            history.close()
        run.restore_best()

    def _train_epoch(self, run, loss_fn, X, device, amp, bar) -> dict[str, float]:
        module, optimizer = run.module, run.optimizer
        module.train()
        n, batch_size = X.shape[0], self.config.batch_size
        order = torch.randperm(n, generator=run.order_gen, device=run.order_gen.device)
        sums: dict[str, torch.Tensor] = {}
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            batch = X[idx.to(X.device)].to(device, non_blocking=True)
            with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                total, terms = loss_fn(module, batch, run.noise_gen)
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            optimizer.step()
            # Summed as tensors: no GPU sync per step, one .item() per epoch.
            for key, value in {"loss": total.detach(), **terms}.items():
                sums[key] = sums.get(key, 0) + value.float() * len(idx)
            bar.update()
        return {key: float(value) / n for key, value in sums.items()}

    def _validate(self, module, loss_fn, X, device, amp) -> float | None:
        if X is None:
            return None
        module.eval()
        # A fixed noise seed makes the validation loss comparable from epoch to epoch.
        gen = torch.Generator(device).manual_seed(self.config.seed + 3)
        needs_grad = getattr(loss_fn, "needs_input_grad", False)
        total = 0.0
        with torch.set_grad_enabled(needs_grad):
            for start in range(0, X.shape[0], 4096):
                batch = X[start:start + 4096].to(device, non_blocking=True)
                with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                    loss = loss_fn(module, batch, gen).total
                total += float(loss.detach()) * batch.shape[0]
        return total / X.shape[0]


def _scheduler(optimizer, cfg: TrainConfig):
    if cfg.lr_schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.epochs)
    if cfg.lr_schedule == "constant":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 1.0)
    raise ConfigError(f"lr_schedule must be 'cosine' or 'constant', got {cfg.lr_schedule!r}")


def show_progress(verbose: bool | str) -> bool:
    if verbose == "auto":
        return sys.stderr.isatty()
    return bool(verbose)


class _Run:
    """What changes while training: the counters, the best weights, the history."""

    def __init__(self, module, optimizer, scheduler, order_gen, noise_gen):
        self.module, self.optimizer, self.scheduler = module, optimizer, scheduler
        self.order_gen, self.noise_gen = order_gen, noise_gen
        self.epoch, self.best_epoch, self.stale = 0, 0, 0
        self.best_loss = math.inf
        self.best_state: dict[str, torch.Tensor] | None = None
        self.history: list[dict] = []
        self.stopped_early = False
        self.resumed_from: int | None = None

    def end_epoch(self, train_terms: dict, val_loss: float | None, seconds: float,
                  cfg: TrainConfig) -> None:
        self.epoch += 1
        self.scheduler.step()
        monitored = val_loss if val_loss is not None else train_terms["loss"]
        if not math.isfinite(train_terms["loss"]):
            raise TrainingError(
                f"the training loss became {train_terms['loss']} at epoch {self.epoch}; "
                "lower the learning rate or check the data scale")
        if monitored < self.best_loss - cfg.min_delta:
            self.best_loss, self.best_epoch, self.stale = monitored, self.epoch, 0
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

    def state(self) -> dict:
        return {
            "module": self.module.state_dict(),
            "best": self.best_state or {},
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "order_gen": self.order_gen.get_state(),
            "noise_gen": self.noise_gen.get_state(),
            "counters": {"epoch": self.epoch, "best_epoch": self.best_epoch,
                         "stale": self.stale, "best_loss": self.best_loss,
                         "stopped_early": self.stopped_early},
            "history": self.history,
        }

    def restore(self, epoch: int, state: dict, device: torch.device) -> None:
        try:
            self.module.load_state_dict(state["module"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
        except (RuntimeError, ValueError, KeyError) as exc:
            raise ConfigError(f"the checkpoint does not fit this model ({exc}); "
                              "use the same settings as the run being resumed") from None
        self.best_state = {k: v.to(device) for k, v in state["best"].items()} or None
        self.order_gen.set_state(state["order_gen"])
        self.noise_gen.set_state(state["noise_gen"])
        counters = state["counters"]
        self.epoch, self.best_epoch = counters["epoch"], counters["best_epoch"]
        self.stale, self.best_loss = counters["stale"], counters["best_loss"]
        self.stopped_early = counters["stopped_early"]
        self.history = list(state["history"])
        self.resumed_from = epoch

    def result(self) -> TrainResult:
        return TrainResult(self.history, self.best_epoch, self.best_loss,
                           self.stopped_early, self.resumed_from)
