"""``aekit train --kind``: kinds read from the registry, defaults read from the estimators,
only the options given passed on, and options of another kind refused."""

import pytest
from click.testing import CliRunner

import aekit
from aekit.anomaly import AnomalyDetector
from aekit.cli.main import cli
from aekit.cli.train import KINDS

FAST = ["--architecture", "mlp", "--hidden", "16", "--epochs", "1", "--quiet"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_kinds_are_the_registered_estimators_built_from_an_architecture():
    assert KINDS == ["autoencoder", "vae"]


def test_options_not_given_keep_the_estimators_defaults(tmp_path):
    for kind in KINDS:
        result = run("train", "--data", "digits", "--out", tmp_path / kind, "--kind", kind, *FAST)
        assert result.exit_code == 0, result.output
        model = aekit.load(tmp_path / kind)
        assert type(model) is aekit.registry.ESTIMATORS.get(kind)
        defaults = type(model)().get_params()
        for param in ("code_size", "batch_size", "learning_rate", "patience", "checkpoint_every"):
            assert getattr(model, param) == defaults[param], param
    assert aekit.load(tmp_path / "vae").code_size != aekit.load(tmp_path / "autoencoder").code_size


def test_help_shows_the_estimators_defaults():
    text = " ".join(run("train", "--help").output.split())
    ae, vae = aekit.AutoEncoder().get_params(), aekit.VAE().get_params()
    assert f"[default: {ae['code_size']} (autoencoder), {vae['code_size']} (vae)]" in text
    assert f"[vae] Weight of the KL term (> 1: beta-VAE). [default: {vae['beta']:g}]" in text
    assert ae["epochs"] == vae["epochs"] == "auto"
    assert "Training epochs ('auto': the estimator's step budget). [default: auto]" in text
    text = " ".join(run("detect", "fit", "--help").output.split())
    det = AnomalyDetector().get_params()
    assert f"[default: {det['contamination']}]" in text and f"[default: {det['steps']}]" in text


@pytest.mark.parametrize("args, message", [
    (["--kind", "vae", "--bottleneck", "vq"], "--bottleneck is an option of --kind autoencoder, "
                                              "not of --kind vae"),
    (["--beta", "2"], "--beta is an option of --kind vae, not of --kind autoencoder"),
    (["--kl-warmup", "2"], "--kl-warmup is an option of --kind vae, not of --kind autoencoder"),
    (["--codebook-size", "8"], "--codebook-size and --codebook-dim apply to --bottleneck vq only"),
    (["--kind", "rbm"], "Invalid value for '--kind': 'rbm' is not one of 'autoencoder', 'vae'"),
    (["--model", "vae"], "No such option '--model'"),  # --model always means a model folder
])
def test_options_of_another_kind_are_refused(args, message, tmp_path):
    result = run("train", "--data", "digits", "--out", tmp_path / "m", *args, *FAST)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aekit: error: ") and message in lines[0]
    assert not (tmp_path / "m").exists()
