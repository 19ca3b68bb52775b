"""The one training loop every aekit model uses.

Fast path: when the data fits on the device it is moved there once and mini-batches are
taken by index (``X[idx]``), so a step does no per-sample Python work. On a GPU the step
runs under bf16 autocast with fused optimizers. Data sources (:mod:`aekit.train.sources`),
one or several optimizers (:class:`~aekit.train.protocol.OptimizerSpec`), epoch and step
budgets, the validation split, early stopping with the best weights restored, seeded
data order and noise, checkpoints and exact resume, DistributedDataParallel under
torchrun (:mod:`aekit.train.distributed`), a progress bar and the loss history are all
here, once, for every model.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import sys
import time
from dataclasses import dataclass

import torch
from torch import nn
from tqdm.auto import tqdm

from aekit.errors import ConfigError, InputError, TrainingError
from aekit.train import distributed as D
from aekit.train.checkpoint import has_checkpoint, load_checkpoint, save_checkpoint
from aekit.train.device import autocast_dtype, resolve_device
from aekit.train.history import HistoryLog
from aekit.train.optim import build_optimizer, build_schedule, resize_schedule
from aekit.train.protocol import OptimizerSpec, StepInfo, as_objective
from aekit.train.run import Run, TrainResult
from aekit.train.sources import as_source

logger = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    epochs: int | None = 50  # None: as many as max_steps needs
    max_steps: int | None = None  # a budget of optimizer steps; training stops at either
    batch_size: int = 64  # the global batch, split across torchrun's processes
    optimizer: str = "adam"  # for specs that name none: "adam", "adamw" or "sgd"
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    lr_schedule: str = "cosine"  # "cosine" decays to 0 over the epochs; "constant"
    validation_fraction: float = 0.1
    patience: int | None = 10  # epochs without validation improvement; None = never stop
    min_delta: float = 0.0
    keep_best: bool = True  # restore the weights of the best epoch at the end
    validate_start: bool = False  # the untrained weights compete for best (epoch 0)
    device: str = "auto"
    mixed_precision: str | bool = "auto"  # bf16 autocast on GPUs
    checkpoint_dir: str | None = None  # checkpoints and history.csv go here
    checkpoint_every: int = 5
    verbose: bool | str = "auto"  # "auto": a progress bar only on a terminal
    seed: int = 0


@dataclass
class _Plan:
    """The budget, fixed once the data is known."""

    epochs: int
    steps_per_epoch: int
    total_steps: int


class Trainer:
    """Fits ``module`` by minimising ``objective(module, batch, info).total`` on ``data``
    (a tensor or a source from :mod:`aekit.train.sources`)."""

    def __init__(self, config: TrainConfig):
        self.config = config

    def fit(self, module: nn.Module, objective, data, *, resume: bool = False) -> TrainResult:
        cfg = self.config
        if resume and cfg.checkpoint_dir is None:
            raise ConfigError("resume=True needs a checkpoint_dir to resume from")
        device = resolve_device(cfg.device)
        world = D.join(device.type)
        device = D.process_device(device, world)
        # every process must split and order the data alike: rank 0's seed for all
        cfg = self.config = dataclasses.replace(cfg, seed=D.broadcast_int(cfg.seed, world))
        objective = as_objective(objective)
        train, val = as_source(data).split(cfg.validation_fraction, cfg.seed)
        train, val = train.to(device), (val.to(device) if val is not None else None)
        module.to(device)
        specs = list(objective.optimizers(module) or [OptimizerSpec()])
        plan = self._plan(train, world)
        optimizers = [build_optimizer(spec, module, cfg, device) for spec in specs]
        schedules = [build_schedule(spec, opt, cfg, plan.epochs) for spec, opt in zip(specs, optimizers)]
        order_gen = torch.Generator(train.order_device).manual_seed(cfg.seed + 1)
        noise_gen = torch.Generator(device).manual_seed(cfg.seed + 2 + 1000 * world.rank)
        run = Run(module, optimizers, schedules, order_gen, noise_gen, world)
        if resume and has_checkpoint(cfg.checkpoint_dir):
            run.restore(*load_checkpoint(cfg.checkpoint_dir), device)
            for schedule in schedules:  # more epochs may be asked than the run had
                resize_schedule(schedule, plan.epochs)
        elif resume:
            logger.warning("no checkpoint in %s; training from the start", cfg.checkpoint_dir)
        step_module = D.wrap(module, objective, world, device, len(specs) > 1)
        self._loop(run, objective, step_module, specs, train, val, device, plan)
        return run.result()

    def _plan(self, train, world) -> _Plan:
        cfg = self.config
        steps_per_epoch = train.n_steps(cfg.batch_size, world.shard)
        if steps_per_epoch < 1:
            raise InputError(f"{len(train)} training rows give no batch of {cfg.batch_size} "
                             f"across {world.size} processes; use more data or fewer processes")
        if cfg.epochs is None and cfg.max_steps is None:
            raise ConfigError("give epochs, max_steps or both")
        epochs = cfg.epochs if cfg.epochs is not None else math.inf
        if cfg.max_steps is not None:
            epochs = min(epochs, math.ceil(cfg.max_steps / steps_per_epoch))
        total = epochs * steps_per_epoch
        if cfg.max_steps is not None:
            total = min(total, cfg.max_steps)
        return _Plan(int(epochs), steps_per_epoch, int(total))

    def _loop(self, run: Run, objective, step_module, specs, train, val, device, plan: _Plan) -> None:
        cfg, world = self.config, run.world
        amp = autocast_dtype(device, cfg.mixed_precision)
        history = HistoryLog(cfg.checkpoint_dir if world.is_main else None, run.history)
        bar = tqdm(total=plan.total_steps, initial=min(run.step, plan.total_steps), unit="step",
                   desc="training", disable=not (world.is_main and show_progress(cfg.verbose)),
                   leave=False)
        try:
            if cfg.validate_start and run.step == 0 and val is not None:
                # A model that starts from a good answer (PCA) keeps it when training
                # only overfits: the start is epoch 0 of the early-stopping race.
                run.start_best(self._validate(run, objective, specs, val, device, amp, plan), cfg)
            while (run.epoch < plan.epochs and run.step < plan.total_steps
                   and not run.stopped_early):
                start = time.perf_counter()
                for spec, optimizer in zip(specs, run.optimizers):
                    if spec.momentum_by_epoch is not None:
                        for group in optimizer.param_groups:
                            group["momentum"] = spec.momentum_by_epoch(run.epoch)
                objective.start_epoch(run.module, run.epoch, plan.epochs)
                train_terms = self._train_epoch(run, objective, step_module, specs, train,
                                                device, amp, bar, plan)
                train_terms.update(objective.end_epoch(run.module))  # e.g. codebook usage
                val_loss = self._validate(run, objective, specs, val, device, amp, plan)
                run.end_epoch(train_terms, val_loss, time.perf_counter() - start, cfg)
                history.append(run.history[-1])
                bar.set_postfix(loss=f"{train_terms['loss']:.4g}",
                                val=f"{val_loss:.4g}" if val_loss is not None else "-")
                last = (run.epoch == plan.epochs or run.step >= plan.total_steps
                        or run.stopped_early)
                if cfg.checkpoint_dir and (run.epoch % cfg.checkpoint_every == 0 or last):
                    self._checkpoint(run, world)
        finally:
            bar.close()
            history.close()
        run.restore_best()

    def _checkpoint(self, run: Run, world) -> None:
        noise = D.all_gather_states(run.noise_gen.get_state(), world)  # every process joins
        if world.is_main:
            save_checkpoint(self.config.checkpoint_dir, run.epoch, run.state(noise))
        D.barrier(world)

    def _train_epoch(self, run: Run, objective, step_module, specs, train, device, amp, bar,
                     plan: _Plan) -> dict[str, float]:
        world = run.world
        run.module.train()
        sums: dict[str, torch.Tensor] = {}
        rows: dict[str, int] = {}  # per term: an optimizer may skip steps
        for batch in train.epoch(self.config.batch_size, run.order_gen, world.shard):
            if run.step >= plan.total_steps:
                break
            # Each process's loss is a mean over its rows; DDP averages gradients over the
            # processes, so weighting by the share of the global batch gives the gradient
            # of the global batch's mean (exact also when the parts differ by a row).
            weight = batch.n_local * world.size / batch.n_global
            for spec, optimizer in zip(specs, run.optimizers):
                info = StepInfo(run.step, run.epoch, plan.steps_per_epoch, plan.total_steps,
                                spec.name, run.noise_gen)
                with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                    out = step_module(batch.data, info)
                for opt in run.optimizers:
                    opt.zero_grad(set_to_none=True)
                total, terms, reported, skipped = out
                if skipped:  # this optimizer sits this step out (alike on every process)
                    if world.size > 1:  # DDP expects the backward of its forward: a zero one
                        total.backward()
                    continue
                (total * weight if weight != 1 else total).backward()
                if spec.clip_grad_norm is not None:
                    torch.nn.utils.clip_grad_norm_(
                        [p for group in optimizer.param_groups for p in group["params"]],
                        spec.clip_grad_norm)
                optimizer.step()
                prefix = "" if spec is specs[0] else f"{spec.name}_"
                logged = reported if reported is not None else total
                # Summed as tensors: no GPU sync per step, one .item() per epoch.
                for key, value in {f"{prefix}loss": logged.detach(), **{prefix + k: v for k, v in terms.items()}}.items():
                    sums[key] = sums.get(key, 0) + value.float() * batch.n_local
                    rows[key] = rows.get(key, 0) + batch.n_local
            run.step += 1
            bar.update()
        if "loss" not in sums:
            raise TrainingError(f"the objective gave no loss for {specs[0].name!r} in epoch "
                                f"{run.epoch + 1}: it returned None at every step")
        return _mean_over_processes(sums, rows, world)

    def _validate(self, run: Run, objective, specs, val, device, amp, plan: _Plan) -> float | None:
        if val is None:
            return None
        world = run.world
        run.module.eval()
        # A fixed noise seed makes the validation loss comparable from epoch to epoch.
        gen = torch.Generator(device).manual_seed(self.config.seed + 3 + 1000 * world.rank)
        info = StepInfo(run.step, run.epoch, plan.steps_per_epoch, plan.total_steps,
                        specs[0].name, gen, training=False)
        total, rows = torch.zeros((), dtype=torch.float64, device=device), 0
        with torch.set_grad_enabled(objective.needs_input_grad):
            for batch in val.in_order(world.shard):
                with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                    terms = objective(run.module, batch.data, info)
                if terms is None:
                    continue
                value = terms.reported if terms.reported is not None else terms.total
                total += value.detach().double() * batch.n_local
                rows += batch.n_local
        summed = D.all_sum(torch.stack([total.cpu(), torch.tensor(float(rows), dtype=torch.float64)]), world)
        return float(summed[0] / summed[1]) if summed[1] > 0 else None


def _mean_over_processes(sums: dict[str, torch.Tensor], rows: dict[str, int], world) -> dict[str, float]:
    keys = list(sums)
    values = torch.stack([sums[k].double().cpu() for k in keys]
                         + [torch.tensor(float(rows[k]), dtype=torch.float64) for k in keys])
    values = D.all_sum(values, world)
    n = len(keys)
    return {key: float(values[i]) / (float(values[n + i]) or 1.0) for i, key in enumerate(keys)}


def show_progress(verbose: bool | str) -> bool:
    if verbose == "auto":
        return sys.stderr.isatty()
    return bool(verbose)
