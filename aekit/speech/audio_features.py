"""Audio to log-mel frames and back, for the voice converter.

Frames are natural-log magnitudes of a mel filter bank (centred STFT windows, so the
frames can be inverted); one way back to a waveform is Griffin-Lim (librosa), which
needs no trained vocoder and runs anywhere; the other is HiFi-GAN
(:mod:`aekit.speech.hifigan`), for frames made with its settings.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import numpy as np

from aekit.errors import DataError

LOG_FLOOR = 1e-5


@dataclass(frozen=True)
class MelSettings:
    sample_rate: int = 16000
    n_fft: int = 512
    hop: int = 160
    n_mels: int = 80
    fmin: float = 0.0
    fmax: float = 8000.0

    @property
    def frames_per_second(self) -> float:
        return self.sample_rate / self.hop

    def to_json(self) -> dict:
        return asdict(self)


def log_mel(samples: np.ndarray, s: MelSettings) -> np.ndarray:
    """(n_mels, T) float32 log mel magnitudes."""
    import librosa

    mel = librosa.feature.melspectrogram(
        y=np.ascontiguousarray(samples, dtype=np.float32), sr=s.sample_rate, n_fft=s.n_fft,
        hop_length=s.hop, power=1.0, n_mels=s.n_mels, fmin=s.fmin, fmax=s.fmax)
    return np.log(np.maximum(mel, LOG_FLOOR)).astype(np.float32)


def griffin_lim(log_mel_frames: np.ndarray, s: MelSettings, iterations: int = 32,
                seed: int = 0) -> np.ndarray:
    """A waveform whose log mel frames are close to ``log_mel_frames`` (n_mels, T)."""
    import librosa

    mel = np.exp(log_mel_frames.astype(np.float64))
    # mel to linear magnitudes through the filter bank's pseudo-inverse (librosa's
    # mel_to_stft solves a non-negative least squares instead: far slower, little better)
    stft = np.maximum(_inverse_bank(s) @ mel, 0.0)
    audio = librosa.griffinlim(stft, n_iter=iterations, hop_length=s.hop, n_fft=s.n_fft,
                               random_state=seed)
    return audio.astype(np.float32)


@functools.lru_cache(maxsize=4)
def _inverse_bank(s: MelSettings) -> np.ndarray:
    import librosa

    bank = librosa.filters.mel(sr=s.sample_rate, n_fft=s.n_fft, n_mels=s.n_mels, fmin=s.fmin,
                               fmax=s.fmax)
    return np.linalg.pinv(bank)


def voiced(samples: np.ndarray, name: str, top_db: float = 40.0) -> np.ndarray:
    """``samples`` without leading and trailing silence; silent audio is refused."""
    import librosa

    if not len(samples) or float(np.abs(samples).max()) < 1e-4:
        raise DataError(f"{name} is silent")
    trimmed, _ = librosa.effects.trim(samples, top_db=top_db)
    return trimmed


def clipped_share(samples: np.ndarray) -> float:
    """Share of samples at full scale (clipped recordings sit there in runs)."""
    return float(np.mean(np.abs(samples) >= 0.999)) if len(samples) else 0.0
