"""The de-noiser's torch parts: the network and its training objective.

The network is FFDNet's shape (Zhang, Zuo & Zhang 2018): the image is folded into four
half-resolution sub-images (pixel unshuffle), a plain stack of 3x3 convolutions with
ReLUs predicts the noise there, and the result is unfolded and subtracted from the
input (residual learning, as DnCNN). Working at half resolution costs a quarter of the
arithmetic per pixel of DnCNN for the same depth and doubles the context each layer
sees, which is what makes it fast enough on a laptop CPU.

Beside the image the network is told the noise level when it is known: two extra
half-resolution planes, "level known" (0/1) and the level itself (sigma / 255).
Training hides the level from half the crops, so the one network works blind (no
level given) and guided (``sigma=``).
"""

from __future__ import annotations

import io
import math
from typing import NamedTuple, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from aekit.nn.objective import BaseObjective, LossTerms

FOLD = 2  # pixel-unshuffle factor: images are padded to multiples of it


class DenoiserOutput(NamedTuple):
    x_hat: torch.Tensor  # the de-noised image, same shape as the input
    noise: torch.Tensor  # what the network took away


class DenoiserNet(nn.Module):
    """``forward(noisy, level)``: ``noisy`` (B, C, H, W) on the 0-1 scale, H and W even;
    ``level`` (B,) the noise sigma on that scale, NaN where it is not known."""

    def __init__(self, channels: int, width: int = 64, depth: int = 12):
        super().__init__()
        self.channels, self.width, self.depth = channels, width, depth
        folded = channels * FOLD * FOLD
        layers: list[nn.Module] = [nn.Conv2d(folded + 2, width, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width),
                       nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(width, folded, 3, padding=1))
        self.body = nn.Sequential(*layers)
        self.unshuffle, self.shuffle = nn.PixelUnshuffle(FOLD), nn.PixelShuffle(FOLD)
        self._init_weights()

    def _init_weights(self) -> None:
        # He initialisation keeps the signal's scale through the ReLU stack; the last
        # layer starts small, so training starts from "take nothing away"
        convs = [m for m in self.body if isinstance(m, nn.Conv2d)]
        for conv in convs:
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            if conv.bias is not None:
                nn.init.zeros_(conv.bias)
        convs[-1].weight.data.mul_(0.1)

    def forward(self, noisy: torch.Tensor, level: torch.Tensor) -> DenoiserOutput:
        folded = self.unshuffle(noisy)
        b, _, h, w = folded.shape
        known = torch.isfinite(level).to(folded.dtype)
        planes = torch.stack([known, torch.nan_to_num(level, nan=0.0).to(folded.dtype)], dim=1)
        planes = planes[:, :, None, None].expand(b, 2, h, w)
        noise = self.shuffle(self.body(torch.cat([folded, planes], dim=1)))
        return DenoiserOutput(noisy - noise, noise)

    @property
    def reach(self) -> int:
        """Pixels of context on each side that a result pixel depends on (the tiles'
        overlap must be at least this for tiled results to equal whole-image ones)."""
        return FOLD * self.depth + FOLD


# Corruptions drawn per crop ------------------------------------------------------------------
class Noise(NamedTuple):
    noisy: torch.Tensor
    level: torch.Tensor  # (B,) Gaussian sigma on the 0-1 scale, NaN where it is not one number


def gaussian(clean, low, high, generator):
    """Gaussian noise, sigma drawn per crop uniformly in [low, high] (0-1 scale)."""
    sigma = low + (high - low) * torch.rand(len(clean), generator=generator, device=clean.device)
    noise = torch.randn(clean.shape, generator=generator, device=clean.device)
    return Noise(clean + sigma[:, None, None, None] * noise, sigma)


def poisson_gaussian(clean, low, high, generator):
    """Shot noise of a sensor (Poisson counts at a peak of 10-1000 photons) plus Gaussian
    read noise of sigma in [low, high]; the level is not one number, so it is not given."""
    u = torch.rand(len(clean), generator=generator, device=clean.device)
    peak = (10.0 ** (1.0 + 2.0 * u))[:, None, None, None]
    shot = torch.poisson(clean.clamp(min=0) * peak, generator=generator) / peak
    read = gaussian(clean, low, high, generator)
    noisy = shot + (read.noisy - clean)
    return Noise(noisy, torch.full((len(clean),), math.nan, device=clean.device))


def salt_pepper(clean, low, high, generator):
    """A share in [0, 0.2] of the pixels set to black or white."""
    share = 0.2 * torch.rand(len(clean), 1, 1, 1, generator=generator, device=clean.device)
    pixels = (len(clean), 1, *clean.shape[2:])  # one draw per pixel, for all its channels
    hit = torch.rand(pixels, generator=generator, device=clean.device) < share
    white = torch.rand(pixels, generator=generator, device=clean.device) < 0.5
    noisy = torch.where(hit, white.to(clean.dtype).expand_as(clean), clean)
    return Noise(noisy, torch.full((len(clean),), math.nan, device=clean.device))


def jpeg(clean, low, high, generator):
    """JPEG artefacts at a quality drawn in [10, 90], through Pillow's encoder."""
    from PIL import Image

    qualities = torch.randint(10, 91, (len(clean),), generator=generator, device=clean.device).tolist()
    out = []
    for crop, quality in zip(clean.detach().cpu().numpy(), qualities):
        pixels = np.clip(np.rint(crop * 255), 0, 255).astype(np.uint8)
        image = Image.fromarray(pixels[0] if len(pixels) == 1 else pixels.transpose(1, 2, 0))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=int(quality))
        decoded = np.asarray(Image.open(buffer), dtype=np.float32) / 255.0
        out.append(decoded[None] if decoded.ndim == 2 else decoded.transpose(2, 0, 1))
    noisy = torch.from_numpy(np.stack(out)).to(clean.device)
    return Noise(noisy, torch.full((len(clean),), math.nan, device=clean.device))


NOISES = {"gaussian": gaussian, "poisson_gaussian": poisson_gaussian,
          "salt_pepper": salt_pepper, "jpeg": jpeg}


def random_flips(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One of the 8 rotations and mirror images of the whole batch (DnCNN's augmentation;
    crops are square, so every one keeps the shape)."""
    draw = torch.rand(2, generator=generator, device=batch.device).tolist()
    batch = torch.rot90(batch, int(draw[0] * 4), dims=(-2, -1))
    flip = draw[1] < 0.5
    return batch.flip(-1) if flip else batch


class DenoisingObjective(BaseObjective):
    """Corrupt each clean crop with one of ``kinds`` (drawn per batch), ask the network
    for the clean crop, score the squared error. The noise level is passed to the
    network for a share ``guided`` of the Gaussian crops and hidden from the rest."""

    def __init__(self, kinds: Sequence[str], sigma_range: tuple[float, float], guided: float = 0.5):
        self.kinds = list(kinds)
        self.low, self.high = sigma_range[0] / 255.0, sigma_range[1] / 255.0
        self.guided = guided

    def __call__(self, module: DenoiserNet, batch: torch.Tensor, info) -> LossTerms:
        g = info.generator
        clean = random_flips(batch, g) if info.training else batch
        pick = torch.rand(1, generator=g, device=clean.device).item()
        kind = self.kinds[min(int(pick * len(self.kinds)), len(self.kinds) - 1)]
        noisy, level = NOISES[kind](clean, self.low, self.high, g)
        hide = torch.rand(len(clean), generator=g, device=clean.device) >= self.guided
        level = torch.where(hide, torch.full_like(level, math.nan), level)
        out = module(noisy, level)
        loss = F.mse_loss(out.x_hat.float(), clean.float())
        return LossTerms(loss, {"mse": loss.detach()}, loss)
