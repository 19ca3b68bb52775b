"""``aekit speech units``: outputs, mapping new files with a saved model, one-line errors."""

from __future__ import annotations

import csv
import json
import logging

import numpy as np
import pytest
from click.testing import CliRunner

from aekit.cli.main import cli
from aekit.speech.files import read_units

from tests.speech.test_units import buzz, hiss, tone, write_wav

TRAIN = ["--codebook", "4", "--code-size", "4", "--hidden", "16", "--context", "1",
         "--epochs", "3", "--batch-size", "64"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("speech")
    for i in range(4):
        write_wav(root / "wavs" / ("low" if i % 2 else "high") / f"s{i}.wav",
                  buzz(0.3) if i % 2 else hiss(0.3, seed=i))
    result = run("speech", "units", "--wav-dir", root / "wavs", "--out", root / "units", *TRAIN, "--file-mean")
    assert result.exit_code == 0, result.output
    return root, result.output


def test_units_summary_and_model_are_written(trained):
    root, output = trained
    out = root / "units"
    units = read_units(out / "units.jsonl")
    assert sorted(units) == ["high/s0.wav", "high/s2.wav", "low/s1.wav", "low/s3.wav"]
    assert all(len(u) == 1 + (2400 - 200) // 80 and u.min() >= 0 and u.max() < 4 for u in units.values())
    with open(out / "units.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(len(u) for u in units.values())
    assert rows[1] == {"file": "high/s0.wav", "frame": "1", "start_s": "0.010",
                       "unit": str(units["high/s0.wav"][1])}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files"] == 4 and summary["codebook"] == 4 and summary["sample_rate"] == 8000
    assert summary["file_mean"] is True and summary["context"] == 1
    assert 1 <= summary["perplexity"] <= 4 and summary["units_used"] == round(summary["usage"] * 4)
    assert (out / "model" / "config.json").is_file() and (out / "model" / "model.safetensors").is_file()
    assert "learned units from 4 files" in output and "of 4 units used" in output


def test_a_saved_model_maps_files_identically(trained):
    root, _ = trained
    result = run("speech", "units", "--wav-dir", root / "wavs", "--model", root / "units" / "model",
                 "--out", root / "mapped", "--no-csv")
    assert result.exit_code == 0, result.output
    again, first = read_units(root / "mapped" / "units.jsonl"), read_units(root / "units" / "units.jsonl")
    assert again.keys() == first.keys()
    assert all(np.array_equal(again[k], first[k]) for k in first)
    assert not (root / "mapped" / "units.csv").exists() and not (root / "mapped" / "model").exists()


def test_mixed_rates_and_stereo_are_converted_with_warnings(tmp_path, caplog):
    write_wav(tmp_path / "w" / "a.wav", tone(0.5, 300))
    write_wav(tmp_path / "w" / "b.wav", tone(0.5, 900))
    write_wav(tmp_path / "w" / "c.wav", np.stack([tone(0.5, 300, 16000)] * 2, axis=1), rate=16000)
    with caplog.at_level(logging.WARNING, logger="aekit.speech"):
        result = run("speech", "units", "--wav-dir", tmp_path / "w", "--out", tmp_path / "o", *TRAIN)
    assert result.exit_code == 0, result.output
    assert "resampled 1 of 3 file(s) from 16000 Hz to 8000 Hz (e.g. c.wav)" in caplog.text
    assert "mixed 1 multi-channel file(s) to mono (e.g. c.wav)" in caplog.text
    assert len(read_units(tmp_path / "o" / "units.jsonl")["c.wav"]) == 48


@pytest.mark.parametrize("setup, extra, message", [
    ("empty", [], "no WAV files (*.wav) under"),
    ("corrupt", [], "cannot read {folder}/w/bad.wav as audio"),
    ("short", [], "short.wav is too short: 80 samples, fewer than one 25 ms window"),
    ("one", ["--codebook", "64"], "a codebook of 64 units needs at least 64 training frames, "
                                  "but the 1 file(s) give 8"),
    ("one", ["--model", "{folder}/nowhere"], "no model folder at"),
    ("one", ["--model", "{folder}/w", "--codebook", "8"], "--codebook cannot change saved units"),
    ("one", ["--model", "{folder}/w", "--file-mean"], "--file-mean cannot change saved units"),
    ("missing", [], "no folder at"),
    ("exists", [], "already holds units.jsonl; pass --overwrite"),
])
def test_user_errors_are_one_line_with_status_2(tmp_path, setup, extra, message):
    wavs = tmp_path / "w"
    wavs.mkdir()
    if setup == "corrupt":
        write_wav(wavs / "good.wav", tone(0.3, 300))
        (wavs / "bad.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    elif setup == "short":
        write_wav(wavs / "short.wav", tone(0.01, 300))
    elif setup in ("one", "exists"):
        write_wav(wavs / "one.wav", tone(0.1, 300))
    elif setup == "missing":
        wavs.rmdir()
    if setup == "exists":
        (tmp_path / "o").mkdir()
        (tmp_path / "o" / "units.jsonl").write_text("")
    args = [a.format(folder=tmp_path) for a in extra]
    if "--model" not in args:
        args += ["--epochs", "1"]  # a run that got past the check would train quickly
    result = run("speech", "units", "--wav-dir", wavs, "--out", tmp_path / "o", *args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aekit: error: ")
    assert message.format(folder=tmp_path) in lines[0]
    assert not (tmp_path / "o" / "model").exists()
