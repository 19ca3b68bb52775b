"""The variational auto-encoder's parts: a Gaussian code, decoder likelihoods, the KL to
the prior, the training objective and the importance weights of Burda et al.'s bound.

Pure torch. Every log-density here is in nats and summed over a sample's features, so a
value is "per sample", the unit the literature reports (e.g. 86.76 nats on MNIST).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from aekit.nn.objective import BaseObjective, LossTerms
from aekit.registry import LIKELIHOODS

LOG_2PI = math.log(2 * math.pi)


@LIKELIHOODS.register("bernoulli")
class BernoulliLikelihood(nn.Module):
    """p(x | z) = prod Bernoulli(x_i; sigmoid(logit_i)), for binary (or [0, 1]) data."""

    def __init__(self, sample_shape: tuple[int, ...]):
        super().__init__()

    def log_prob(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """(N, ...) decoder logits and data -> (N,) log p(x | z)."""
        # x log s(l) + (1 - x) log(1 - s(l)) = x l - softplus(l): stable, and one pass
        # cheaper than binary_cross_entropy_with_logits (this dominates log_likelihood).
        logits = params.float().flatten(1)
        return (x.float().flatten(1) * logits).sum(1) - F.softplus(logits).sum(1)

    def mean(self, params: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(params)


@LIKELIHOODS.register("gaussian")
class GaussianLikelihood(nn.Module):
    """p(x | z) = prod Normal(x_i; mu_i(z), sigma_i^2) with sigma learned per feature
    (shared by all samples, as in Rybkin et al.'s calibrated decoders) and floored at
    ``MIN_SCALE`` so constant features (black borders) cannot drive the density to infinity.
    """

    MIN_SCALE = 1e-2  # in the scaled units the network sees

    def __init__(self, sample_shape: tuple[int, ...]):
        super().__init__()
        self.raw_log_scale = nn.Parameter(torch.zeros(sample_shape))

    def log_scale(self) -> torch.Tensor:
        floor = math.log(self.MIN_SCALE)
        return floor + F.softplus(self.raw_log_scale - floor)  # smooth max(floor, raw)

    def log_prob(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        log_scale = self.log_scale()
        z = (x.float() - params.float()) * torch.exp(-log_scale)
        density = -0.5 * z.pow(2) - log_scale - 0.5 * LOG_2PI
        return density.flatten(1).sum(1)

    def mean(self, params: torch.Tensor) -> torch.Tensor:
        return params


class VAEOutput(NamedTuple):
    """What :class:`VAEModule` returns; the same fields whatever the settings."""

    mean: torch.Tensor  # (N, code) posterior mean
    log_var: torch.Tensor  # (N, code) posterior log-variance
    code: torch.Tensor  # (N, code) a reparameterised sample z ~ q(z | x)
    params: torch.Tensor  # decoder output for z, the input's shape (logits or means)


def gaussian_kl(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(log_var)) || N(0, I)) per code dimension, (N, code), in nats."""
    return 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var)


class VAEModule(nn.Module):
    """``x -> encoder -> (mean, log_var) -> z -> decoder -> likelihood parameters``.

    The encoder maps a batch to (N, 2 * code_size): means then log-variances. The decoder
    maps codes (N, code_size) to the likelihood's parameters in the input's shape.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, likelihood: nn.Module,
                 code_size: int):
        super().__init__()
        self.encoder, self.decoder, self.likelihood = encoder, decoder, likelihood
        self.code_size = code_size

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        stats = self.encoder(x).float()
        if stats.shape[-1] != 2 * self.code_size:
            raise ValueError(f"the encoder must output 2 * code_size = {2 * self.code_size} "
                             f"values per sample (means, log-variances), got {stats.shape[-1]}")
        mean, log_var = stats.chunk(2, dim=-1)
        return mean, log_var.clamp(-30.0, 20.0)  # exp() stays finite in float32

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """The likelihood's mean for each code: pixel probabilities or Gaussian means."""
        return self.likelihood.mean(self.decoder(code))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> VAEOutput:
        mean, log_var = self.posterior(x)
        eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
        code = mean + torch.exp(0.5 * log_var) * eps
        return VAEOutput(mean, log_var, code, self.decoder(code))

    def log_weights(self, x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor,
                    eps: torch.Tensor) -> torch.Tensor:
        """log p(x, z) - log q(z | x) at z = mean + std * eps: (S, N) for eps of (S, N, code).

        ``mean`` and ``log_var`` are ``posterior(x)``, passed in so a caller drawing many
        chunks of samples encodes each batch once; ``eps`` may be an expanded view.
        """
        n_samples, n, d = eps.shape
        z = mean + torch.exp(0.5 * log_var) * eps  # (S, N, d)
        params = self.decoder(z.reshape(n_samples * n, d))  # (S*N, ...)
        x_rep = x.unsqueeze(0).expand(n_samples, *x.shape).reshape(n_samples * n, *x.shape[1:])
        log_px = self.likelihood.log_prob(params, x_rep).view(n_samples, n)
        return log_px + log_prior_ratio(z, eps, log_var)


def log_prior_ratio(z: torch.Tensor, eps: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """log p(z) - log q(z | x) for z = mean + exp(log_var / 2) * eps, summed over the code."""
    return (-0.5 * z.pow(2) + 0.5 * eps.pow(2) + 0.5 * log_var).sum(-1)


@dataclass
class VAEObjective(BaseObjective):
    """The negative ELBO (or, with ``iw_samples > 1``, the negative IWAE bound), per sample.

    beta: weight of the KL term (beta-VAE); warmup_epochs: the KL weight rises linearly from
    0 to beta over this many epochs' worth of training steps (0: no warm-up; the trainer
    passes the step number, so a resumed run goes on where it was); free_bits: nats per code
    dimension below which the KL is not pushed down (Kingma et al. 2016), batch-averaged;
    binarize: draw binary pixels from the [0, 1] intensities at every step (dynamic
    binarization). In eval mode (validation) the loss is the plain objective with the full
    beta, so validation losses compare across epochs while the weight warms up.
    """

    beta: float = 1.0
    warmup_epochs: int = 0
    free_bits: float = 0.0
    binarize: bool = False
    iw_samples: int = 1
    needs_input_grad = False

    def kl_weight(self, info) -> float:
        if not info.training or self.warmup_epochs <= 0:
            return self.beta
        warmup_steps = self.warmup_epochs * info.steps_per_epoch
        return self.beta * min(1.0, (info.step + 1) / warmup_steps)

    def __call__(self, module: VAEModule, x: torch.Tensor, info) -> LossTerms:
        generator = info.generator
        if self.binarize:
            x = torch.bernoulli(x.float().clamp(0, 1), generator=generator)
        weight = self.kl_weight(info)
        if self.iw_samples > 1:
            total, terms = self._iwae(module, x, weight, generator)
        else:
            total, terms = self._elbo(module, x, weight, generator)
        return LossTerms(total, {"kl_weight": torch.tensor(weight), **terms})

    def _elbo(self, module, x, weight, generator):
        out = module(x, generator)
        reconstruction = -module.likelihood.log_prob(out.params, x).mean()
        kl_per_dim = gaussian_kl(out.mean, out.log_var).mean(0)  # (code,), batch-averaged
        kl = kl_per_dim.sum()
        penalty = kl
        if self.free_bits > 0 and module.training:
            penalty = kl_per_dim.clamp(min=self.free_bits).sum()
        total = reconstruction + weight * penalty
        return total, {"reconstruction": reconstruction.detach(), "kl": kl.detach()}

    def _iwae(self, module, x, weight, generator):
        # Burda et al.: log-weights with the prior/posterior ratio scaled by the KL weight.
        mean, log_var = module.posterior(x)
        n, d = mean.shape
        s = self.iw_samples
        eps = torch.randn((s, n, d), generator=generator, device=mean.device, dtype=mean.dtype)
        z = mean + torch.exp(0.5 * log_var) * eps  # (S, N, d)
        params = module.decoder(z.reshape(s * n, d))
        x_rep = x.unsqueeze(0).expand(s, *x.shape).reshape(s * n, *x.shape[1:])
        log_px = module.likelihood.log_prob(params, x_rep).view(s, n)
        log_ratio = log_prior_ratio(z, eps, log_var)
        bound = torch.logsumexp(log_px + weight * log_ratio, 0) - math.log(s)
        return -bound.mean(), {"reconstruction": -log_px.mean().detach(),
                               "kl": -log_ratio.mean().detach()}
