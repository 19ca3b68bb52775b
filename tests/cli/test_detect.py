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
    assert list(shares.columns) == ["amount", "fee", "kind"]
    np.testing.assert_allclose(shares.sum(axis=1), 1, rtol=1e-5)


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
    (["score", "{det}", "--data", "{folder}/new.csv", "--out", "{folder}/o.csv"],
     "unexpected column(s) 'id'"),
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
    args = [a.format(det=files / "det", folder=files) for a in args]
    result = run("detect", *args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aekit: error: ") and message in lines[0]
    assert not (files / "o.csv").exists()
