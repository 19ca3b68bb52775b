"""``aekit voice convert`` and ``aekit voice train``."""

from __future__ import annotations

import soundfile as sf

from tests.cli.helpers import one_line_error, run
from tests.speech.voice_data import write_corpus


def test_convert_a_file_and_a_folder_with_the_shipped_model(tmp_path):
    paths = write_corpus(tmp_path / "in", speakers=2, words=1, takes=1)
    result = run("voice", "convert", "--source", paths[0], "--target", paths[1], "--out", tmp_path / "o.wav")
    assert result.exit_code == 0, result.output
    audio, rate = sf.read(str(tmp_path / "o.wav"))
    assert rate == 16000 and len(audio) > 0.3 * rate
    result = run("voice", "convert", "--source", tmp_path / "in", "--target", paths[1], "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)


def test_existing_output_and_bad_inputs_get_one_line(tmp_path):
    paths = write_corpus(tmp_path / "in", speakers=1, words=1, takes=2)
    out = tmp_path / "o.wav"
    out.write_bytes(b"keep")
    assert "--overwrite" in one_line_error(run("voice", "convert", "--source", paths[0], "--target", paths[1], "--out", out))
    assert out.read_bytes() == b"keep"
    text = tmp_path / "notes.wav"
    text.write_text("not audio", encoding="utf-8")
    assert "cannot read" in one_line_error(run("voice", "convert", "--source", text, "--target", paths[1], "--out", tmp_path / "x.wav"))
    assert "no target recording" in one_line_error(run("voice", "convert", "--source", paths[0], "--target", tmp_path / "missing.wav", "--out", tmp_path / "x.wav"))
    silent = tmp_path / "silent.wav"
    sf.write(str(silent), [0.0] * 8000, 8000)
    assert "silent" in one_line_error(run("voice", "convert", "--source", silent, "--target", paths[1], "--out", tmp_path / "x.wav"))
    assert not (tmp_path / "x.wav").exists()


def test_train_with_a_speaker_pattern_then_convert(tmp_path, models):
    paths = write_corpus(tmp_path / "in", speakers=2, words=2, takes=2)
    result = run("voice", "train", "--wav-dir", tmp_path / "in", "--out", tmp_path / "m",
                 "--speaker-pattern", "_(spk[0-9])_", "--max-steps", 3)
    assert result.exit_code == 0, result.output
    assert "2 speakers" in result.output
    result = run("voice", "convert", "--source", paths[0], "--target", paths[-1], "--out", tmp_path / "o.wav",
                 "--model", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert "matches none" in one_line_error(run("voice", "train", "--wav-dir", tmp_path / "in", "--out", tmp_path / "m2", "--speaker-pattern", "zzz"))
    message = one_line_error(run("voice", "convert", "--source", paths[0], "--target", paths[1],
                                 "--out", tmp_path / "p.wav", "--model", models / "ae"))
    assert "is an auto-encoder" in message and "needs a voice converter" in message
