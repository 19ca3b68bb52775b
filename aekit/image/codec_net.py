"""The learned image codec's network, with CompressAI's contract.

``forward(x, quality)`` is the training path (the reconstruction and the likelihoods of
the latents); ``update()`` freezes the integer coding tables; ``compress(x, quality)``
gives byte strings and the latent shape; ``decompress(strings, shape, quality)`` gives
the image back.

Two priors (``mode``):

- ``"factorized"``: Ballé et al. 2017/2018's factorized prior, one learned density per
  latent channel.
- ``"hyperprior"``: Ballé et al. 2018's scale hyperprior: a second, smaller auto-encoder
  codes the latents' scales as side information (a hyper-latent under a factorized
  prior), and each latent is coded under a Gaussian of its own scale.

One network serves every quality level (variable rate by gain units, Cui et al. 2021):
the latents are multiplied per channel by a learned gain vector of the level before
rounding (a larger gain: finer quantization, more bits) and divided by a learned
inverse gain before synthesis; training draws a level per crop and weighs its
distortion by that level's lambda. The hyperprior's synthesis is run in exact integer
arithmetic once frozen (:mod:`aekit.image.integer_net`), so the coding tables chosen
while encoding are the ones chosen while decoding, on any machine.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from aekit.image import integer_net
from aekit.image.codec_layers import GDN, EntropyBottleneck, GaussianConditional
from aekit.image.entropy import decode_groups, encode_groups

MODES = ("factorized", "hyperprior")
# CompressAI's lambdas for its quality levels 1-8 (MSE on the 0-1 scale, weighted 255^2)
LAMBDAS = (0.0018, 0.0035, 0.0067, 0.0130, 0.0250, 0.0483, 0.0932, 0.1800)


class CodecOutput(NamedTuple):
    x_hat: torch.Tensor  # the reconstruction, (B, 3, H, W) on the 0-1 scale
    likelihoods_y: torch.Tensor  # of each latent
    likelihoods_z: torch.Tensor  # of each hyper-latent; empty for the factorized prior


class CodingError(RuntimeError):
    """Coding asked of a network whose tables are not frozen."""


def _conv(cin, cout, k=5, stride=2):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2)


def _deconv(cin, cout, k=5, stride=2):
    return nn.ConvTranspose2d(cin, cout, k, stride=stride, padding=k // 2, output_padding=stride - 1)


def _channels_last(x: torch.Tensor) -> torch.Tensor:
    """``x`` laid out channels-last: the CPU's convolutions (oneDNN) run faster on one
    image that way. Used for coding only; training keeps the default layout."""
    return x.contiguous(memory_format=torch.channels_last)


def _table_order(index: torch.Tensor, tables: int) -> tuple[torch.Tensor, list[int]]:
    """The latents' flat positions sorted by table (in raster order within a table), and
    the number of latents of each table: the coder's groups, found by one stable sort."""
    flat = index.flatten()
    order = torch.argsort(flat, stable=True)
    return order, torch.bincount(flat, minlength=tables).tolist()


class CodecNet(nn.Module):
    """``N`` channels inside the transforms, ``M`` latent channels; latents at 1/16 of the
    image size, hyper-latents at 1/64 (images are padded to multiples of :attr:`stride`)."""

    def __init__(self, mode: str = "hyperprior", N: int = 96, M: int = 128,
                 levels: int = len(LAMBDAS)):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode, self.N, self.M, self.levels = mode, N, M, levels
        self.g_a = nn.Sequential(_conv(3, N), GDN(N), _conv(N, N), GDN(N), _conv(N, N), GDN(N),
                                 _conv(N, M))
        self.g_s = nn.Sequential(_deconv(M, N), GDN(N, inverse=True), _deconv(N, N),
                                 GDN(N, inverse=True), _deconv(N, N), GDN(N, inverse=True),
                                 _deconv(N, 3))
        # gain units: level q scales latent channel c by gain[q, c] (log-parametrized,
        # spread at the start so the levels begin apart)
        start = torch.linspace(-1.5, 1.5, levels)[:, None].repeat(1, M)
        self.log_gain = nn.Parameter(start.clone())
        self.log_inverse_gain = nn.Parameter(-start.clone())
        if mode == "hyperprior":
            self.h_a = nn.Sequential(_conv(M, N, 3, 1), nn.ReLU(), _conv(N, N), nn.ReLU(),
                                     _conv(N, N))
            self.h_s = nn.Sequential(_deconv(N, N), nn.ReLU(), _deconv(N, N), nn.ReLU(),
                                     _conv(N, M, 3, 1), nn.ReLU())
            self.entropy_bottleneck = EntropyBottleneck(N)
            self.gaussian_conditional = GaussianConditional()
            for i, layer in enumerate(integer_net._layers(self.h_s)):
                self.register_buffer(f"h_s_int_w{i}", torch.zeros(0, dtype=torch.float64))
                self.register_buffer(f"h_s_int_b{i}", torch.zeros(0, dtype=torch.float64))
        else:
            self.entropy_bottleneck = EntropyBottleneck(M)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name in list(self._buffers):
            if name.startswith("h_s_int_") and prefix + name in state_dict:
                setattr(self, name, torch.zeros_like(state_dict[prefix + name]))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @property
    def stride(self) -> int:
        return 64 if self.mode == "hyperprior" else 16

    def _gains(self, quality: torch.Tensor, dtype):
        """(B, M, 1, 1) gain and inverse gain of each sample's level (0-based)."""
        gain = torch.exp(self.log_gain[quality]).to(dtype)[:, :, None, None]
        inverse = torch.exp(self.log_inverse_gain[quality]).to(dtype)[:, :, None, None]
        return gain, inverse

    # Training path --------------------------------------------------------------------------
    def forward(self, x: torch.Tensor, quality: torch.Tensor, generator=None) -> CodecOutput:
        """``x`` (B, 3, H, W) on the 0-1 scale, H and W multiples of :attr:`stride`;
        ``quality`` (B,) 0-based levels."""
        gain, inverse = self._gains(quality, x.dtype)
        y = self.analysis(x) * gain
        if self.mode == "hyperprior":
            z = self.h_a(torch.abs(y))
            z_hat, likelihoods_z = self.entropy_bottleneck(z, generator)
            scales = self.h_s(z_hat)
            y_hat, likelihoods_y = self.gaussian_conditional(y, scales, generator)
        else:
            y_hat, likelihoods_y = self.entropy_bottleneck(y, generator)
            likelihoods_z = y.new_zeros(0)
        x_hat = self.synthesis(y_hat * inverse)
        return CodecOutput(x_hat, likelihoods_y, likelihoods_z)

    # pixels are centred on 0 for the transforms: the decoder need not learn the offset
    def analysis(self, x: torch.Tensor) -> torch.Tensor:
        return self.g_a(x - 0.5)

    def synthesis(self, y: torch.Tensor) -> torch.Tensor:
        return self.g_s(y) + 0.5

    def aux_loss(self) -> torch.Tensor:
        return self.entropy_bottleneck.aux_loss()

    # Freezing -------------------------------------------------------------------------------
    @torch.no_grad()
    def update(self) -> None:
        """Freeze the integer coding tables (and the integer hyper-synthesis) into
        buffers, saved with the weights; coding before this refuses."""
        self.entropy_bottleneck.update()
        if self.mode == "hyperprior":
            self.gaussian_conditional.update()
            frozen = integer_net.freeze(self.h_s)
            eb = self.entropy_bottleneck
            reach = float((eb.cdf_offsets.abs() + eb.cdf_lengths).max() + eb.medians_frozen.abs().max())
            integer_net.check_exact(self.h_s, frozen, reach)
            for name, value in frozen.items():
                setattr(self, f"h_s_int_{name}", value.to(self.log_gain.device))

    @property
    def frozen(self) -> bool:
        return self.entropy_bottleneck.frozen and (
            self.mode != "hyperprior" or self.gaussian_conditional.frozen)

    def _check_frozen(self) -> None:
        if not self.frozen:
            raise CodingError("the codec's coding tables are not frozen: call update() "
                              "after training, before compress() or decompress()")

    def _integer_frozen(self) -> dict[str, torch.Tensor]:
        n = len(integer_net._layers(self.h_s))
        return {f"{kind}{i}": getattr(self, f"h_s_int_{kind}{i}") for i in range(n)
                for kind in ("w", "b")}

    # Coding ---------------------------------------------------------------------------------
    @torch.no_grad()
    def compress(self, x: torch.Tensor, quality: int) -> tuple[list[bytes], tuple[int, int]]:
        """Byte strings (the latents; then the hyper-latents for the hyperprior) and the
        latent (h, w) of one image ``x`` (1, 3, H, W), H and W multiples of the stride."""
        self._check_frozen()
        q = torch.tensor([quality], device=x.device)
        gain, _ = self._gains(q, x.dtype)
        y = self.analysis(_channels_last(x)) * gain
        if self.mode == "factorized":
            symbols = self._factorized_symbols(y[0])
            return [encode_groups(self._factorized_groups(symbols))], tuple(y.shape[-2:])
        z = self.h_a(torch.abs(y))
        z_symbols = self._factorized_symbols(z[0])
        z_string = encode_groups(self._factorized_groups(z_symbols))
        index = self._scale_index(z_symbols)
        tables = self.gaussian_conditional
        radius = ((tables.cdf_lengths.long() - 1) // 2)[index]
        y_int = torch.round(y[0]).long().cpu().clamp(-radius, radius)
        order, sizes = _table_order(index, len(tables.cdf_lengths))
        symbols = (y_int + radius).flatten()[order].numpy()
        bounds = np.cumsum([0, *sizes])
        groups = [(symbols[bounds[i]:bounds[i + 1]], self._gaussian_row(i))
                  for i in range(len(sizes))]
        return [encode_groups(groups), z_string], tuple(y.shape[-2:])

    @torch.no_grad()
    def decompress(self, strings: list[bytes], shape: tuple[int, int], quality: int) -> torch.Tensor:
        """The image (1, 3, 16h, 16w) on the 0-1 scale, not clipped, from ``compress``'s
        strings and latent shape."""
        self._check_frozen()
        h, w = int(shape[0]), int(shape[1])
        device = self.log_gain.device
        if self.mode == "factorized":
            y_hat = self._factorized_values(strings[0], self.M, h, w)
        else:
            z_symbols = self._factorized_decode(strings[1], self.N, h // 4, w // 4)
            index = self._scale_index(z_symbols)
            tables = self.gaussian_conditional
            order, sizes = _table_order(index, len(tables.cdf_lengths))
            groups = [(sizes[i], self._gaussian_row(i)) for i in range(len(sizes))]
            decoded = decode_groups(strings[0], groups)
            radius = ((tables.cdf_lengths.long() - 1) // 2)[index]
            y_int = torch.zeros(index.numel(), dtype=torch.long)
            y_int[order] = torch.from_numpy(np.concatenate(decoded))
            y_hat = (y_int.reshape(index.shape) - radius).float()
        _, inverse = self._gains(torch.tensor([quality], device=device), torch.float32)
        return self.synthesis(_channels_last(y_hat[None].to(device) * inverse)).contiguous()

    # The factorized prior's coding ---------------------------------------------------------
    def _factorized_symbols(self, y: torch.Tensor) -> torch.Tensor:
        """Table positions (C, h, w) of latents (C, h, w): rounded around the frozen
        medians, clamped into each channel's table."""
        eb = self.entropy_bottleneck
        medians = eb.medians_frozen.to(y.device)[:, None, None]
        offset = eb.cdf_offsets.long().to(y.device)[:, None, None]
        top = (eb.cdf_lengths.long().to(y.device) - 1)[:, None, None]
        positions = torch.round(y - medians).long() - offset
        return torch.minimum(torch.clamp_min(positions, 0), top).cpu()

    def _factorized_groups(self, positions: torch.Tensor):
        eb = self.entropy_bottleneck
        lengths = eb.cdf_lengths.tolist()
        rows = eb.cdf_counts.cpu().numpy()
        return [(positions[c].flatten().numpy(), rows[c, :lengths[c]]) for c in range(len(lengths))]

    def _factorized_decode(self, data: bytes, channels: int, h: int, w: int) -> torch.Tensor:
        eb = self.entropy_bottleneck
        lengths = eb.cdf_lengths.tolist()
        rows = eb.cdf_counts.cpu().numpy()
        decoded = decode_groups(data, [(h * w, rows[c, :lengths[c]]) for c in range(channels)])
        return torch.from_numpy(np.stack(decoded).reshape(channels, h, w))

    def _factorized_values(self, data: bytes, channels: int, h: int, w: int) -> torch.Tensor:
        eb = self.entropy_bottleneck
        positions = self._factorized_decode(data, channels, h, w)
        offset = eb.cdf_offsets.long().cpu()[:, None, None]
        return (positions + offset).float() + eb.medians_frozen.cpu()[:, None, None]

    # The hyperprior's table choice -----------------------------------------------------------
    def _scale_index(self, z_positions: torch.Tensor) -> torch.Tensor:
        """The table of each latent (M, 4h, 4w), from the hyper-latents' table positions,
        through the integer hyper-synthesis: identical when encoding and decoding."""
        eb = self.entropy_bottleneck
        one = 2 ** integer_net.ACTIVATION_BITS
        medians = torch.round(eb.medians_frozen.double().cpu() * one)[:, None, None]
        offset = eb.cdf_offsets.long().cpu()[:, None, None]
        z_fixed = ((z_positions + offset).double() * one + medians)[None]
        frozen = {k: v.cpu() for k, v in self._integer_frozen().items()}
        scales_fixed = integer_net.run(self.h_s, frozen, z_fixed)[0]
        table = self.gaussian_conditional.scales_table.double().cpu()
        thresholds = torch.ceil(table[1:] * one)  # integers: the comparison is exact
        # the number of thresholds at or below each scale: its table
        return torch.bucketize(scales_fixed, thresholds, right=True).long()

    def _gaussian_row(self, i: int) -> np.ndarray:
        tables = self.gaussian_conditional
        return tables.cdf_counts[i, :int(tables.cdf_lengths[i])].cpu().numpy()
