"""The command line, driven in-process: round trips and one-line errors with exit status 2."""

import numpy as np
import pytest
from click.testing import CliRunner

import aekit
from aekit.cli.main import cli

FAST = ["--architecture", "mlp", "--hidden", "32", "--code-size", "4", "--epochs", "3", "--quiet"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "model"
    result = run("train", "--data", "digits", "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    return out


def test_train_writes_a_loadable_model_and_history(trained):
    assert (trained / "config.json").exists() and (trained / "checkpoints" / "history.csv").exists()
    assert aekit.load(trained).code_size_ == 4


def test_encode_and_reconstruct_round_trip(trained, tmp_path, digits_X):
    data = tmp_path / "x.npy"
    np.save(data, digits_X[:20])
    result = run("encode", trained, "--data", data, "--out", tmp_path / "codes.npy")
    assert result.exit_code == 0, result.output
    codes = np.load(tmp_path / "codes.npy")
    np.testing.assert_allclose(codes, aekit.load(trained).transform(digits_X[:20]), rtol=1e-6)
    result = run("reconstruct", trained, "--data", data, "--out", tmp_path / "r.csv",
                 "--png", tmp_path / "r.png")
    assert result.exit_code == 0, result.output
    assert np.loadtxt(tmp_path / "r.csv", delimiter=",").shape == (20, 64)
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"


def test_info_and_datasets_describe_things(trained):
    result = run("info", trained)
    assert result.exit_code == 0 and "code size: 4" in result.output
    result = run("datasets")
    assert result.exit_code == 0
    assert all(name in result.output for name in ("digits", "breast_cancer", "mnist5k", "fashion-mnist", "faces"))


@pytest.mark.parametrize("args, message", [
    (["encode", "nowhere", "--data", "digits", "--out", "c.npy"], "no model folder at nowhere"),
    (["train", "--data", "no_such.csv", "--out", "m"], "no such file or folder"),
    (["train", "--data", "digits", "--out", "m", "--code-size", "0"], "code_size must be"),
    (["train", "--data", "digits", "--out", "m", "--device", "tpu"], "device"),
])
def test_user_errors_are_one_line_with_status_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aekit: error:") and message in lines[0]
    assert "Traceback" not in result.output


def test_wrong_feature_count_at_encode_is_a_clean_error(trained, tmp_path):
    np.save(tmp_path / "bad.npy", np.zeros((3, 10)))
    result = run("encode", trained, "--data", tmp_path / "bad.npy", "--out", tmp_path / "c.npy")
    assert result.exit_code == 2 and "expecting 64 features" in result.output
    assert not (tmp_path / "c.npy").exists()


def test_an_existing_model_is_not_overwritten_by_accident(trained):
    before = (trained / "model.safetensors").read_bytes()
    result = run("train", "--data", "digits", "--out", trained, *FAST)
    assert result.exit_code == 2 and "--overwrite" in result.output
    assert (trained / "model.safetensors").read_bytes() == before


def test_a_corrupt_model_folder_is_reported_and_left_alone(trained, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(trained, broken)
    (broken / "config.json").write_text("{")
    result = run("info", broken)
    assert result.exit_code == 2 and "config.json is not readable JSON" in result.output
    assert (broken / "config.json").read_text() == "{"


def test_the_console_script_is_installed():
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    script = shutil.which("aekit") or str(Path(sys.executable).parent / "aekit")
    if not Path(script).exists():
        pytest.skip("aekit is not installed as a console script in this environment")
    result = subprocess.run([script, "info", "/nonexistent"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.strip().startswith("aekit: error:")
