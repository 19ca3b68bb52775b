"""``aekit train --kind vae``, ``sample``, ``interpolate``, ``traverse`` and the figure."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import aekit
from aekit.cli.main import cli

FAST = ["--architecture", "mlp", "--hidden", "32", "--code-size", "4", "--epochs", "3", "--quiet"]
PNG = b"\x89PNG"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def vae_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("vae") / "model"
    result = run("train", "--data", "digits", "--out", out, "--kind", "vae", "--beta", "2",
                 "--kl-warmup", "1", "--binarize", "dynamic", *FAST)
    assert result.exit_code == 0, result.output
    assert "latent units active" in result.output
    return out


@pytest.fixture(scope="module")
def digit_pngs(tmp_path_factory):
    from sklearn.datasets import load_digits

    folder = tmp_path_factory.mktemp("pngs")
    images = load_digits().images
    for i in range(2):
        Image.fromarray((images[i] * 15).astype(np.uint8)).save(folder / f"{i}.png")
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(folder / "big.png")
    return folder


def test_train_saves_a_vae_with_its_settings(vae_dir):
    model = aekit.load(vae_dir)
    assert isinstance(model, aekit.VAE)
    assert (model.beta, model.binarize, model.kl_warmup_epochs) == (2.0, "dynamic", 1)


def test_sample_writes_a_grid_and_the_arrays(vae_dir, tmp_path):
    result = run("sample", vae_dir, "-n", 12, "--out", tmp_path / "g.png", "--npy", tmp_path / "s.npy")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g.png").read_bytes()[:4] == PNG
    np.testing.assert_allclose(np.load(tmp_path / "s.npy"),
                               aekit.load(vae_dir).sample(12, random_state=0), rtol=1e-6)


def test_interpolate_between_two_images(vae_dir, digit_pngs, tmp_path):
    result = run("interpolate", vae_dir, digit_pngs / "0.png", digit_pngs / "1.png",
                 "--steps", 5, "--out", tmp_path / "i.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "i.png").read_bytes()[:4] == PNG


def test_traverse_chosen_and_default_dimensions(vae_dir, digit_pngs, tmp_path):
    result = run("traverse", vae_dir, "--dim", 3, "--out", tmp_path / "t.png")
    assert result.exit_code == 0 and "dimensions 3 to" in result.output
    result = run("traverse", vae_dir, "--from", digit_pngs / "0.png", "--out", tmp_path / "u.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "u.png").read_bytes()[:4] == PNG


@pytest.mark.parametrize("args, message", [
    (["sample", "{vae}", "-n", "0", "--out", "x.png"], "n must be an integer >= 1"),
    (["interpolate", "{vae}", "{pngs}/big.png", "{pngs}/0.png", "--out", "x.png"],
     "a must be one sample of shape (1, 8, 8)"),
    (["traverse", "{vae}", "--dim", "9", "--out", "x.png"], "dim must be an integer in [0, 3]"),
    (["sample", "{ae}", "--out", "x.png"], "`aekit sample` needs a VAE"),
    (["train", "--data", "digits", "--out", "m", "--kind", "vae", "--beta", "inf"],
     "beta must be a finite number"),
    (["train", "--data", "digits", "--out", "m", "--kind", "vae", "--noise", "masking"],
     "--noise is an option of --kind autoencoder or --kind denoiser, not of --kind vae"),
    (["train", "--data", "digits", "--out", "m", "--kind", "vae", "--likelihood", "gaussian",
      "--binarize", "dynamic"], "needs likelihood='bernoulli'"),
    (["train", "--data", "digits", "--out", "m", "--kind", "vae", "--kl-warmup", "-1"],
     "'-1' is neither 'auto' nor a whole number >= 0"),
])
def test_user_errors_are_one_line_with_status_2(args, message, vae_dir, digit_pngs, tmp_path,
                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    ae = tmp_path / "ae"
    if "{ae}" in args:
        assert run("train", "--data", "digits", "--out", ae, *FAST).exit_code == 0
    args = [a.format(vae=vae_dir, pngs=digit_pngs, ae=ae) for a in args]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("aekit: error: ") and message in result.output
    assert result.output.count("\n") == 1


def test_generate_figure_draws_both_models(tmp_path):
    out = tmp_path / "fig.png"
    result = run("generate-figure", "--out", out, "--epochs", 1, "--code-size", 4, "--quiet")
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == PNG and "latent units active" in result.output
