"""The codec's torch parts below the network: GDN and the two entropy models.

Ballé et al.'s codecs (ICLR 2017, factorized prior; ICLR 2018, scale hyperprior) pair
transforms with generalized divisive normalization (GDN) and a learned probability
model of the quantized code. Here the probability models are:

- :class:`EntropyBottleneck`: one learned univariate density per channel (the
  factorized prior of 2018's appendix 6.1), used alone or for the hyper-latent.
- :class:`GaussianConditional`: a zero-mean Gaussian whose scale the hyperprior gives
  per element, from a fixed table of scales.

Both train on the continuous relaxation (uniform noise in place of rounding) and give
likelihoods; ``update()`` then turns each into integer probability tables (counts out of
``2**PRECISION``), which are what the entropy coder sees. Once the tables are frozen no
floating-point number stands between the bytes and the decoded symbols, so a file
decodes to the same latents on every machine.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

PRECISION = 16  # integer probability tables sum to 2**PRECISION
TAIL = 1e-9  # probability mass left outside a table's support (values there are clamped)


class FrozenTables(nn.Module):
    """Loads coding tables of any size: the buffers are resized to the saved ones first
    (their length is only known after ``update()``)."""

    TABLES: tuple[str, ...] = ()

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name in self.TABLES:
            saved = state_dict.get(prefix + name)
            if saved is not None:
                setattr(self, name, torch.zeros_like(saved))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


# GDN -----------------------------------------------------------------------------------------
class GDN(nn.Module):
    """Generalized divisive normalization (Ballé et al. 2016): ``x / sqrt(beta + gamma x^2)``
    per position, across channels; ``inverse=True`` multiplies instead (IGDN, decoder side).
    beta and gamma are kept non-negative by squaring bounded parameters."""

    PEDESTAL = 2.0 ** -18

    def __init__(self, channels: int, inverse: bool = False):
        super().__init__()
        self.inverse = inverse
        self.beta = nn.Parameter(torch.sqrt(torch.ones(channels) + self.PEDESTAL))
        self.gamma = nn.Parameter(torch.sqrt(0.1 * torch.eye(channels) + self.PEDESTAL))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        beta = torch.clamp(self.beta, min=math.sqrt(1e-6 + self.PEDESTAL)) ** 2 - self.PEDESTAL
        gamma = torch.clamp(self.gamma, min=math.sqrt(self.PEDESTAL)) ** 2 - self.PEDESTAL
        c = gamma.shape[0]
        norm = F.conv2d(x * x, gamma.reshape(c, c, 1, 1).to(x.dtype), beta.to(x.dtype))
        return x * torch.sqrt(norm) if self.inverse else x * torch.rsqrt(norm)


def noisy_or_rounded(values: torch.Tensor, offset, training: bool, generator=None) -> torch.Tensor:
    """Training: ``values`` plus uniform noise in [-0.5, 0.5) (the rate's relaxation).
    Otherwise: rounded around ``offset``."""
    if training:
        noise = torch.rand(values.shape, generator=generator, device=values.device,
                           dtype=values.dtype) - 0.5
        return values + noise
    return torch.round(values - offset) + offset


def straight_through_round(values: torch.Tensor, offset) -> torch.Tensor:
    """Rounded around ``offset`` forwards, identity backwards: the decoder trains on the
    values it will really see (Minnen & Singh 2020's mixed quantization)."""
    rounded = torch.round(values - offset) + offset
    return values + (rounded - values).detach()


def integer_table(pmf: np.ndarray) -> np.ndarray:
    """Probabilities (n,) as integer counts summing to ``2**PRECISION``, each at least 1
    (so every symbol in the support stays codable). Deterministic given ``pmf``."""
    total = 1 << PRECISION
    pmf = np.clip(np.asarray(pmf, dtype=np.float64), 0.0, None)
    pmf = pmf / max(pmf.sum(), 1e-300)
    counts = np.maximum(1, np.floor(pmf * (total - len(pmf))).astype(np.int64))
    counts[np.argmax(counts)] += total - counts.sum()  # the rounding slack on the mode
    return counts.astype(np.int32)


# The factorized prior ------------------------------------------------------------------------
class EntropyBottleneck(FrozenTables):
    """A learned density per channel, as a cumulative ``c(x) = sigmoid(f(x))`` with ``f`` a
    small monotone network (filters (1, 3, 3, 3, 1) as in Ballé 2018, appendix 6.1).

    ``forward(y)`` returns (y_tilde, likelihoods). The per-channel quantiles (the
    ``quantiles`` parameter) are fitted by :meth:`aux_loss` with their own optimizer;
    their median is the offset values are rounded around, their tails the table range.
    """

    FILTERS = (3, 3, 3)
    TABLES = ("cdf_counts",)
    INIT_SCALE = 10.0

    def __init__(self, channels: int):
        super().__init__()
        self.channels = channels
        dims = (1, *self.FILTERS, 1)
        scale = self.INIT_SCALE ** (1.0 / (len(dims) - 1))
        self.matrices, self.biases, self.factors = (nn.ParameterList(), nn.ParameterList(),
                                                    nn.ParameterList())
        for i in range(len(dims) - 1):
            init = math.log(math.expm1(1.0 / scale / dims[i + 1]))
            self.matrices.append(nn.Parameter(torch.full((channels, dims[i + 1], dims[i]), init)))
            self.biases.append(nn.Parameter(torch.rand(channels, dims[i + 1], 1) - 0.5))
            if i < len(dims) - 2:
                self.factors.append(nn.Parameter(torch.zeros(channels, dims[i + 1], 1)))
        self.quantiles = nn.Parameter(torch.tensor([-self.INIT_SCALE, 0.0, self.INIT_SCALE])
                                      .repeat(channels, 1, 1))
        # the frozen coding tables (update()): a row of counts per channel, from offset
        self.register_buffer("cdf_counts", torch.zeros(channels, 1, dtype=torch.int32))
        self.register_buffer("cdf_lengths", torch.zeros(channels, dtype=torch.int32))
        self.register_buffer("cdf_offsets", torch.zeros(channels, dtype=torch.int32))
        self.register_buffer("medians_frozen", torch.zeros(channels))

    def _logits_cumulative(self, x: torch.Tensor) -> torch.Tensor:
        """f(x) for x of shape (C, 1, n)."""
        logits = x
        for i, (matrix, bias) in enumerate(zip(self.matrices, self.biases)):
            logits = torch.matmul(F.softplus(matrix), logits) + bias
            if i < len(self.factors):
                logits = logits + torch.tanh(self.factors[i]) * torch.tanh(logits)
        return logits

    def _likelihood(self, values: torch.Tensor) -> torch.Tensor:
        """P(value) for values (C, 1, n) on the integer grid around the medians: the
        density's mass over [value - 0.5, value + 0.5]."""
        lower = self._logits_cumulative(values - 0.5)
        upper = self._logits_cumulative(values + 0.5)
        sign = -torch.sign(lower + upper).detach()  # the sigmoid's flat side, for precision
        return torch.abs(torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower))

    @property
    def medians(self) -> torch.Tensor:
        return self.quantiles[:, 0, 1].detach()

    def forward(self, y: torch.Tensor, generator=None):
        """(y_hat for the decoder, likelihoods) for y of shape (B, C, H, W)."""
        medians = self.medians.reshape(1, -1, 1, 1)
        y_noisy = noisy_or_rounded(y, medians, self.training, generator)
        flat = y_noisy.permute(1, 0, 2, 3).reshape(self.channels, 1, -1)
        likelihood = self._likelihood(flat).reshape(self.channels, y.shape[0], *y.shape[2:])
        likelihood = likelihood.permute(1, 0, 2, 3).clamp_min(1e-9)
        y_hat = straight_through_round(y, medians) if self.training else y_noisy
        return y_hat, likelihood

    def aux_loss(self) -> torch.Tensor:
        """Fits ``quantiles`` so that f(lower) = f(upper) leave TAIL / 2 on each side and f
        at the median is 0."""
        target = math.log(2.0 / TAIL - 1.0)
        logits = self._logits_cumulative(self.quantiles)
        return torch.abs(logits - torch.tensor([-target, 0.0, target], device=logits.device)).sum()

    @torch.no_grad()
    def update(self) -> None:
        """Freeze integer tables: for each channel the counts of the integers from
        floor(lower - median) to ceil(upper - median)."""
        medians = self.medians
        low = torch.floor(self.quantiles[:, 0, 0] - medians).long().clamp(-4096, 0)
        high = torch.ceil(self.quantiles[:, 0, 2] - medians).long().clamp(0, 4096)
        lengths = (high - low + 1).tolist()
        rows = np.ones((self.channels, max(lengths)), dtype=np.int32)
        for c, (offset, n) in enumerate(zip(low.tolist(), lengths)):
            grid = medians[c] + torch.arange(offset, offset + n, device=medians.device,
                                             dtype=medians.dtype)
            pmf = self._likelihood_channel(c, grid)
            rows[c, :n] = integer_table(pmf)
        self.cdf_counts = torch.from_numpy(rows).to(medians.device)
        self.cdf_lengths = torch.tensor(lengths, dtype=torch.int32, device=medians.device)
        self.cdf_offsets = low.to(torch.int32)
        self.medians_frozen = medians.clone()

    def _likelihood_channel(self, c: int, grid: torch.Tensor) -> np.ndarray:
        values = torch.zeros(self.channels, 1, len(grid), device=grid.device, dtype=grid.dtype)
        values[c, 0] = grid
        return self._likelihood(values)[c, 0].double().cpu().numpy()

    @property
    def frozen(self) -> bool:
        return bool(self.cdf_lengths.sum() > 0)


# The conditional Gaussian --------------------------------------------------------------------
def scale_table(levels: int = 64, low: float = 0.11, high: float = 256.0) -> torch.Tensor:
    """Scales the coder has tables for, log-spaced (as CompressAI's default table)."""
    return torch.exp(torch.linspace(math.log(low), math.log(high), levels))


class GaussianConditional(FrozenTables):
    """Zero-mean Gaussians of given scales, discretized to the integers.

    ``forward(y, scales)`` returns (y_hat, likelihoods); after ``update()`` each scale of
    :func:`scale_table` has an integer table over [-R, R] with R = ceil(scale * tail
    bound), and :meth:`index` picks the table of a scale.
    """

    SCALE_BOUND = 0.11
    TABLES = ("cdf_counts",)

    def __init__(self, levels: int = 64):
        super().__init__()
        self.register_buffer("scales_table", scale_table(levels))
        self.register_buffer("cdf_counts", torch.zeros(levels, 1, dtype=torch.int32))
        self.register_buffer("cdf_lengths", torch.zeros(levels, dtype=torch.int32))

    @staticmethod
    def _cdf(x: torch.Tensor) -> torch.Tensor:
        return 0.5 * torch.erfc(-x / math.sqrt(2.0))

    def likelihood(self, values: torch.Tensor, scales: torch.Tensor) -> torch.Tensor:
        scales = scales.clamp_min(self.SCALE_BOUND)
        values = torch.abs(values)  # the mass of the tail nearer zero, for precision
        upper = self._cdf((0.5 - values) / scales)
        lower = self._cdf((-0.5 - values) / scales)
        return (upper - lower).clamp_min(1e-9)

    def forward(self, y: torch.Tensor, scales: torch.Tensor, generator=None):
        y_noisy = noisy_or_rounded(y, 0.0, self.training, generator)
        y_hat = straight_through_round(y, 0.0) if self.training else y_noisy
        return y_hat, self.likelihood(y_noisy, scales)

    @torch.no_grad()
    def update(self) -> None:
        bound = -float(torch.special.ndtri(torch.tensor(TAIL / 2, dtype=torch.float64)))
        radii = torch.ceil(self.scales_table.double() * bound).long().tolist()
        rows = np.ones((len(radii), 2 * max(radii) + 1), dtype=np.int32)
        for i, (scale, radius) in enumerate(zip(self.scales_table.double().tolist(), radii)):
            grid = torch.arange(-radius, radius + 1, dtype=torch.float64)
            pmf = self.likelihood(grid, torch.tensor(scale, dtype=torch.float64))
            rows[i, :2 * radius + 1] = integer_table(pmf.numpy())
        self.cdf_counts = torch.from_numpy(rows).to(self.scales_table.device)
        self.cdf_lengths = torch.tensor([2 * r + 1 for r in radii], dtype=torch.int32,
                                        device=self.scales_table.device)

    @property
    def frozen(self) -> bool:
        return bool(self.cdf_lengths.sum() > 0)
