"""Training objectives: reconstruction plus the optional de-noising, contractive and
sparse terms. Each returns named terms so the trainer can log them separately."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F

from aekit.nn.augment import random_flip, random_shift
from aekit.nn.autoencoder import AEOutput, AutoEncoderModule
from aekit.nn.corruption import corrupt
from aekit.nn.masking import mask_values, masked_terms
from aekit.registry import RECONSTRUCTION_LOSSES


class LossTerms(NamedTuple):
    total: torch.Tensor  # scalar that is back-propagated
    terms: dict[str, torch.Tensor]  # named scalars, detached, for logging
    # the number logged and monitored as the loss when ``total`` is only a surrogate
    # whose gradient is the update (the RBM's contrastive divergence); None: ``total``
    reported: torch.Tensor | None = None


class BaseObjective:
    """Do-nothing defaults for the optional parts of :class:`aekit.train.protocol.Objective`.

    Subclasses implement ``__call__(module, batch, info) -> LossTerms``; ``info`` is the
    trainer's :class:`~aekit.train.protocol.StepInfo` (``info.generator`` for noise,
    ``info.step`` and ``info.progress`` for schedules, ``info.optimizer`` for objectives
    with several optimizers).
    """

    needs_input_grad = False

    def __call__(self, module, batch, info) -> LossTerms | None:
        raise NotImplementedError

    def optimizers(self, module):
        return None  # one Adam over every parameter, as the config says

    def start_epoch(self, module, epoch: int, total_epochs: int) -> None:
        pass

    def end_epoch(self, module) -> dict[str, float]:
        return {}


# Reconstruction losses give one error per value (the objective averages them: over
# everything, or over the masked and the visible values separately).
@RECONSTRUCTION_LOSSES.register("mse")
def mse(out: AEOutput, target: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(out.x_hat.float(), target.float(), reduction="none")


@RECONSTRUCTION_LOSSES.register("bce")
def bce(out: AEOutput, target: torch.Tensor) -> torch.Tensor:
    # From logits: stable, and fine under bf16 autocast where plain BCE is not allowed.
    return F.binary_cross_entropy_with_logits(out.logits.float(), target.float(),
                                              reduction="none")


def contractive_penalty(encoder: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Squared Frobenius norm of d code / d x, averaged over the batch (Rifai et al. 2011).

    Exact: one vector-Jacobian product per code unit, batched with vmap. Samples must
    be independent in the encoder (no batch norm), which holds for aekit's encoders.
    """
    x = x.detach().requires_grad_(True)
    code = encoder(x)
    n_code = code.shape[1]
    basis = torch.eye(n_code, device=x.device, dtype=code.dtype)
    basis = basis[:, None, :].expand(n_code, *code.shape)  # (code, N, code)
    (rows,) = torch.autograd.grad(code, x, basis, create_graph=True, is_grads_batched=True)
    return rows.float().pow(2).sum() / x.shape[0]


@dataclass
class ReconstructionObjective(BaseObjective):
    """The loss of a deterministic auto-encoder.

    reconstruction: ``"mse"`` or ``"bce"``; noise: ``None``, ``"gaussian"``, ``"masking"``
    or ``"salt_pepper"`` applied to the input only; contractive and sparsity: weights of
    the Jacobian penalty and of the L1 penalty on the code (0 turns them off).

    ``"masking"`` is mask-and-predict (BERT's objective, :mod:`aekit.nn.masking`): a
    fraction ``noise_level`` of the values is hidden (set to 0) and the loss is the mean
    error on the hidden values plus the mean error on the visible ones, so predicting
    what was hidden weighs as much as rebuilding what was seen, whatever the fraction.
    """

    reconstruction: str = "mse"
    noise: str | None = None
    noise_level: float = 0.0
    contractive: float = 0.0
    sparsity: float = 0.0
    shift: int = 0  # training images move by up to this many pixels (augmentation)
    flip: bool = False  # and half of them are mirrored

    # The trainer calls these around each training epoch: the bottleneck anneals its
    # temperature, counts code use and restarts dead codes.
    def start_epoch(self, module: AutoEncoderModule, epoch: int, total_epochs: int) -> None:
        module.bottleneck.start_epoch(epoch, total_epochs)

    def end_epoch(self, module: AutoEncoderModule) -> dict[str, float]:
        return module.bottleneck.end_epoch()

    @property
    def needs_input_grad(self) -> bool:
        """The contractive term differentiates the code, so validation needs autograd."""
        return bool(self.contractive)

    def __call__(self, module: AutoEncoderModule, x: torch.Tensor, info) -> LossTerms:
        generator = info.generator
        loss = RECONSTRUCTION_LOSSES.get(self.reconstruction)
        if info.training:
            x = random_shift(x, self.shift, generator)
            x = random_flip(x, generator) if self.flip else x
        if self.noise == "masking" and self.noise_level:
            noisy, hidden = mask_values(x, self.noise_level, generator)
            out = module(noisy, generator)
            terms = masked_terms(loss(out, x), hidden, ~hidden)
            recon = terms["masked"] + terms["visible"]
        else:
            noisy = corrupt(x, self.noise, self.noise_level, generator)
            out = module(noisy, generator)
            recon = loss(out, x).mean()
            terms = {}
        terms["reconstruction"] = recon
        total = recon
        if self.contractive:
            terms["contractive"] = contractive_penalty(module.encoder, noisy)
            total = total + self.contractive * terms["contractive"]
        if self.sparsity:
            terms["sparsity"] = out.code.float().abs().mean()
            total = total + self.sparsity * terms["sparsity"]
        if out.bottleneck_loss is not None:
            terms["bottleneck"] = out.bottleneck_loss
            total = total + out.bottleneck_loss
        return LossTerms(total, {k: v.detach() for k, v in terms.items()})
