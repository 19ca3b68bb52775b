"""VoiceConverter on small synthetic speech, and the shipped converter."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import aekit
from aekit.errors import DataError, InputError
from tests.speech.voice_data import RATE, small_converter, utterance, write_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("voices"))


@pytest.fixture(scope="module")
def fitted(corpus):
    speakers = [p.stem.split("_")[1] for p in corpus]
    return small_converter().fit(corpus, speakers)


def test_convert_gives_audio_of_about_the_source_length(fitted, corpus):
    audio = fitted.convert(corpus[0], [corpus[-1]])
    assert audio.dtype == np.float32 and audio.ndim == 1 and np.isfinite(audio).all()
    assert np.abs(audio).max() <= 1.0
    assert 0.3 * RATE < len(audio) <= 0.65 * RATE  # silence trimmed, never longer


def test_codes_have_the_documented_shapes(fitted, corpus):
    codes = fitted.content_codes(corpus[0])
    assert codes.shape[1] == 4 and codes.shape[0] > 10
    assert fitted.speaker_embedding([corpus[0], corpus[1]]).shape == (8,)
    assert fitted.speakers_ == ["spk0", "spk1", "spk2"]


def test_the_band_correction_is_what_the_decoder_misses_of_the_target(fitted, corpus):
    from aekit.speech.voice import correct_bands

    target = corpus[-1]
    voice = fitted.target_voice([target])
    assert voice.band_offset.shape == voice.band_scale.shape == (fitted.mel_.n_mels,)
    assert (voice.band_scale > 0).all()
    # the target rebuilt from its own content, corrected, has the target's band means
    real = fitted._frames(fitted._recordings([target])[0])
    rebuilt = fitted.convert_frames(target, voice)
    np.testing.assert_allclose(rebuilt.mean(1), real.mean(1), atol=1e-3)
    decoder_only = fitted.convert_frames(corpus[0], voice.code)
    np.testing.assert_allclose(correct_bands(decoder_only, voice, 0.0), decoder_only, atol=1e-6)
    fitted.set_params(band_correction=0.0)
    try:
        np.testing.assert_allclose(fitted.convert_frames(corpus[0], voice), decoder_only)
    finally:
        fitted.set_params(band_correction=1.0)


def test_perturbed_training_reads_a_changed_voice(corpus):
    from aekit.speech.voice_net import perturb_voice

    mel = torch.randn(3, 16, 20)
    g = torch.Generator().manual_seed(0)
    changed = perturb_voice(mel, 0.15, g)
    assert changed.shape == mel.shape and not torch.allclose(changed, mel)
    assert torch.equal(perturb_voice(mel, 0.0, g), mel)
    speakers = [p.stem.split("_")[1] for p in corpus]
    model = small_converter(perturbation=0.15, max_steps=4).fit(corpus, speakers)
    assert np.isfinite(model.history_[-1]["train_loss"])


def test_arrays_are_taken_at_the_model_rate(fitted):
    audio = fitted.convert(utterance(0, 1), [utterance(2, 3)])
    assert len(audio) > 0.3 * RATE


def test_save_and_load_keep_the_model(fitted, corpus, tmp_path):
    fitted.save(tmp_path / "vc")
    loaded = aekit.load(tmp_path / "vc")
    for name, tensor in fitted.module_.state_dict().items():
        assert torch.equal(tensor, loaded.module_.state_dict()[name]), name
    speaker = fitted.speaker_embedding([corpus[-1]])
    np.testing.assert_allclose(loaded.convert_frames(corpus[0], speaker),
                               fitted.convert_frames(corpus[0], speaker), atol=1e-4)


def test_autovc_bottleneck_and_adversarial_classifier_train(corpus):
    speakers = [p.stem.split("_")[1] for p in corpus]
    model = small_converter(downsample=2, adversarial_weight=0.1, max_steps=4).fit(corpus, speakers)
    assert model.module_.classifier is not None
    assert "disc_speaker_ce" in model.history_[-1] or any("speaker_ce" in k for k in model.history_[-1])
    assert len(model.convert(corpus[0], [corpus[-1]])) > 0


def test_bad_training_data_is_refused(corpus):
    with pytest.raises(DataError, match="at least 2 speakers"):
        small_converter().fit(corpus[:4], ["a"] * 4)
    with pytest.raises(InputError, match="speaker ids"):
        small_converter().fit(corpus[:4], ["a", "b"])
    with pytest.raises(DataError, match="NaN"):
        small_converter().fit([np.full(4000, np.nan, np.float32)] * 2 + corpus[:2], ["a", "a", "b", "b"])


def test_silent_and_too_short_audio_is_refused(fitted, corpus):
    with pytest.raises(DataError, match="silent"):
        fitted.convert(np.zeros(RATE, np.float32), [corpus[0]])
    with pytest.raises(DataError, match="at least 0.2 s"):
        fitted.speaker_embedding([utterance(0, 0, seconds=0.12)])
    with pytest.raises(InputError, match="at least one"):
        fitted.speaker_embedding([])


def test_clipped_audio_is_warned(fitted, corpus, caplog):
    loud = np.clip(utterance(1, 2) * 10, -1, 1)
    with caplog.at_level("WARNING", logger="aekit"):
        fitted.convert(loud, [corpus[0]])
    assert "clipped" in caplog.text


def test_shipped_converter_converts_to_an_unheard_voice():
    from aekit.speech.shipped import shipped_voice_converter

    model = shipped_voice_converter()
    src = utterance(0, 1)
    import librosa

    src16 = librosa.resample(src, orig_sr=RATE, target_sr=model.mel_.sample_rate)
    target = librosa.resample(utterance(2, 3), orig_sr=RATE, target_sr=model.mel_.sample_rate)
    audio = model.convert(src16, [target])
    assert np.isfinite(audio).all() and len(audio) > 0.3 * model.mel_.sample_rate
