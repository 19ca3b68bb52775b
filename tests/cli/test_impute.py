"""`aekit impute fit|apply`: tables in, the same tables filled out, files kept safe."""

import numpy as np
import pandas as pd
import pytest

from tests.cli.helpers import one_line_error, run


@pytest.fixture(scope="module")
def holed_csv(tmp_path_factory):
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    frame = pd.DataFrame({"id": np.arange(200), "a": a, "b": 2 * a,
                          "kind": np.where(a > 0, "up", "down"), "n": rng.integers(0, 3, 200)})
    frame.loc[::4, "b"] = np.nan
    frame.loc[1::5, "kind"] = None
    frame.loc[2::6, "n"] = np.nan
    path = tmp_path_factory.mktemp("impute") / "holed.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def imputer_dir(holed_csv):
    out = holed_csv.parent / "imp"
    result = run("impute", "fit", "--data", holed_csv, "--out", out, "--steps", 200)
    assert result.exit_code == 0, result.output
    assert "saved imputer" in result.output
    return out


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_apply_fills_every_cell_and_keeps_columns_and_types(holed_csv, imputer_dir, tmp_path, suffix):
    out = tmp_path / f"filled{suffix}"
    result = run("impute", "apply", imputer_dir, "--data", holed_csv, "--out", out,
                 "--chunk-size", 64)
    assert result.exit_code == 0, result.output
    before = pd.read_csv(holed_csv)
    after = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert list(after.columns) == list(before.columns) and len(after) == len(before)
    assert not after.isna().any().any()
    assert after["n"].dtype == np.int64 and set(after["kind"]) <= {"up", "down"}
    observed = before["b"].notna()
    np.testing.assert_allclose(after.loc[observed, "b"], before.loc[observed, "b"])
    assert f"filled {int(before.isna().sum().sum())} cells in 200 rows" in result.output


def test_an_existing_output_is_refused_and_left_alone(holed_csv, imputer_dir, tmp_path):
    out = tmp_path / "filled.csv"
    out.write_text("keep me\n")
    message = one_line_error(run("impute", "apply", imputer_dir, "--data", holed_csv, "--out", out))
    assert "already exists" in message and out.read_text() == "keep me\n"


def test_a_failure_part_way_leaves_no_output(holed_csv, imputer_dir, tmp_path):
    bad = tmp_path / "bad.csv"
    frame = pd.read_csv(holed_csv)
    frame["a"] = frame["a"].astype(object)
    frame.loc[150, "a"] = "oops"
    frame.to_csv(bad, index=False)
    out = tmp_path / "filled.csv"
    message = one_line_error(run("impute", "apply", imputer_dir, "--data", bad, "--out", out,
                                 "--chunk-size", 64))
    assert "rows 128 to 191" in message and "column 'a'" in message and "'oops'" in message
    assert not out.exists() and not list(tmp_path.glob(".filled.csv.*"))


def test_new_or_missing_columns_are_named(holed_csv, imputer_dir, tmp_path):
    other = tmp_path / "other.csv"
    pd.read_csv(holed_csv).drop(columns=["kind"]).assign(extra=1).to_csv(other, index=False)
    message = one_line_error(run("impute", "apply", imputer_dir, "--data", other,
                                 "--out", tmp_path / "o.csv"))
    assert "missing column(s) 'kind'" in message and "unexpected column(s) 'extra'" in message


def test_other_models_and_bad_files_get_one_line(holed_csv, tmp_path):
    assert "no such file" in one_line_error(
        run("impute", "fit", "--data", tmp_path / "none.csv", "--out", tmp_path / "m"))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty" in one_line_error(run("impute", "fit", "--data", empty, "--out", tmp_path / "m"))
    det = tmp_path / "det"
    assert run("detect", "fit", "--data", holed_csv, "--out", det, "--missing", "impute",
               "--steps", 5).exit_code == 0
    message = one_line_error(run("impute", "apply", det, "--data", holed_csv,
                                 "--out", tmp_path / "o.csv"))
    assert "is an anomaly detector" in message and "aekit impute fit" in message
