"""Commands never damage files: an output that is an input is refused (even with
--overwrite), an existing output needs --overwrite, and pictures are written in the
format their suffix names."""

import numpy as np
import pandas as pd
import pytest

from tests.cli.helpers import one_line_error, run
from aekit.errors import DataError
from aekit.plots import picture_format

JPEG, PNG = b"\xff\xd8\xff", b"\x89PNG"


def test_score_refuses_to_write_over_its_input(models, monkeypatch):
    monkeypatch.chdir(models)
    before = (models / "few.csv").read_bytes()
    for out in ("few.csv", "./few.csv", models / "few.csv"):
        for extra in ([], ["--overwrite"]):
            message = one_line_error(run("detect", "score", "tdet", "--data", "few.csv",
                                         "--out", out, *extra))
            assert "is also an input of this command; write to another file" in message
    assert (models / "few.csv").read_bytes() == before


def test_score_over_an_earlier_result_needs_overwrite(models, tmp_path):
    out = tmp_path / "scored.csv"
    assert run("detect", "score", models / "tdet", "--data", models / "few.csv", "--out", out).exit_code == 0
    out.write_text("keep me")
    message = one_line_error(run("detect", "score", models / "tdet", "--data", models / "few.csv",
                                 "--out", out))
    assert message == f"'{out}' already exists; pass --overwrite to replace it, or choose another --out"
    assert out.read_text() == "keep me"
    result = run("detect", "score", models / "tdet", "--data", models / "few.csv", "--out", out,
                 "--overwrite")
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 50


@pytest.mark.parametrize("command", [
    ["encode", "{m}/ae", "--data", "{m}/x.npy", "--out", "{out}.npy"],
    ["reconstruct", "{m}/ae", "--data", "{m}/x.npy", "--out", "{out}.csv"],
    ["reconstruct", "{m}/ae", "--data", "{m}/x.npy", "--out", "{tmp}/fresh.npy", "--png", "{out}.png"],
    ["detect", "explain", "{m}/tdet", "--data", "{m}/few.csv", "--out", "{out}.csv"],
    ["sample", "{m}/vae", "-n", "4", "--out", "{out}.png"],
    ["sample", "{m}/vae", "-n", "4", "--out", "{tmp}/fresh.png", "--npy", "{out}.npy"],
    ["traverse", "{m}/vae", "--dim", "0", "--out", "{out}.jpg"],
    ["embed", "--data", "digits", "--max-samples", "100", "--methods", "pca", "--out", "{out}.png"],
])
def test_an_existing_output_file_needs_overwrite(models, tmp_path, command):
    out = tmp_path / "old"
    target = next(a for a in command if a.startswith("{out}")).format(out=out)
    open(target, "w").write("earlier result")
    args = [a.format(m=models, out=out, tmp=tmp_path) for a in command]
    message = one_line_error(run(*args))
    assert message.startswith(f"'{target}' already exists; pass --overwrite to replace it")
    assert open(target).read() == "earlier result"
    assert not (tmp_path / "fresh.npy").exists() and not (tmp_path / "fresh.png").exists()
    result = run(*args, "--overwrite")
    assert result.exit_code == 0, result.output
    assert open(target, "rb").read() != b"earlier result"


def test_pictures_are_written_in_the_format_of_their_suffix(models, tmp_path):
    for name, magic in (("g.png", PNG), ("g.jpg", JPEG), ("g.JPEG", JPEG)):
        result = run("sample", models / "vae", "-n", "4", "--out", tmp_path / name)
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_bytes()[:len(magic)] == magic, name
    message = one_line_error(run("sample", models / "vae", "--out", tmp_path / "g.gif"))
    assert message == (f"cannot write '{tmp_path / 'g.gif'}': --out takes pictures ending in "
                       ".png, .jpg, .jpeg")
    with pytest.raises(DataError, match=r"cannot write a picture to 'x.bmp': use a file name "
                                        r"ending in \.png, \.jpg, \.jpeg"):
        picture_format("x.bmp")


def test_wrong_suffixes_and_folders_are_refused_before_any_work(models, tmp_path):
    message = one_line_error(run("encode", models / "ae", "--data", models / "x.npy",
                                 "--out", tmp_path / "codes.txt"))
    assert message == f"cannot write '{tmp_path / 'codes.txt'}': --out takes files ending in .npy, .csv"
    (tmp_path / "d.npy").mkdir()
    message = one_line_error(run("encode", models / "ae", "--data", models / "x.npy",
                                 "--out", tmp_path / "d.npy"))
    assert "it is a folder" in message
    message = one_line_error(run("detect", "score", models / "tdet", "--data", models / "few.csv",
                                 "--out", tmp_path / "s.txt"))
    assert "--out takes CSV or Parquet files ending in .csv, .csv.gz, .parquet" in message


def test_detect_score_writes_parquet_for_tables(models, tmp_path):
    import pandas as pd

    result = run("detect", "score", models / "tdet", "--data", models / "few.csv",
                 "--out", tmp_path / "s.parquet")
    assert result.exit_code == 0, result.output
    scores = pd.read_parquet(tmp_path / "s.parquet")
    assert len(scores) == 50 and {"anomaly_score", "is_anomaly"} <= set(scores.columns)


def test_a_saved_embedding_model_and_a_demo_folder_are_not_replaced_silently(models, tmp_path):
    saved = tmp_path / "e2d"
    args = ["embed", "--data", "digits", "--max-samples", "100", "--methods", "autoencoder", "--epochs", "1",
            "--save-model", saved, "--quiet"]
    assert run(*args, "--out", tmp_path / "a.png").exit_code == 0
    before = (saved / "model.safetensors").read_bytes()
    message = one_line_error(run(*args, "--out", tmp_path / "b.png"))
    assert message == f"{saved} already holds a model; pass --overwrite to replace it"
    assert (saved / "model.safetensors").read_bytes() == before
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "notes.txt").write_text("mine")
    message = one_line_error(run("demo", "--out", tmp_path / "demo", "--epochs", "1"))
    assert "already holds files; pass --overwrite" in message


def test_interpolate_and_search_refuse_their_inputs_as_output(models, tmp_path):
    a = models / "x.npy"
    np.save(tmp_path / "one.npy", np.load(a)[0] / 16)
    message = one_line_error(run("interpolate", models / "vae", tmp_path / "one.npy",
                                 tmp_path / "one.npy", "--out", tmp_path / "one.npy"))
    assert "--out takes pictures ending in .png" in message
    (tmp_path / "one.png").write_bytes(b"")
    message = one_line_error(run("interpolate", models / "vae", tmp_path / "one.png",
                                 tmp_path / "one.npy", "--out", tmp_path / "one.png", "--overwrite"))
    assert "is also an input of this command" in message


def test_encode_to_csv_writes_a_header_and_a_name_column(models, tmp_path):
    from PIL import Image

    (tmp_path / "imgs").mkdir()
    digits = np.load(models / "x.npy").reshape(-1, 8, 8)
    for i in range(3):
        Image.fromarray((digits[i] * 15).astype(np.uint8)).save(tmp_path / "imgs" / f"d{i}.png")
    result = run("encode", models / "ae", "--data", tmp_path / "imgs", "--out", tmp_path / "c.csv")
    assert result.exit_code == 0, result.output
    codes = pd.read_csv(tmp_path / "c.csv")
    assert codes.columns.tolist() == ["name", "code0", "code1", "code2", "code3"]
    assert codes["name"].tolist() == ["d0.png", "d1.png", "d2.png"]
    result = run("encode", models / "ae", "--data", models / "x.npy", "--out", tmp_path / "r.csv")
    assert result.exit_code == 0, result.output
    codes = pd.read_csv(tmp_path / "r.csv")
    assert codes.columns[0] == "row" and codes["row"].tolist() == list(range(10))
    import aekit

    np.testing.assert_allclose(codes.iloc[:, 1:], aekit.load(models / "ae").transform(np.load(models / "x.npy")),
                               rtol=1e-5, atol=1e-6)
