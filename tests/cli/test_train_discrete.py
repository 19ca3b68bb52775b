"""``aekit train --bottleneck``, ``aekit encode --ids`` and ``aekit info`` for discrete codes."""

import numpy as np
import pandas as pd
from click.testing import CliRunner

import aekit
from aekit.cli.main import cli

FAST = ["--data", "digits", "--architecture", "mlp", "--hidden", "32", "--epochs", "2", "--quiet"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_train_a_vq_model_then_write_its_code_ids(tmp_path, digits_X):
    out = tmp_path / "vq"
    result = run("train", *FAST, "--out", out, "--bottleneck", "vq", "--code-size", "4",
                 "--codebook-size", "32")
    assert result.exit_code == 0, result.output
    assert "vq code:" in result.output and "of 32 codes used" in result.output
    np.save(tmp_path / "x.npy", digits_X[:10])
    result = run("encode", out, "--data", tmp_path / "x.npy", "--out", tmp_path / "ids.csv", "--ids")
    assert result.exit_code == 0, result.output
    ids = pd.read_csv(tmp_path / "ids.csv")
    assert ids.columns.tolist() == ["row", "id0"] and ids["row"].tolist() == list(range(10))
    assert np.array_equal(ids["id0"], aekit.load(out).predict(digits_X[:10]))
    info = run("info", out)
    assert "bottleneck: vq" in info.output and "codes used:" in info.output


def test_ids_of_a_continuous_model_are_refused_in_one_line(tmp_path):
    out = tmp_path / "plain"
    assert run("train", *FAST, "--out", out, "--code-size", "3").exit_code == 0
    result = run("encode", out, "--data", "digits", "--out", tmp_path / "ids.csv", "--ids")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"aekit: error: --ids needs a model with a one-hot or vq code; {out} has a continuous code"]
    assert not (tmp_path / "ids.csv").exists()


def test_a_codebook_larger_than_the_data_is_one_line(tmp_path):
    result = run("train", *FAST, "--out", tmp_path / "m", "--bottleneck", "vq",
                 "--code-size", "4", "--codebook-size", "5000")
    assert result.exit_code == 2
    assert "codebook_size=5000 is larger than the 1797 training vectors" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_codebook_options_without_vq_are_refused(tmp_path):
    result = run("train", *FAST, "--out", tmp_path / "m", "--codebook-size", "64")
    assert result.exit_code == 2
    assert "--codebook-size and --codebook-dim apply to --bottleneck vq only" in result.output
