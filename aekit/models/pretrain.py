"""Greedy layer-wise pre-training of a fully-connected auto-encoder, then unrolling.

Each layer ``sizes[i] -> sizes[i + 1]`` of the encoder is trained alone on the codes of
the layers below it, and its weights are copied into the encoder and into the mirrored
decoder layer; the existing trainer then fine-tunes the whole net end to end.

- ``"rbm"`` (Hinton & Salakhutdinov, Science 2006): a stack of RBMs trained by CD-1 with
  momentum and weight decay, run by the shared trainer (:class:`ContrastiveDivergence`). The first RBM's visible units are Bernoulli when the scaled
  data lie in [0, 1], else Gaussian with unit variance; the hidden units are Bernoulli
  except the top RBM's, which are Gaussian (the linear code layer). The decoder layers are
  the transposed weights with the visible biases.
- ``"dae"`` (Vincent et al., JMLR 2010): each layer is a one-hidden-layer de-noising
  auto-encoder on the (clean) codes of the layer below; its encoder and (untied) decoder
  weights go into the unrolled net.

Randomness comes from local generators seeded from ``seed``: the global random state is
left alone.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass
from typing import Callable, NamedTuple

import torch
from torch import nn

from aekit.base import seeded_init
from aekit.nn import AutoEncoderModule, LossTerms, ReconstructionObjective
from aekit.nn.activations import make_activation
from aekit.nn.objective import BaseObjective
from aekit.nn.rbm import RBM
from aekit.registry import PRETRAINERS
from aekit.train import OptimizerSpec, TrainConfig, Trainer
from aekit.train.device import fits_on_device

logger = logging.getLogger(__name__)

_BATCH = 4096  # rows per pass when computing codes for the next layer


@dataclass(frozen=True)
class PretrainSettings:
    """What a pre-trainer needs from the estimator."""

    epochs: int  # per layer
    batch_size: int
    device: torch.device
    seed: int
    verbose: bool | str = "auto"
    activation: str = "sigmoid"  # of the hidden layers of the net being unrolled into
    output: str = "identity"  # the net's output activation ("identity" or "sigmoid")
    objective: str = "mse"  # the net's reconstruction loss (first DAE layer)
    learning_rate: float = 1e-3  # Adam, DAE layers
    lr_schedule: str = "cosine"
    mixed_precision: str = "auto"
    noise: str = "masking"  # DAE corruption of each layer's input
    noise_level: float = 0.2
    unit_range: bool = True  # the scaled data lie in [0, 1] (RBM: Bernoulli visible units)


@dataclass(frozen=True)
class RBMSchedule:
    """CD-1 settings of Hinton & Salakhutdinov's code (rbm.m, rbmhidlinear.m)."""

    learning_rate: float = 0.1  # layers with Bernoulli units on both sides
    # Layers with Gaussian visible or hidden units: the paper's 0.001 is sized for ~30,000
    # updates per layer (50 epochs of 60,000 images); 0.01 learns in the ~1,000 updates
    # of 10 epochs on 8,000 and is still stable (0.1 is not, on standardized digits).
    gaussian_learning_rate: float = 0.01
    weight_cost: float = 2e-4  # L2 on the weights, not on the biases
    initial_momentum: float = 0.5
    final_momentum: float = 0.9
    momentum_switch: int = 5  # epochs at the initial momentum


class StackLayer(NamedTuple):
    """One pre-trained layer, in ``nn.Linear`` layout, ready to copy into the net."""

    encode_weight: torch.Tensor  # (n_out, n_in)
    encode_bias: torch.Tensor  # (n_out,)
    decode_weight: torch.Tensor  # (n_in, n_out)
    decode_bias: torch.Tensor  # (n_in,)


@dataclass(frozen=True)
class Pretrainer:
    """A registered kind of pre-training and what it asks of the net it unrolls into."""

    fit: Callable[[list[int], torch.Tensor, PretrainSettings], tuple[list[StackLayer], list[dict]]]
    activation: str | None  # the one hidden activation its weights fit, or None for any
    reason: str  # why, for the error message
    logistic_output: bool  # on data in [0, 1] the unrolled output layer is a sigmoid


def linear_layers(module: nn.Module) -> list[nn.Linear]:
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


@torch.no_grad()
def unroll(module: AutoEncoderModule, layers: list[StackLayer]) -> None:
    """Copy the stack into the encoder's linear layers and, mirrored, the decoder's."""
    encoder, decoder = linear_layers(module.encoder), linear_layers(module.decoder)
    assert len(encoder) == len(decoder) == len(layers), "the stack must match the MLP's depth"
    for layer, enc, dec in zip(layers, encoder, reversed(decoder)):
        enc.weight.copy_(layer.encode_weight)
        enc.bias.copy_(layer.encode_bias)
        dec.weight.copy_(layer.decode_weight)
        dec.bias.copy_(layer.decode_bias)


@torch.no_grad()
def _map(fn: Callable[[torch.Tensor], torch.Tensor], X: torch.Tensor,
         device: torch.device) -> torch.Tensor:
    """``fn`` over ``X`` in batches; the result stays where ``X`` is."""
    return torch.cat([fn(X[i:i + _BATCH].to(device)).to(X.device) for i in range(0, len(X), _BATCH)])


def _on_device(X: torch.Tensor, device: torch.device) -> torch.Tensor:
    return X.to(device) if fits_on_device(X.element_size() * X.nelement(), device) else X


def _log_layer(kind: str, row: dict) -> None:
    logger.info("pre-training (%s) layer %d: %d -> %d, %d epochs, reconstruction error %.5g "
                "(mean squared, per value), %.1f s", kind, row["layer"], row["n_in"], row["n_out"],
                row["epochs"], row["reconstruction_error"], row["seconds"])


# RBM stack ---------------------------------------------------------------------------------
class ContrastiveDivergence(BaseObjective):
    """CD-1 as an objective for the shared trainer.

    Contrastive divergence is not the gradient of a loss, so the objective returns a
    surrogate whose gradient *is* the CD estimate: ``-(W * dW + b * db + c * dc)`` summed,
    with the statistics detached, has gradient ``-dW`` (and so on), the descent direction
    SGD then follows, exactly as setting ``.grad = -dW`` would. The number logged is the
    one-step reconstruction error. The optimizer is the paper's: SGD with momentum 0.5 for
    the first epochs, then 0.9, weight decay on the weights only, a constant rate.
    """

    def __init__(self, schedule: "RBMSchedule"):
        self.schedule = schedule

    def optimizers(self, rbm: RBM):
        gaussian = "gaussian" in (rbm.visible, rbm.hidden)
        s = self.schedule
        return [OptimizerSpec(
            "cd", algorithm="sgd", lr_schedule="constant",
            learning_rate=s.gaussian_learning_rate if gaussian else s.learning_rate,
            params=[{"params": [rbm.weight], "weight_decay": s.weight_cost},
                    {"params": [rbm.visible_bias, rbm.hidden_bias], "weight_decay": 0.0}],
            momentum=s.initial_momentum,
            momentum_by_epoch=lambda epoch: s.final_momentum if epoch >= s.momentum_switch
            else s.initial_momentum)]

    def __call__(self, rbm: RBM, v0: torch.Tensor, info) -> LossTerms:
        stats = rbm.contrastive_divergence(v0, info.generator)
        # CD estimates the ascent direction; the surrogate's gradient is its negative.
        surrogate = -((rbm.weight * stats.weight).sum() + (rbm.visible_bias * stats.visible_bias).sum()
                      + (rbm.hidden_bias * stats.hidden_bias).sum())
        error = ((v0 - stats.reconstruction) ** 2).mean()
        return LossTerms(surrogate, {"reconstruction": error.detach()}, reported=error.detach())


def train_rbm(rbm: RBM, X: torch.Tensor, epochs: int, batch_size: int, seed: int,
              schedule: RBMSchedule = RBMSchedule(), device: str = "auto",
              verbose: bool | str = False) -> list[float]:
    """Fit ``rbm`` to ``X`` by CD-1 with the shared trainer; returns the mean squared
    one-step reconstruction error of each epoch."""
    config = TrainConfig(epochs=epochs, batch_size=batch_size, validation_fraction=0.0,
                         patience=None, keep_best=False, device=device, mixed_precision="no",
                         verbose=verbose, seed=seed)
    result = Trainer(config).fit(rbm, ContrastiveDivergence(schedule), X)
    return [row["train_loss"] for row in result.history]


def _unit_kinds(i: int, n_layers: int, unit_range: bool) -> tuple[str, str]:
    visible = "bernoulli" if i > 0 or unit_range else "gaussian"
    hidden = "gaussian" if i == n_layers - 1 else "bernoulli"  # the code layer is linear
    return visible, hidden


def pretrain_rbm(sizes: list[int], X: torch.Tensor, settings: PretrainSettings):
    """Greedy RBM stack for the layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``."""
    device, n_layers = settings.device, len(sizes) - 1
    layers, history = [], []
    H = _on_device(X, device)
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        start = time.perf_counter()
        init = torch.Generator().manual_seed(settings.seed + 200 + i)
        visible, hidden = _unit_kinds(i, n_layers, settings.unit_range)
        rbm = RBM(n_in, n_out, visible, hidden, generator=init).to(device)
        errors = train_rbm(rbm, H, settings.epochs, settings.batch_size, settings.seed + 100 + i,
                           device=str(device), verbose=settings.verbose)
        w = rbm.weight.detach()
        layers.append(StackLayer(w.clone(), rbm.hidden_bias.detach().clone(),
                                 w.T.clone(), rbm.visible_bias.detach().clone()))
        row = {"layer": i + 1, "kind": "rbm", "n_in": n_in, "n_out": n_out, "visible": visible,
               "hidden": hidden, "epochs": settings.epochs, "reconstruction_error": errors[-1],
               "error_by_epoch": errors, "seconds": round(time.perf_counter() - start, 3)}
        history.append(row)
        _log_layer("rbm", row)
        # The next RBM sees this one's hidden probabilities, as in the paper's code.
        H = _map(rbm.hidden_mean, H, device)
    return layers, history


# Stacked de-noising auto-encoders ------------------------------------------------------------
def _dae_layer(n_in: int, n_out: int, first: bool, top: bool, settings: PretrainSettings,
               seed: int) -> AutoEncoderModule:
    """A one-hidden-layer auto-encoder shaped like the unrolled net's layer pair: the
    encoder's activation is absent on the code layer, the decoder's on the output layer."""
    with seeded_init(seed):
        act = make_activation(settings.activation)
        encoder = nn.Sequential(nn.Linear(n_in, n_out), *([] if top else [act]))
        decoder = nn.Sequential(nn.Linear(n_out, n_in), *([] if first else [copy.deepcopy(act)]))
    return AutoEncoderModule(encoder, decoder, settings.output if first else "identity")


def pretrain_dae(sizes: list[int], X: torch.Tensor, settings: PretrainSettings):
    """Greedy stack of de-noising auto-encoders, each fitted by the shared trainer."""
    device, n_layers = settings.device, len(sizes) - 1
    layers, history = [], []
    H = X
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        start = time.perf_counter()
        seed = settings.seed + 100 + i
        module = _dae_layer(n_in, n_out, i == 0, i == n_layers - 1, settings, seed).to(device)
        objective = ReconstructionObjective(settings.objective if i == 0 else "mse",
                                            settings.noise, settings.noise_level)
        config = TrainConfig(epochs=settings.epochs, batch_size=settings.batch_size,
                             learning_rate=settings.learning_rate, lr_schedule=settings.lr_schedule,
                             validation_fraction=0.0, patience=None, device=str(device),
                             mixed_precision=settings.mixed_precision, verbose=settings.verbose,
                             seed=seed)
        Trainer(config).fit(module, objective, H)
        module.eval()
        error = _map(lambda b: ((module(b).x_hat - b) ** 2).sum(dim=1), H, device)
        enc, dec = linear_layers(module.encoder)[0], linear_layers(module.decoder)[0]
        weights = (enc.weight, enc.bias, dec.weight, dec.bias)
        layers.append(StackLayer(*(t.detach().clone() for t in weights)))
        row = {"layer": i + 1, "kind": "dae", "n_in": n_in, "n_out": n_out,
               "noise": f"{settings.noise} {settings.noise_level:g}", "epochs": settings.epochs,
               "reconstruction_error": float(error.sum()) / H.numel(),
               "seconds": round(time.perf_counter() - start, 3)}
        history.append(row)
        _log_layer("dae", row)
        H = _map(module.encode, H, device)  # clean codes feed the next layer
    return layers, history


PRETRAINERS.register("rbm")(Pretrainer(
    pretrain_rbm, activation="sigmoid", logistic_output=True,
    reason="RBM hidden units are logistic, so their weights fit only a sigmoid net"))
PRETRAINERS.register("dae")(Pretrainer(
    pretrain_dae, activation=None, logistic_output=False, reason="any activation works"))


def pretrain_and_unroll(kind: str, module: AutoEncoderModule, sizes: list[int], X: torch.Tensor,
                        settings: PretrainSettings) -> list[dict]:
    """Pre-train a stack of the named kind on ``X`` (N, sizes[0]) and unroll it into
    ``module``; returns one history row per layer."""
    layers, history = PRETRAINERS.get(kind).fit(list(sizes), X, settings)
    unroll(module, [StackLayer(*(t.to(next(module.parameters()).device) for t in layer))
                    for layer in layers])
    return history


__all__ = ["PRETRAINERS", "PretrainSettings", "Pretrainer", "RBMSchedule", "StackLayer",
           "pretrain_and_unroll", "pretrain_dae", "pretrain_rbm", "train_rbm", "unroll"]
