"""What sits between encoder and decoder: the code itself, continuous or discrete.

- ``continuous``: the encoder's output as is.
- ``binary``: bits, by a stochastic binary unit with the straight-through gradient during
  training (Bengio et al. 2013) and a threshold at zero afterwards. Codes are 0.0 / 1.0.
- ``onehot``: one of K clusters, by the Gumbel-softmax relaxation (Jang et al. 2017) with
  a temperature annealed geometrically over training, and a one-hot argmax afterwards.
- ``vq``: the nearest of K codebook vectors (VQ-VAE, van den Oord et al. 2017), with the
  straight-through gradient, a commitment loss, exponential-moving-average codebook
  updates and restarts of codes that went unused for a whole epoch.

Every bottleneck returns the code the decoder sees, an extra loss (or None) and the ids
of the chosen codes (or None), and keeps per-epoch statistics so a collapsed code shows
up in the training history. K-means initialisation of the codebook needs the data and a
k-means library, so it is done by the estimator through :meth:`VQBottleneck.set_codebook`.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from aekit.nn.state import TrainingState
from aekit.registry import BOTTLENECKS



class BottleneckOutput(NamedTuple):
    code: torch.Tensor  # (N, code_size): what the decoder receives
    loss: torch.Tensor | None  # extra training loss (commitment, cluster balance)
    indices: torch.Tensor | None  # (N,) or (N, groups): chosen code ids


class Bottleneck(nn.Module):
    """The continuous code: identity. Subclasses make the code discrete."""

    discrete_ids = False  # True when the code is one of K choices (predict gives ids)

    def forward(self, h: torch.Tensor, generator: torch.Generator | None = None) -> BottleneckOutput:
        return BottleneckOutput(h, None, None)

    def start_epoch(self, epoch: int, total_epochs: int) -> None:
        """Called by the trainer before each training epoch (0-based)."""

    def end_epoch(self) -> dict[str, float]:
        """Called after each training epoch; returns statistics for the history."""
        return {}


BOTTLENECKS.register("continuous")(Bottleneck)


class _StraightThrough(torch.autograd.Function):
    """Forward: the discrete value exactly. Backward: the gradient goes to the continuous
    value as if the discretisation were the identity (Bengio et al. 2013)."""

    @staticmethod
    def forward(ctx, discrete: torch.Tensor, continuous: torch.Tensor) -> torch.Tensor:
        return discrete.clone()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return None, grad


def straight_through(discrete: torch.Tensor, continuous: torch.Tensor) -> torch.Tensor:
    return _StraightThrough.apply(discrete.detach(), continuous)


def _uniform(shape, like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    # Float32 on the generator's device, so a seeded run repeats exactly; never rounded
    # to bf16 under autocast (a bf16 uniform is exactly 1.0 about 0.2 % of the time).
    device = generator.device if generator is not None else like.device
    return torch.rand(shape, generator=generator, device=device).to(like.device)


class _UsageCounter(nn.Module):
    """Counts how often each of K codes is chosen during a training epoch."""

    def __init__(self, size: int):
        super().__init__()
        self.register_buffer("counts", torch.zeros(size), persistent=False)

    def reset(self) -> None:
        self.counts.zero_()

    def add(self, indices: torch.Tensor) -> None:
        self.counts += torch.bincount(indices.reshape(-1), minlength=self.counts.numel())

    def stats(self) -> dict[str, float]:
        return usage_stats(self.counts)


def usage_stats(counts: torch.Tensor) -> dict[str, float]:
    """Share of codes used at least once and the perplexity exp(entropy) of their use:
    K for perfectly even use, 1 for a collapsed code."""
    total = float(counts.sum())
    if total == 0:
        return {"usage": 0.0, "perplexity": 0.0}
    p = counts.float() / total
    entropy = -(p[p > 0] * p[p > 0].log()).sum()
    return {"usage": float((counts > 0).float().mean()), "perplexity": float(entropy.exp())}


@BOTTLENECKS.register("binary")
class BinaryBottleneck(Bottleneck):
    """Bits: during training each bit is drawn from Bernoulli(sigmoid(h)) and the gradient
    passes straight through the draw to the probability; afterwards bit = [h > 0]."""

    def __init__(self, size: int, **_):
        super().__init__()
        self.register_buffer("ones", torch.zeros(size), persistent=False)
        self.register_buffer("seen", torch.zeros(()), persistent=False)

    def forward(self, h, generator=None):
        if not self.training:
            return BottleneckOutput((h > 0).to(h.dtype), None, None)
        p = torch.sigmoid(h)
        bits = (_uniform(p.shape, p, generator) < p.float()).to(p.dtype)
        with torch.no_grad():
            self.ones += bits.float().sum(0)
            self.seen += bits.shape[0]
        return BottleneckOutput(straight_through(bits, p), None, None)

    def start_epoch(self, epoch, total_epochs):
        self.ones.zero_()
        self.seen.zero_()

    def end_epoch(self):
        if float(self.seen) == 0:
            return {}
        # Mean entropy of a bit, in bits: 1 when each bit splits the data in half, 0 for
        # bits stuck at one value (wasted hash length).
        q = (self.ones / self.seen).clamp(1e-6, 1 - 1e-6)
        entropy = -(q * q.log2() + (1 - q) * (1 - q).log2())
        return {"bit_entropy": float(entropy.mean())}


@BOTTLENECKS.register("onehot")
class OneHotBottleneck(Bottleneck):
    """One of ``size`` clusters. Training uses the Gumbel-softmax sample at temperature
    tau, annealed from ``temperature[0]`` to ``temperature[1]``; a balance term (the KL
    divergence of the batch's mean assignment from uniform, times ``balance``) keeps all
    clusters in use. Afterwards the code is the one-hot argmax.

    The balance weight is small on purpose: a large one is met by making every sample's
    assignment uniform, which is balanced but carries no information (seen on MNIST:
    weight 1 collapsed to the mean image, 0.1 left clusters half-used, 0.01 kept all ten
    in use, and 0 let two clusters take everything)."""

    discrete_ids = True

    def __init__(self, size: int, temperature=(1.0, 0.1), balance: float = 0.01, **_):
        super().__init__()
        self.size = size
        self.temperatures = (float(temperature[0]), float(temperature[1]))
        self.balance = balance
        self.tau = self.temperatures[1]  # the final temperature unless training sets it
        self.usage = _UsageCounter(size)

    def forward(self, h, generator=None):
        ids = h.argmax(dim=1)
        if not self.training:
            return BottleneckOutput(F.one_hot(ids, self.size).to(h.dtype), None, ids)
        u = _uniform(h.shape, h, generator).clamp(1e-10, 1 - 1e-7)
        gumbel = -torch.log(-torch.log(u))
        code = torch.softmax((h.float() + gumbel) / self.tau, dim=1)
        mean_assignment = torch.softmax(h.float(), dim=1).mean(0)
        balance = (mean_assignment * (mean_assignment * self.size).clamp_min(1e-12).log()).sum()
        with torch.no_grad():
            self.usage.add(ids)
        return BottleneckOutput(code.to(h.dtype), self.balance * balance, ids)

    def start_epoch(self, epoch, total_epochs):
        start, end = self.temperatures
        progress = epoch / max(total_epochs - 1, 1)
        self.tau = start * (end / start) ** min(progress, 1.0)
        self.usage.reset()

    def end_epoch(self):
        return {**self.usage.stats(), "temperature": self.tau}


@BOTTLENECKS.register("vq")
class VQBottleneck(TrainingState, Bottleneck):
    """The code is cut into ``size // dim`` vectors of length ``dim``; each is replaced by
    its nearest codebook vector. The codebook follows exponential moving averages of the
    vectors assigned to it (decay 0.99); a code left unused for a whole training epoch
    (but the last) restarts at a recent encoder output, so a dead code gets another
    chance rather than staying dead."""

    discrete_ids = True

    def __init__(self, size: int, codebook_size: int = 512, codebook_dim: int | None = None,
                 commitment: float = 0.25, decay: float = 0.99, seed: int = 0, **_):
        super().__init__()
        dim = codebook_dim or size
        if size % dim:
            raise ValueError(f"code size {size} is not a multiple of codebook_dim {dim}")
        self.dim, self.groups, self.codebook_size = dim, size // dim, codebook_size
        self.commitment, self.decay = commitment, decay
        codebook = torch.randn(codebook_size, dim, generator=torch.Generator().manual_seed(seed))
        self.register_buffer("codebook", codebook)
        self.register_buffer("ema_count", torch.ones(codebook_size))
        self.register_buffer("ema_sum", codebook.clone())
        self.usage = _UsageCounter(codebook_size)
        # Recent encoder outputs, where dead codes restart.
        self.register_buffer("recent", torch.zeros(max(4 * codebook_size, 1024), dim), persistent=False)
        self.recent_filled = 0  # a Python int: reading it costs no GPU sync per step
        self._restart_gen = torch.Generator().manual_seed(seed + 1)
        self.restarts = 0
        self._last_epoch = False

    def training_state(self) -> dict:
        return {"recent": self.recent.detach().clone(), "recent_filled": self.recent_filled,
                "restart_gen": self._restart_gen.get_state(), "restarts": self.restarts,
                "last_epoch": self._last_epoch}

    def load_training_state(self, state: dict) -> None:
        self.recent.copy_(state["recent"].to(self.recent.device))
        self.recent_filled, self.restarts = int(state["recent_filled"]), int(state["restarts"])
        self._restart_gen.set_state(state["restart_gen"])
        self._last_epoch = bool(state["last_epoch"])

    @torch.no_grad()
    def set_codebook(self, vectors: torch.Tensor) -> None:
        """Start the codebook (and its moving averages) at these (K, dim) vectors."""
        self.codebook.copy_(vectors)
        self.ema_sum.copy_(vectors)
        self.ema_count.fill_(1.0)

    def nearest(self, z: torch.Tensor) -> torch.Tensor:
        """Ids of the nearest codebook vectors to the rows of z (M, dim)."""
        # In float32 even under autocast: in bf16 the |z|^2 term swamps the cross term
        # and training would pick other codes than inference.
        with torch.autocast(z.device.type, enabled=False):
            z = z.float()
            distances = (z.pow(2).sum(1, keepdim=True) - 2 * z @ self.codebook.t()
                         + self.codebook.pow(2).sum(1))
        return distances.argmin(dim=1)

    def forward(self, h, generator=None):
        z = h.float().reshape(-1, self.dim)
        ids = self.nearest(z)
        quantized = self.codebook[ids]
        n = h.shape[0]
        group_ids = ids.reshape(n, self.groups) if self.groups > 1 else ids
        if not self.training:
            return BottleneckOutput(quantized.reshape(n, -1).to(h.dtype), None, group_ids)
        self._update(z.detach(), ids)
        commitment = self.commitment * F.mse_loss(z, quantized.detach())
        code = straight_through(quantized, z)
        return BottleneckOutput(code.reshape(n, -1).to(h.dtype), commitment, group_ids)

    @torch.no_grad()
    def _update(self, z: torch.Tensor, ids: torch.Tensor) -> None:
        counts = torch.bincount(ids, minlength=self.codebook_size).float()
        sums = torch.zeros_like(self.ema_sum).index_add_(0, ids, z)
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            # data-parallel training: the codebook follows every process's vectors, as one
            # process would on the whole batch (each process runs this in every step)
            torch.distributed.all_reduce(counts)
            torch.distributed.all_reduce(sums)
        self.ema_count.mul_(self.decay).add_(counts, alpha=1 - self.decay)
        self.ema_sum.mul_(self.decay).add_(sums, alpha=1 - self.decay)
        # Laplace smoothing keeps a code with a near-zero count from dividing by zero.
        total = self.ema_count.sum()
        smoothed = (self.ema_count + 1e-5) / (total + self.codebook_size * 1e-5) * total
        self.codebook.copy_(self.ema_sum / smoothed[:, None])
        self.usage.add(ids)
        self._remember(z)

    def _remember(self, z: torch.Tensor) -> None:
        size = self.recent.shape[0]
        rows = z[-size:]
        slots = (self.recent_filled + torch.arange(rows.shape[0], device=z.device)) % size
        self.recent[slots] = rows
        self.recent_filled += rows.shape[0]

    def start_epoch(self, epoch, total_epochs):
        self.usage.reset()
        self._last_epoch = epoch >= total_epochs - 1

    @torch.no_grad()
    def end_epoch(self):
        stats = self.usage.stats()
        dead = (self.usage.counts == 0).nonzero().flatten()
        if self._last_epoch:  # a restarted code would go into the model untrained
            dead = dead[:0]
        available = min(self.recent_filled, self.recent.shape[0])
        if len(dead) and available:
            # Distinct vectors while there are enough: two codes restarted on the same
            # vector would leave one of them dead again.
            order = torch.randperm(available, generator=self._restart_gen)
            pick = order[torch.arange(len(dead)) % available]
            fresh = self.recent[pick.to(self.recent.device)]
            self.codebook[dead] = fresh
            self.ema_sum[dead] = fresh
            self.ema_count[dead] = 1.0
            self.restarts += len(dead)
        stats["restarted"] = float(len(dead))
        return stats


def make_bottleneck(kind: str, size: int, **options) -> Bottleneck:
    cls = BOTTLENECKS.get(kind)
    return cls() if cls is Bottleneck else cls(size, **options)

