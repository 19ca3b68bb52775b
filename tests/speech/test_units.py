"""aekit.speech: WAV reading, log-mel frames, the units estimator and its bad inputs."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from aekit.errors import DataError, InputError
from aekit.data.audio import find_wavs, read_wavs
from aekit.speech import FrameSettings, SpeechUnits, log_mel, stack_context
from aekit.speech.units import unit_usage

from tests.conftest import shared_path

RATE = 8000


def tone(seconds: float, freq: float, rate: int = RATE, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(seed).normal(0, 0.01, len(t))
    return (0.5 * np.sin(2 * np.pi * freq * t) + noise).astype(np.float32)


def write_wav(path, samples, rate: int = RATE):
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), samples, rate)
    return path


def hiss(seconds: float, rate: int = RATE, seed: int = 0) -> np.ndarray:
    """Differenced white noise: energy rising with frequency, unlike a low tone."""
    noise = np.random.default_rng(seed).normal(0, 0.2, int(seconds * rate) + 1)
    return np.diff(noise).astype(np.float32)


def buzz(seconds: float, rate: int = RATE) -> np.ndarray:
    """A 150 Hz buzz with harmonics to 1.5 kHz: energy in the low bands only."""
    return sum(tone(seconds, 150 * k, rate, seed=k) / k for k in range(1, 11)) / 3


def sound_folder(folder, n: int = 6, seconds: float = 0.3):
    """Files alternating a low buzz and a hiss: two clearly different sounds."""
    for i in range(n):
        write_wav(folder / f"sub{i % 2}" / f"sound{i}.wav", buzz(seconds) if i % 2 else hiss(seconds, seed=i))
    return folder


def small(**kw) -> SpeechUnits:
    settings = dict(codebook=4, code_size=4, hidden=(16,), context=1, epochs=2, batch_size=64,
                    random_state=0, verbose=False)
    return SpeechUnits(**{**settings, **kw})


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = sound_folder(tmp_path_factory.mktemp("tones"))
    paths = find_wavs(folder)
    # Each file is one steady sound, which per-file mean normalisation would erase.
    return small(epochs=30, file_mean=False).fit(paths), paths


def test_frames_match_duration_over_hop():
    settings = FrameSettings(RATE)  # 25 ms = 200 samples, 10 ms = 80 samples
    mel = log_mel(tone(0.5, 440), settings)
    assert mel.shape == (1 + (4000 - 200) // 80, 40) == (48, 40)
    assert settings.n_frames(4000) == 48 and np.isfinite(mel).all()


def test_stack_context_repeats_edge_frames():
    frames = np.arange(8, dtype=np.float32).reshape(4, 2)
    stacked = stack_context(frames, 1)
    assert stacked.shape == (4, 6)
    np.testing.assert_array_equal(stacked[0], [0, 1, 0, 1, 2, 3])  # first frame repeated
    np.testing.assert_array_equal(stacked[:, 2:4], frames)  # the middle is the frame itself


def test_units_per_frame_in_range_and_separate_sounds(fitted):
    su, paths = fitted
    units = su.transform(paths)
    assert len(units) == len(paths)
    assert all(u.dtype == np.int64 and len(u) == su.frames_.n_frames(int(0.3 * RATE)) for u in units)
    assert all(((u >= 0) & (u < 4)).all() for u in units)
    # the buzz and the hiss never share a unit
    low, high = (set(np.concatenate([u for u, p in zip(units, paths) if p.parent.name == name]))
                 for name in ("sub1", "sub0"))
    assert low.isdisjoint(high)
    assert 0 < su.codebook_usage_ <= 1 and 1 <= su.codebook_perplexity_ <= 4
    stats = unit_usage(units, 4)
    assert stats["frames"] == sum(len(u) for u in units) and stats["units_used"] >= 2


def test_save_load_gives_identical_units(fitted, tmp_path):
    su, paths = fitted
    su.save(tmp_path / "model")
    again = SpeechUnits.load(tmp_path / "model")
    for a, b in zip(su.transform(paths), again.transform(paths)):
        np.testing.assert_array_equal(a, b)
    assert again.frames_ == su.frames_ and again.get_params() == su.get_params()


def test_arrays_with_a_sample_rate_match_the_files(fitted):
    import soundfile as sf

    su, paths = fitted
    samples = [sf.read(str(p), dtype="float32")[0] for p in paths[:2]]
    for a, b in zip(su.transform(samples), su.transform(paths[:2])):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(InputError, match="sample arrays need sample_rate"):
        small().fit([tone(0.3, 300)])


def test_mixed_sample_rates_are_resampled_to_the_most_common_with_a_warning(tmp_path, caplog):
    write_wav(tmp_path / "a.wav", tone(0.3, 300))
    write_wav(tmp_path / "b.wav", tone(0.3, 300))
    write_wav(tmp_path / "c.wav", tone(0.3, 300, rate=16000), rate=16000)
    with caplog.at_level(logging.WARNING, logger="aekit.speech"):
        recordings, rate = read_wavs(find_wavs(tmp_path))
    assert rate == 8000 and all(r.sample_rate == 8000 for r in recordings)
    assert abs(len(recordings[2].samples) - 2400) <= 1
    assert "resampled 1 of 3 file(s) from 16000 Hz to 8000 Hz (e.g. c.wav)" in caplog.text
    recordings, rate = read_wavs(find_wavs(tmp_path), sample_rate=16000)  # a chosen rate
    assert rate == 16000 and len(recordings[0].samples) == 4800


def test_stereo_is_mixed_to_mono_with_a_warning(tmp_path, caplog):
    left, right = tone(0.3, 300), tone(0.3, 900)
    write_wav(tmp_path / "stereo.wav", np.stack([left, right], axis=1))
    with caplog.at_level(logging.WARNING, logger="aekit.speech"):
        (rec,), _ = read_wavs([tmp_path / "stereo.wav"])
    assert rec.samples.ndim == 1 and np.allclose(rec.samples, (left + right) / 2, atol=1e-4)
    assert "mixed 1 multi-channel file(s) to mono (e.g. stereo.wav)" in caplog.text


def test_bad_inputs_say_what_is_wrong(tmp_path):
    with pytest.raises(DataError, match="no WAV files"):
        find_wavs(tmp_path)
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    with pytest.raises(DataError, match=r"cannot read .*broken\.wav as audio"):
        small().fit(tmp_path)
    (tmp_path / "broken.wav").unlink()
    write_wav(tmp_path / "short.wav", tone(0.01, 300))  # 80 samples < 200
    with pytest.raises(DataError, match="short.wav is too short: 80 samples, fewer than one 25 ms window"):
        small().fit(tmp_path)
    write_wav(tmp_path / "short.wav", tone(0.1, 300))  # 8 frames
    with pytest.raises(InputError, match="codebook of 64 units needs at least 64 training frames, "
                                         "but the 1 file.* give 8"):
        small(codebook=64).fit(tmp_path)


def test_real_spoken_digits(tmp_path):
    folder = shared_path("fsdd", "recordings")
    paths = sorted(folder.glob("*_jackson_0.wav"))[:5]  # five digits, one speaker
    su = small(codebook=8)
    units = su.fit_transform(paths)
    assert [len(u) for u in units] == [len(m) for m in su.frame_features(paths)]
    assert su.frames_.sample_rate == 8000 and su.n_files_ == 5


def test_file_mean_removes_each_files_constant_colour(fitted):
    _, paths = fitted
    su = small(file_mean=True).fit(paths[:2])
    quiet = small(file_mean=True, sample_rate=RATE).fit([hiss(0.3), 0.1 * hiss(0.3)])
    # a file 20 dB quieter gives the same frames once its mean is gone
    a, b = quiet.frame_features([hiss(0.3), 0.1 * hiss(0.3)])
    np.testing.assert_allclose(a, b, atol=1e-3)
    assert all(len(u) for u in su.transform(paths[:2]))
