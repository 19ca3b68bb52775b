"""``aekit detect``: fit, streamed scoring, explanations and one-line errors (exit 2)."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import aekit
from aekit.cli.main import cli

FAST = ["--steps", "40"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def transactions(n, seed=0):
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(3, 0.4, n)
    return pd.DataFrame({"id": np.arange(n), "amount": amount,
                         "fee": amount * 0.02 + rng.normal(0, 0.05, n),
                         "kind": rng.choice(["card", "cash", "wire"], n)})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("detect")
    transactions(300).to_csv(folder / "normal.csv", index=False)
    new = transactions(250, seed=1)
    new.loc[3, "amount"] = 1e5  # a wild amount
    new.loc[7, "kind"] = "crypto"  # a category never seen
    new.to_csv(folder / "new.csv", index=False)
    result = run("detect", "fit", "--data", folder / "normal.csv", "--ignore", "id",
                 "--contamination", "0.05", "--out", folder / "det", *FAST)
    assert result.exit_code == 0, result.output
    assert "saved detector" in result.output
    return folder


def test_score_streams_in_chunks_and_matches_python(files):
    out = files / "scored.csv"
    result = run("detect", "score", files / "det", "--data", files / "new.csv", "--ignore", "id",
                 "--out", out, "--chunk-size", 64)
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(out)
    assert list(scored.columns) == ["id", "amount", "fee", "kind", "anomaly_score", "is_anomaly"]
    assert len(scored) == 250 and scored["id"].tolist() == list(range(250))
    det = aekit.load(files / "det")
    expected = det.anomaly_score(pd.read_csv(files / "new.csv").drop(columns="id"))
    np.testing.assert_allclose(scored["anomaly_score"], expected, rtol=1e-6)
    assert scored.loc[3, "is_anomaly"] == 1
    assert set(scored["is_anomaly"]) <= {0, 1}


def test_explain_names_the_amount(files):
    result = run("detect", "explain", files / "det", "--data", files / "new.csv", "--ignore", "id",
                 "--top", "1", "--out", files / "why.csv")
    assert result.exit_code == 0, result.output
    assert "row 3: score" in result.output and "ANOMALY: amount" in result.output.splitlines()[3]
    shares = pd.read_csv(files / "why.csv")
    assert list(shares.columns) == ["id", "anomaly_score", "amount", "fee", "kind"]
    assert shares["id"].tolist() == list(range(250))  # the row's id, saved at fit
    np.testing.assert_allclose(shares[["amount", "fee", "kind"]].sum(axis=1), 1, rtol=1e-5)
    det = aekit.load(files / "det")
    np.testing.assert_allclose(shares["anomaly_score"], det.anomaly_score(pd.read_csv(files / "new.csv")),
                               rtol=1e-5)


def test_a_run_failing_part_way_leaves_no_output(files):
    bad = transactions(200, seed=2).astype({"fee": object})
    bad.loc[150, "fee"] = "oops"  # in the third chunk of 64 rows
    bad.to_csv(files / "bad.csv", index=False)
    out = files / "bad-scored.csv"
    result = run("detect", "score", files / "det", "--data", files / "bad.csv", "--ignore", "id",
                 "--out", out, "--chunk-size", 64)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "aekit: error: column 'fee' was numeric when the detector was fitted but now holds "
        "'oops'; fix the data or refit"]
    assert not out.exists()
    assert not [p for p in files.iterdir() if p.name.startswith(".bad-scored")]


@pytest.mark.parametrize("args, message", [
    (["score", "{det}", "--data", "{folder}/extra.csv", "--out", "{folder}/o.csv"],
     "unexpected column(s) 'label'"),
    (["score", "{det}", "--data", "{folder}/missing.csv", "--out", "{folder}/o.csv"],
     "missing column(s) 'kind'"),
    (["score", "{det}", "--data", "{folder}/empty.csv", "--out", "{folder}/o.csv"], "is empty"),
    (["fit", "--data", "{folder}/normal.csv", "--out", "{folder}/d2", "--contamination", "0.7"],
     "contamination must be a number in (0, 0.5], got 0.7"),
    (["fit", "--data", "{folder}/empty.csv", "--out", "{folder}/d3"], "is empty"),
    (["fit", "--data", "{folder}/normal.csv", "--out", "{det}"], "already holds a model"),
    (["score", "{folder}/nowhere", "--data", "{folder}/new.csv", "--out", "{folder}/o.csv"],
     "no model folder"),
])
def test_user_errors_are_one_line_with_status_2(files, args, message):
    (files / "empty.csv").write_text("")
    transactions(10).drop(columns=["kind", "id"]).to_csv(files / "missing.csv", index=False)
    transactions(10).assign(label=0).to_csv(files / "extra.csv", index=False)
    args = [a.format(det=files / "det", folder=files) for a in args]
    result = run("detect", *args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aekit: error: ") and message in lines[0]
    assert not (files / "o.csv").exists()


def test_the_ignored_columns_are_saved_and_applied_at_score_and_explain(files):
    out = files / "scored-auto.csv"
    result = run("detect", "score", files / "det", "--data", files / "new.csv", "--out", out)
    assert result.exit_code == 0, result.output  # no --ignore: the detector's own list applies
    scored = pd.read_csv(out)
    assert list(scored.columns) == ["id", "amount", "fee", "kind", "anomaly_score", "is_anomaly"]
    det = aekit.load(files / "det")
    assert tuple(det.ignore) == ("id",)
    np.testing.assert_allclose(scored["anomaly_score"], det.anomaly_score(pd.read_csv(files / "new.csv")),
                               rtol=1e-6)
    result = run("detect", "explain", files / "det", "--data", files / "new.csv", "--top", "1",
                 "--out", files / "why-auto.csv")
    assert result.exit_code == 0, result.output
    why = pd.read_csv(files / "why-auto.csv")
    assert why.columns[:2].tolist() == ["id", "anomaly_score"] and why["id"].tolist() == list(range(250))


def test_explain_without_id_columns_names_rows_by_number(tmp_path):
    transactions(120).drop(columns="id").to_csv(tmp_path / "t.csv", index=False)
    assert run("detect", "fit", "--data", tmp_path / "t.csv", "--out", tmp_path / "d", *FAST).exit_code == 0
    result = run("detect", "explain", tmp_path / "d", "--data", tmp_path / "t.csv", "--out", tmp_path / "w.csv")
    assert result.exit_code == 0, result.output
    why = pd.read_csv(tmp_path / "w.csv")
    assert why.columns.tolist() == ["row", "anomaly_score", "amount", "fee", "kind"]
    assert why["row"].tolist() == list(range(120))


def test_an_id_column_is_named_when_fitting(tmp_path, caplog):
    transactions(100).assign(id=[f"tx-{i}" for i in range(100)]).to_csv(tmp_path / "t.csv", index=False)
    with caplog.at_level("WARNING", logger="aekit.anomaly.tabular"):
        result = run("detect", "fit", "--data", tmp_path / "t.csv", "--out", tmp_path / "d", *FAST)
    assert result.exit_code == 0, result.output
    assert "column 'id' has a distinct value on every row" in caplog.text and "(--ignore id)" in caplog.text


def test_empty_cells_are_named_by_line_and_the_option_that_takes_them(files, tmp_path):
    gappy = transactions(100)
    gappy.loc[4, "fee"] = np.nan
    gappy.to_csv(tmp_path / "gappy.csv", index=False)
    result = run("detect", "fit", "--data", tmp_path / "gappy.csv", "--ignore", "id",
                 "--out", tmp_path / "d", *FAST)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"aekit: error: '{tmp_path / 'gappy.csv'}' has an empty cell in column 'fee' on line 6; "
        "fill the cells, or pass --missing impute (missing='impute': the median for numbers, "
        "a category of its own for text)")
    late = transactions(200, seed=3)
    late.loc[150, "amount"] = np.nan  # in the third chunk of 64 rows: line 152 of the file
    late.to_csv(tmp_path / "late.csv", index=False)
    result = run("detect", "score", files / "det", "--data", tmp_path / "late.csv",
                 "--out", tmp_path / "o.csv", "--chunk-size", 64)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"aekit: error: '{tmp_path / 'late.csv'}' has an empty cell in column 'amount' on line "
        "152; the detector was fitted with --missing error (missing='error'): fill the cells, "
        "or refit it with --missing impute")
    assert not (tmp_path / "o.csv").exists()
    result = run("detect", "fit", "--data", tmp_path / "gappy.csv", "--ignore", "id", "--missing",
                 "impute", "--out", tmp_path / "d", *FAST)
    assert result.exit_code == 0, result.output


def test_a_detector_fitted_on_images_scores_image_folders_and_arrays(tmp_path):
    from PIL import Image
    from sklearn.datasets import load_digits

    images = (load_digits().images[:60] * 15).astype(np.uint8)
    (tmp_path / "imgs").mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image).save(tmp_path / "imgs" / f"{i:02d}.png")
    np.save(tmp_path / "imgs.npy", images)
    result = run("detect", "fit", "--data", tmp_path / "imgs", "--out", tmp_path / "d", *FAST)
    assert result.exit_code == 0, result.output
    result = run("detect", "score", tmp_path / "d", "--data", tmp_path / "imgs", "--out", tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    by_name = pd.read_csv(tmp_path / "s.csv")
    assert by_name.columns.tolist() == ["name", "anomaly_score", "is_anomaly"]
    assert by_name["name"].tolist() == [f"{i:02d}.png" for i in range(60)]
    result = run("detect", "score", tmp_path / "d", "--data", tmp_path / "imgs.npy", "--out", tmp_path / "a.csv")
    assert result.exit_code == 0, result.output
    by_row = pd.read_csv(tmp_path / "a.csv")
    assert by_row.columns.tolist() == ["row", "anomaly_score", "is_anomaly"]
    np.testing.assert_allclose(by_row["anomaly_score"], by_name["anomaly_score"], rtol=1e-5)
    det = aekit.load(tmp_path / "d")
    np.testing.assert_allclose(by_row["anomaly_score"], det.anomaly_score(images), rtol=1e-5)
    assert by_row["is_anomaly"].sum() == (det.labels_ == -1).sum()  # same scale as at fit


def test_semicolon_tables_are_read_and_binary_files_named(files, tmp_path):
    new = pd.read_csv(files / "new.csv")
    new.to_csv(tmp_path / "semi.csv", sep=";", decimal=",", index=False)
    result = run("detect", "score", files / "det", "--data", tmp_path / "semi.csv", "--out", tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    det = aekit.load(files / "det")
    np.testing.assert_allclose(pd.read_csv(tmp_path / "s.csv")["anomaly_score"], det.anomaly_score(new),
                               rtol=1e-5)
    np.save(tmp_path / "arr.npy", np.zeros((3, 3)))
    (tmp_path / "arr.csv").write_bytes((tmp_path / "arr.npy").read_bytes())
    result = run("detect", "fit", "--data", tmp_path / "arr.csv", "--out", tmp_path / "d")
    assert result.exit_code == 2
    assert result.output.strip() == (f"aekit: error: '{tmp_path / 'arr.csv'}' is a binary file (a "
                                      "NumPy array (name it .npy)), not a CSV text table")
