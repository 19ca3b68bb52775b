"""Every user error is one line ``aekit: error: ...`` with exit status 2: click's usage
errors, a file given as a model folder, and a model of the wrong kind (which names what
that model can do)."""

import pytest

from aekit.cli.kinds import COMMAND_KINDS, DESCRIPTIONS
from tests.cli.helpers import one_line_error, run
from aekit.registry import ESTIMATORS


@pytest.mark.parametrize("args, message", [
    (["train", "--bogus"], "No such option '--bogus'"),
    (["encode"], "Missing argument 'MODEL' (see `aekit encode --help`)"),
    (["--bogus"], "No such option '--bogus' (see `aekit --help`)"),
    (["nosuch"], "No such command 'nosuch'"),
    (["detect", "fit", "--data", "x.csv", "--out", "d", "--missing", "maybe"],
     "Invalid value for '--missing': 'maybe' is not one of 'error', 'impute' "
     "(see `aekit detect fit --help`)"),
    (["train", "--data", "digits", "--out", "m", "--epochs", "x"], "'x' is neither 'auto' nor a whole number"),
])
def test_click_usage_errors_are_one_aekit_line(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert message in one_line_error(run(*args))


def test_a_file_given_as_a_model_folder_is_named(models):
    for command in (["info"], ["encode"], ["detect", "score"]):
        extra = [] if command == ["info"] else ["--data", models / "x.npy", "--out", models / "o.csv"]
        message = one_line_error(run(*command, models / "x.npy", *extra))
        assert message == (f"{models / 'x.npy'} is a file, not a model folder (aekit saves a "
                           "model as a folder holding config.json and model.safetensors)")


@pytest.mark.parametrize("command, model, uses", [
    (["encode"], "det", "is an anomaly detector: use `aekit detect score|explain`; "
                        "`aekit encode` needs an auto-encoder or a VAE"),
    (["reconstruct"], "det", "is an anomaly detector: use `aekit detect score|explain`; "
                             "`aekit reconstruct` needs an auto-encoder or a VAE"),
    (["index"], "det", "is an anomaly detector: use `aekit detect score|explain`"),
    (["sample"], "ae", "is an auto-encoder: use `aekit encode|reconstruct|index|probe`; "
                       "`aekit sample` needs a VAE (make one with `aekit train --kind vae`)"),
    (["traverse"], "det", "is an anomaly detector"),
    (["detect", "score"], "vae", "is a VAE: use `aekit encode|reconstruct|index|sample|"
                                 "interpolate|traverse`; `aekit detect score` needs an anomaly "
                                 "detector (make one with `aekit detect fit`)"),
    (["detect", "explain"], "ae", "is an auto-encoder"),
])
def test_a_model_of_the_wrong_kind_says_what_it_can_do(models, command, model, uses):
    args = {"sample": ["--out", models / "s.png"], "traverse": ["--out", models / "s.png"],
            "index": ["--data", models / "x.npy", "--out", models / "idx"]}.get(
        command[0], ["--data", models / "x.npy", "--out", models / "o.csv"])
    message = one_line_error(run(*command, models / model, *args))
    assert message.startswith(f"{models / model} {uses}"), message
    assert not any((models / name).exists() for name in ("s.png", "idx", "o.csv"))


def test_probe_and_speech_refuse_other_models(models):
    message = one_line_error(run("probe", "--data", "digits", "--model", models / "det"))
    assert "is an anomaly detector" in message and "`aekit probe --model` needs an auto-encoder" in message
    message = one_line_error(run("speech", "units", "--wav-dir", models, "--out", models / "u",
                                 "--model", models / "ae"))
    assert "is an auto-encoder" in message and "needs a speech-units model" in message


def test_every_registered_kind_is_described_and_used():
    assert set(ESTIMATORS.names()) <= set(DESCRIPTIONS)
    used = {kind for kinds in COMMAND_KINDS.values() for kind in kinds}
    assert set(ESTIMATORS.names()) <= used
