"""Small synthetic "speech": speakers differ in pitch and brightness, words in the
formant-like tones they move through (seconds to train on)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

RATE = 8000


def utterance(speaker: int, word: int, seconds: float = 0.6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    f0 = 110 + 60 * speaker
    voice = sum(np.sin(2 * np.pi * f0 * h * t) / h ** (1.5 - 0.4 * speaker) for h in range(1, 12))
    parts = np.array_split(np.arange(len(t)), 3)
    envelope = np.zeros_like(t)
    for i, idx in enumerate(parts):
        formant = 300 + 250 * ((word + i) % 8)
        envelope[idx] = 1 + np.sin(2 * np.pi * formant * t[idx])
    audio = voice * envelope * np.hanning(len(t)) + 0.01 * rng.standard_normal(len(t))
    return (0.3 * audio / np.abs(audio).max()).astype(np.float32)


def write_corpus(folder: Path, speakers: int = 3, words: int = 4, takes: int = 2) -> list[Path]:
    import soundfile as sf

    paths = []
    for s in range(speakers):
        for w in range(words):
            for k in range(takes):
                path = folder / f"{w}_spk{s}_{k}.wav"
                path.parent.mkdir(parents=True, exist_ok=True)
                sf.write(str(path), utterance(s, w, seed=100 * s + 10 * w + k), RATE)
                paths.append(path)
    return paths


def small_converter(**overrides):
    from aekit.speech import VoiceConverter

    settings = dict(sample_rate=RATE, n_fft=256, hop=80, n_mels=20, fmax=4000.0, channels=16,
                    blocks=1, content_dim=4, speaker_dim=8, segment_s=0.3, max_steps=10,
                    griffin_lim_iters=4, verbose=False, random_state=0)
    settings.update(overrides)
    return VoiceConverter(**settings)
