"""The torch parts of the voice converter: content and speaker codes of log-mel frames.

AdaIN-VC (Chou et al. 2019): the content encoder instance-normalizes every layer, which
removes each channel's mean and spread over time, the statistics that carry most of a
voice's colour; what is left is what changes over time (the words). The speaker encoder
averages over time, so it keeps only what is constant (the voice). The decoder rebuilds
the frames from the content code, its layers re-scaled and shifted by the speaker code
(adaptive instance normalization). Converting is decoding one recording's content with
another speaker's code.

Two options from the other papers: ``downsample`` (AutoVC, Qian et al. 2019: a content
code that is narrow in channels and time, so it cannot carry the voice as well) and a
speaker classifier on the content code (Chou et al. 2018), trained by its own optimizer
while the encoder learns to leave it at chance.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

KERNEL = 5


def conv(c_in: int, c_out: int) -> nn.Conv1d:
    return nn.Conv1d(c_in, c_out, KERNEL, padding=KERNEL // 2)


class ContentEncoder(nn.Module):
    def __init__(self, n_mels: int, channels: int, code: int, blocks: int, downsample: int):
        super().__init__()
        self.inp = conv(n_mels, channels)
        self.blocks = nn.ModuleList(conv(channels, channels) for _ in range(blocks))
        self.out = nn.Conv1d(channels, code, 1)
        self.downsample = downsample

    def forward(self, mel):  # (B, M, T) -> (B, code, T // downsample)
        x = F.instance_norm(F.relu(self.inp(mel)))
        for block in self.blocks:
            x = x + F.instance_norm(F.relu(block(x)))
        if self.downsample > 1:
            x = F.avg_pool1d(x, self.downsample, ceil_mode=True)
        return F.instance_norm(self.out(x))


class SpeakerEncoder(nn.Module):
    def __init__(self, n_mels: int, channels: int, code: int, blocks: int):
        super().__init__()
        self.inp = conv(n_mels, channels)
        self.blocks = nn.ModuleList(conv(channels, channels) for _ in range(blocks))
        self.out = nn.Linear(channels, code)

    def forward(self, mel, mask=None):  # (B, M, T) -> (B, code)
        x = F.relu(self.inp(mel))
        for block in self.blocks:
            x = x + F.relu(block(x))
        if mask is None:
            return self.out(x.mean(-1))
        m = mask[:, None, :].to(x.dtype)
        return self.out((x * m).sum(-1) / m.sum(-1).clamp_min(1.0))


class AdaINBlock(nn.Module):
    def __init__(self, channels: int, speaker: int):
        super().__init__()
        self.conv = conv(channels, channels)
        self.style = nn.Linear(speaker, 2 * channels)

    def forward(self, x, s):
        scale, shift = self.style(s)[:, :, None].chunk(2, dim=1)
        return x + F.relu(F.instance_norm(self.conv(x)) * (1 + scale) + shift)


class Decoder(nn.Module):
    def __init__(self, n_mels: int, channels: int, code: int, speaker: int, blocks: int,
                 upsample: int):
        super().__init__()
        self.inp = conv(code, channels)
        self.blocks = nn.ModuleList(AdaINBlock(channels, speaker) for _ in range(blocks))
        self.out = conv(channels, n_mels)
        self.upsample = upsample

    def forward(self, content, speaker, frames: int):
        x = content
        if self.upsample > 1:
            x = x.repeat_interleave(self.upsample, dim=-1)[..., :frames]
        x = F.relu(self.inp(x))
        for block in self.blocks:
            x = block(x, speaker)
        return self.out(x)


def perturb_voice(mel: torch.Tensor, strength: float, generator=None) -> torch.Tensor:
    """``mel`` (B, M, T) with each sample's voice changed at random, its words kept: the
    bands stretched or squeezed by a factor up to ``1 +- strength`` (as a longer or
    shorter vocal tract moves the formants) and tilted by a random smooth gain (as
    another microphone or room would). Fed to the content encoder only in training,
    so its code cannot carry the voice: the decoder must take it from the speaker code
    (information perturbation, Choi et al. 2021, NANSY)."""
    b, m, _ = mel.shape
    u = torch.rand(b, 3, generator=generator, device=mel.device, dtype=torch.float32) * 2 - 1
    factor = torch.exp(u[:, 0] * math.log1p(strength))
    bands = torch.arange(m, device=mel.device, dtype=torch.float32)
    source = (bands[None, :] / factor[:, None]).clamp(0, m - 1)  # (B, M) band read from
    low = source.floor().long().clamp(max=m - 2)
    w = (source - low.float())[:, :, None].to(mel.dtype)
    pick = lambda idx: torch.gather(mel, 1, idx[:, :, None].expand(-1, -1, mel.shape[2]))
    warped = pick(low) * (1 - w) + pick(low + 1) * w
    x = bands / max(m - 1, 1)  # 0..1 across the bands
    tilt = (u[:, 1:2] * (x - 0.5) + u[:, 2:3] * torch.cos(math.pi * x)) * strength * 4
    return warped + tilt[:, :, None].to(mel.dtype)


class VoiceOutput(NamedTuple):
    mel: torch.Tensor  # (B, M, T) rebuilt frames
    content: torch.Tensor  # (B, code, T')
    speaker: torch.Tensor  # (B, speaker)


class VoiceNet(nn.Module):
    """Content encoder, speaker encoder, decoder, and (optional) speaker classifier on
    the time-averaged content code."""

    def __init__(self, n_mels: int = 80, channels: int = 256, content_dim: int = 16,
                 speaker_dim: int = 128, blocks: int = 4, downsample: int = 1,
                 n_speakers: int = 0):
        super().__init__()
        self.content_encoder = ContentEncoder(n_mels, channels, content_dim, blocks, downsample)
        self.speaker_encoder = SpeakerEncoder(n_mels, channels, speaker_dim, max(blocks - 1, 1))
        self.decoder = Decoder(n_mels, channels, content_dim, speaker_dim, blocks, downsample)
        self.classifier = (nn.Sequential(nn.Linear(content_dim, channels), nn.ReLU(),
                                         nn.Linear(channels, n_speakers))
                           if n_speakers else None)

    def forward(self, mel, reference, content_input=None) -> VoiceOutput:
        """Rebuild ``mel`` (B, M, T) from its content and the speaker code of
        ``reference`` (B, M, T2): other frames of the same speaker in training.
        ``content_input``: what the content encoder reads instead of ``mel`` (a
        perturbed copy, :func:`perturb_voice`)."""
        content = self.content_encoder(mel if content_input is None else content_input)
        speaker = self.speaker_encoder(reference)
        return VoiceOutput(self.decoder(content, speaker, mel.shape[-1]), content, speaker)

    def convert(self, mel, speaker):
        return self.decoder(self.content_encoder(mel), speaker, mel.shape[-1])

    def speaker_logits(self, content):
        return self.classifier(content.mean(-1))
