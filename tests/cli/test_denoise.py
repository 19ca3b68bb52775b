"""``aekit denoise`` and ``aekit train --kind denoiser``: files and folders in, the same
kinds of files out, one-line errors."""

import numpy as np
import pytest
from PIL import Image

from tests.cli.helpers import one_line_error, run


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    (root / "clean").mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 256, (40, 48), dtype=np.uint8)).save(root / "clean" / f"p{i}.png")
    Image.fromarray(rng.integers(0, 256, (30, 41, 4), dtype=np.uint8)).save(root / "rgba.png")
    result = run("train", "--kind", "denoiser", "--data", root / "clean", "--out", root / "model",
                 "--max-steps", "2", "--crop", "32", "--quiet")
    assert result.exit_code == 0, result.output
    return root


def test_train_then_denoise_a_file_and_a_folder(photos, tmp_path):
    result = run("denoise", photos / "clean" / "p0.png", "--out", tmp_path / "o.png",
                 "--model", photos / "model", "--sigma", "20")
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "o.png").size == (48, 40)
    result = run("denoise", photos / "clean", "--out", tmp_path / "all", "--model", photos / "model")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == ["p0.png", "p1.png", "p2.png"]


def test_shipped_colour_denoiser_keeps_the_alpha_channel(photos, tmp_path):
    result = run("denoise", photos / "rgba.png", "--out", tmp_path / "o.png")
    assert result.exit_code == 0, result.output
    out, given = Image.open(tmp_path / "o.png"), Image.open(photos / "rgba.png")
    assert out.mode == "RGBA" and np.array_equal(np.asarray(out)[..., 3], np.asarray(given)[..., 3])


def test_existing_outputs_are_refused_and_left_alone(photos, tmp_path):
    (tmp_path / "o.png").write_bytes(b"keep me")
    message = one_line_error(run("denoise", photos / "rgba.png", "--out", tmp_path / "o.png"))
    assert "already exists; pass --overwrite" in message
    assert (tmp_path / "o.png").read_bytes() == b"keep me"
    assert run("denoise", photos / "rgba.png", "--out", tmp_path / "o.png", "--overwrite").exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["denoise", "{root}/missing.png", "--out", "{tmp}/o.png"], "no such file or folder"),
    (["denoise", "{root}/rgba.png", "--out", "{tmp}/o.txt"], "--out takes a file ending in"),
    (["denoise", "{root}/rgba.png", "--out", "{tmp}/o.jpg"], "JPG does not hold an alpha channel"),
    (["denoise", "{root}/rgba.png", "--out", "{tmp}/o.png", "--model", "{root}/model"],
     "trained on grayscale"),
    (["denoise", "{root}/rgba.png", "--out", "{root}/rgba.png", "--overwrite"], "is also the input"),
    (["train", "--kind", "denoiser", "--data", "{root}/clean", "--out", "{tmp}/m", "--epochs", "2"],
     "--epochs is an option of --kind autoencoder or --kind vae, not of --kind denoiser"),
    (["train", "--kind", "denoiser", "--data", "{root}/clean", "--out", "{tmp}/m", "--crop", "64"],
     "smaller than the 64x64 training crop"),
])
def test_bad_input_gets_one_line(photos, tmp_path, args, message):
    args = [a.format(root=photos, tmp=tmp_path) for a in args]
    assert message in one_line_error(run(*args))


def test_a_file_that_is_not_an_image(photos, tmp_path):
    (tmp_path / "x.png").write_bytes(b"\x89PNG garbage")
    assert "cannot read image" in one_line_error(run("denoise", tmp_path / "x.png", "--out", tmp_path / "y.png"))
