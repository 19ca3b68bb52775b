"""``aekit compress``, ``aekit decompress``, ``aekit info FILE.aek`` and
``aekit train --kind image_codec``: files and folders, one-line errors."""

import json

import numpy as np
import pytest
from PIL import Image

from tests.cli.helpers import one_line_error, run
from tests.image.codec_helpers import photos as make_photos


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    (root / "clean").mkdir()
    for i, pixels in enumerate(make_photos(3, (70, 90))):
        Image.fromarray(pixels).save(root / "clean" / f"p{i}.png")
    Image.fromarray(make_photos(1, (50, 60))[0][..., 0]).save(root / "gray.png")
    result = run("train", "--kind", "image_codec", "--data", root / "clean", "--out", root / "model",
                 "--max-steps", "3", "--batch-size", "2", "--crop", "64", "--quiet")
    assert result.exit_code == 0, result.output
    return root


def test_train_compress_info_decompress(photos, tmp_path):
    src = photos / "clean" / "p0.png"
    result = run("compress", src, "--quality", "3", "--out", tmp_path / "p0.aek",
                 "--model", photos / "model")
    assert result.exit_code == 0, result.output
    result = run("info", tmp_path / "p0.aek", "--json")
    assert result.exit_code == 0, result.output
    header = json.loads(result.output)
    assert (header["size"], header["quality"], header["mode"]) == ("90x70", 3, "hyperprior")
    result = run("decompress", tmp_path / "p0.aek", "--out", tmp_path / "p0.png",
                 "--model", photos / "model")
    assert result.exit_code == 0, result.output
    decoded = Image.open(tmp_path / "p0.png")
    assert decoded.size == (90, 70) and decoded.mode == "RGB"


def test_folders_in_and_out(photos, tmp_path):
    model = ["--model", photos / "model"]
    assert run("compress", photos / "clean", "-q", "1", "--out", tmp_path / "aek", *model).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "aek").iterdir()) == ["p0.aek", "p1.aek", "p2.aek"]
    assert run("decompress", tmp_path / "aek", "--out", tmp_path / "png", *model).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == ["p0.png", "p1.png", "p2.png"]


def test_grayscale_is_converted_and_said(photos, tmp_path):
    result = run("compress", photos / "gray.png", "-q", "2", "--out", tmp_path / "g.aek",
                 "--model", photos / "model")
    assert result.exit_code == 0, result.output
    assert "grayscale repeated into RGB" in result.output


def test_existing_output_is_refused_and_left_alone(photos, tmp_path):
    (tmp_path / "o.aek").write_bytes(b"keep me")
    message = one_line_error(run("compress", photos / "gray.png", "-q", "1", "--out",
                                 tmp_path / "o.aek", "--model", photos / "model"))
    assert "already exists; pass --overwrite" in message
    assert (tmp_path / "o.aek").read_bytes() == b"keep me"


@pytest.mark.parametrize("args, message", [
    (["compress", "{root}/missing.png", "-q", "1", "--out", "{tmp}/o.aek"], "no such file or folder"),
    (["compress", "{root}/gray.png", "-q", "1", "--out", "{tmp}/o.png"], "--out takes a file ending in .aek"),
    (["compress", "{root}/gray.png", "-q", "9", "--out", "{tmp}/o.aek"], "not in the range 1<=x<=8"),
    (["decompress", "{root}/gray.png", "--out", "{tmp}/o.png"], "not an .aek file"),
    (["decompress", "{tmp}/none.aek", "--out", "{tmp}/o.png"], "no such file"),
    (["info", "{tmp}/none.aek"], "no such file"),
    (["compress", "{root}/gray.png", "-q", "1", "--out", "{tmp}/o.aek", "--model", "{root}/clean"],
     "config.json"),
])
def test_bad_input_gets_one_line(photos, tmp_path, args, message):
    args = [a.format(root=photos, tmp=tmp_path) for a in args]
    assert message in one_line_error(run(*args))


def test_a_file_made_by_another_codec_is_refused(photos, tmp_path):
    run("compress", photos / "gray.png", "-q", "1", "--out", tmp_path / "g.aek", "--model", photos / "model")
    message = one_line_error(run("decompress", tmp_path / "g.aek", "--out", tmp_path / "g.png"))
    assert "made by codec" in message and "--model" in message
