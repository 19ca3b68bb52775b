"""Log-mel frames, their standardisation and stacking of neighbouring frames.

Frames are computed without centring padding, so a file of n samples gives
``1 + (n - window) // hop`` frames and frame t covers samples [t*hop, t*hop + window):
unit t of a file then names one known stretch of audio.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from aekit.errors import DataError, InputError


@dataclass(frozen=True)
class FrameSettings:
    """How samples become log-mel frames (saved with the model)."""

    sample_rate: int
    window_ms: float = 25.0
    hop_ms: float = 10.0
    n_mels: int = 40
    fmin: float = 20.0
    fmax: float | None = None  # None: half the sample rate
    top_db: float = 80.0  # floor each file at its loudest frame minus this (digital silence)

    @property
    def window(self) -> int:
        return max(1, round(self.window_ms * self.sample_rate / 1000))

    @property
    def hop(self) -> int:
        return max(1, round(self.hop_ms * self.sample_rate / 1000))

    def n_frames(self, n_samples: int) -> int:
        return 0 if n_samples < self.window else 1 + (n_samples - self.window) // self.hop

    def to_json(self) -> dict:
        return asdict(self)


def log_mel(samples: np.ndarray, settings: FrameSettings, name: str = "audio") -> np.ndarray:
    """(n_frames, n_mels) float32 log-mel energies in dB of mono ``samples``."""
    import librosa

    if len(samples) < settings.window:
        raise DataError(f"{name} is too short: {len(samples)} samples, fewer than one "
                        f"{settings.window_ms:g} ms window ({settings.window} samples at "
                        f"{settings.sample_rate} Hz)")
    # n_fft = window length: no zero padding, so every frame is exactly one window
    power = librosa.feature.melspectrogram(
        y=np.ascontiguousarray(samples, dtype=np.float32), sr=settings.sample_rate,
        n_fft=settings.window, hop_length=settings.hop, window="hann", center=False, power=2.0,
        n_mels=settings.n_mels, fmin=settings.fmin, fmax=settings.fmax)
    db = librosa.power_to_db(power, ref=1.0, amin=1e-10, top_db=settings.top_db)
    return np.ascontiguousarray(db.T, dtype=np.float32)


class Standardizer:
    """Per-feature mean and scale over the training frames."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray):
        self.mean = np.asarray(mean, dtype=np.float32)
        self.scale = np.asarray(scale, dtype=np.float32)

    @classmethod
    def fit(cls, frames: np.ndarray) -> "Standardizer":
        mean = frames.mean(axis=0, dtype=np.float64)
        std = frames.std(axis=0, dtype=np.float64)
        # a constant band (e.g. above a low-pass) would divide by zero; leave it centred
        return cls(mean, np.where(std > 1e-6, std, 1.0))

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        if frames.shape[1] != self.mean.shape[0]:
            raise InputError(f"frames have {frames.shape[1]} mel bands, the model "
                             f"{self.mean.shape[0]}")
        return (frames - self.mean) / self.scale


def stack_context(frames: np.ndarray, context: int) -> np.ndarray:
    """Each frame with ``context`` frames either side, (T, F) -> (T, (2*context+1)*F);
    the first and last frames are repeated at the edges so every frame keeps its unit."""
    if context == 0:
        return frames
    padded = np.pad(frames, ((context, context), (0, 0)), mode="edge")
    width = len(frames)
    return np.concatenate([padded[i:i + width] for i in range(2 * context + 1)], axis=1)
