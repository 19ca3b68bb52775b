"""``aekit embed``, ``probe``, ``index`` and ``search`` driven in-process."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from aekit.cli.main import cli

FAST = ["--architecture", "mlp", "--hidden", "32", "--code-size", "4", "--epochs", "3", "--quiet"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_one_line_error(result, *words):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aekit: error:"), result.output
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    from sklearn.datasets import load_digits

    data = load_digits()
    folder = tmp_path_factory.mktemp("digits")
    for i in range(60):
        pixels = (data.images[i] * 255 / 16).astype(np.uint8)
        Image.fromarray(pixels, mode="L").save(folder / f"{data.target[i]}_{i:03d}.png")
    return folder


@pytest.fixture(scope="module")
def model(image_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("m") / "model"
    result = run("train", "--data", image_folder, "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def index(model, image_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("i") / "index"
    result = run("index", model, "--data", image_folder, "--out", out)
    assert result.exit_code == 0, result.output
    assert "indexed 60 items" in result.output and "file names" in result.output
    return out


def test_embed_prints_the_table_and_writes_the_png(tmp_path):
    out = tmp_path / "embed.png"
    result = run("embed", "--data", "digits", "--methods", "autoencoder,pca", "--epochs", "2",
                 "--max-samples", "300", "--save-model", tmp_path / "e2d", "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert "trustworthiness" in result.output and "| pca |" in result.output
    assert f"wrote {out}" in result.output and out.stat().st_size > 1000
    assert (tmp_path / "e2d" / "config.json").exists()
    # the saved 2-D model places new points: auto-encoder codes, then the learned UMAP map
    result = run("encode", tmp_path / "e2d", "--data", "digits", "--out", tmp_path / "p.npy")
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "p.npy").shape == (1797, 2)


def test_embed_with_wrong_length_labels_is_one_line(tmp_path):
    (tmp_path / "y.txt").write_text("1\n2\n3\n")
    result = run("embed", "--data", "digits", "--methods", "pca", "--labels", tmp_path / "y.txt",
                 "--out", tmp_path / "e.png")
    assert_one_line_error(result, "got 3 labels for 1797 samples")
    assert not (tmp_path / "e.png").exists()


def test_embed_without_labels_says_so(tmp_path):
    result = run("embed", "--data", "digits", "--methods", "pca", "--no-labels", "--out", tmp_path / "e.png")
    assert result.exit_code == 0, result.output
    assert "no labels" in result.output


def test_probe_prints_rows_for_each_k():
    result = run("probe", "--data", "digits", "--labels-per-class", "1,10", "--epochs", "2",
                 "--code-size", "8", "--draws", "1", "--quiet")
    assert result.exit_code == 0, result.output
    for row in ("| autoencoder | 10 |", "| pca | 1 |", "| raw | 10 |"):
        assert row in result.output


def test_probe_needs_labels(tmp_path):
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((30, 4)))
    result = run("probe", "--data", tmp_path / "x.npy")
    assert_one_line_error(result, "has no labels")


def test_search_lists_file_names_and_distances(index, image_folder, tmp_path):
    query = sorted(image_folder.glob("*.png"))[0]
    result = run("search", index, query, "-k", "3", "--out", tmp_path / "hits.csv")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split()[0] == "1" and lines[1].split()[-1] == query.name  # itself, first
    assert float(lines[1].split()[1]) < 1e-3
    assert (tmp_path / "hits.csv").read_text().startswith("query,rank,item,distance")


def test_search_refuses_a_query_of_another_size_unless_resized(index, tmp_path):
    Image.new("RGB", (32, 20), "white").save(tmp_path / "big.png")
    assert_one_line_error(run("search", index, tmp_path / "big.png"),
                          "20x32 images with 3 channels (RGB)", "8x8 images with 1 channel")
    result = run("search", index, tmp_path / "big.png", "--resize", "-k", "2")
    assert result.exit_code == 0, result.output


def test_search_refuses_k_larger_than_the_index(index, image_folder):
    query = sorted(image_folder.glob("*.png"))[0]
    assert_one_line_error(run("search", index, query, "-k", "61"), "larger than the index", "60 items")


def test_search_refuses_another_model(index, image_folder, tmp_path):
    other = tmp_path / "other"
    assert run("train", "--data", image_folder, "--out", other, *FAST, "--seed", "1").exit_code == 0
    query = sorted(image_folder.glob("*.png"))[0]
    assert_one_line_error(run("search", index, query, "--model", other), "built by another model")


def test_index_refuses_to_overwrite(index, model, image_folder):
    assert_one_line_error(run("index", model, "--data", image_folder, "--out", index), "--overwrite")


def test_images_of_another_size_name_the_option_that_fixes_them(model, index, tmp_path):
    big = tmp_path / "big"
    big.mkdir()
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(big / "a.png")
    for command in (["encode", model, "--data", big, "--out", tmp_path / "c.npy"],
                    ["reconstruct", model, "--data", big, "--out", tmp_path / "r.npy"],
                    ["index", model, "--data", big, "--out", tmp_path / "i"]):
        assert_one_line_error(run(*command), f"'{big}' holds 28x28 images (784 values each), but "
                                             "the model takes 8x8 (64): pass --image-size 8 to resize them")
    assert run("encode", model, "--data", big, "--image-size", 8, "--out", tmp_path / "c.npy").exit_code == 0
    assert_one_line_error(run("search", index, big / "a.png"),
                          "but the model was trained on 8x8 images with 1 channel (grayscale): pass "
                          "--resize to resize the query images")
    assert run("search", index, big / "a.png", "--resize", "-k", 2).exit_code == 0
