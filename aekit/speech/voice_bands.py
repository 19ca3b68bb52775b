"""The target's band correction: what the voice converter's decoder misses of a voice.

The decoder knows only voices like the training speakers'. Rebuilding the target
recordings from their own content and speaker code shows what it fails to reproduce of
this voice: per log-mel band, a difference of the means over time and a ratio of the
spreads. Applied to converted frames, the same for every frame, it moves the voice and
not the words.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

STD_FLOOR = 1e-3  # of a band's spread over time, so a flat band is not divided by 0


class TargetVoice(NamedTuple):
    """What a conversion needs of the target speaker: the speaker code, and what the
    decoder misses of the target's long-term spectrum when it rebuilds the target
    recordings from their own content and that code: per log-mel band (n_mels,), the
    difference of the means over time and the ratio of the spreads."""

    code: np.ndarray
    band_offset: np.ndarray
    band_scale: np.ndarray


def correct_bands(frames: np.ndarray, voice: TargetVoice, weight: float) -> np.ndarray:
    """``frames`` (n_mels, T) with ``weight`` of the voice's band correction: each band's
    spread over time times ``band_scale ** weight``, its mean plus ``weight`` times
    ``band_offset``. Every frame moves alike, so the voice changes, not the words."""
    mean = frames.mean(1, keepdims=True)
    scale = np.power(voice.band_scale, weight)[:, None]
    return (frames - mean) * scale + mean + weight * voice.band_offset[:, None]


def measure_band_correction(real: np.ndarray, rebuilt: np.ndarray, code: np.ndarray) -> TargetVoice:
    """The :class:`TargetVoice` of target frames ``real`` (n_mels, T) and the decoder's
    rebuilding of them ``rebuilt`` (n_mels, T), with speaker ``code``."""
    offset = real.mean(1) - rebuilt.mean(1)
    scale = real.std(1) / np.maximum(rebuilt.std(1), STD_FLOOR)
    return TargetVoice(code, offset.astype(np.float32), scale.astype(np.float32))
