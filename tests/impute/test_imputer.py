"""MaskedImputer: it fills holes from what the other columns say, in scikit-learn's ways."""

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

import aekit
from aekit.errors import InputError


def small_imputer(**overrides):
    settings = dict(width=32, depth=1, max_steps=300, batch_size=64, random_state=0,
                    verbose=False)
    settings.update(overrides)
    return aekit.MaskedImputer(**settings)


def related_table(n=300, seed=0):
    """Columns that predict each other: b = 2a, c = a - b/4 + noise, d independent."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    X = np.column_stack([a, 2 * a, a - a / 2 + 0.05 * rng.normal(size=n), rng.normal(size=n)])
    return X


def with_holes(X, share=0.2, seed=1):
    hidden = np.random.default_rng(seed).random(X.shape) < share
    holed = X.copy()
    holed[hidden] = np.nan
    return holed, hidden


def test_fills_every_hole_and_keeps_the_observed_cells():
    X = related_table()
    holed, hidden = with_holes(X)
    filled = small_imputer().fit_transform(holed)
    assert filled.shape == X.shape and not np.isnan(filled).any()
    np.testing.assert_array_equal(filled[~hidden], X[~hidden])


def test_related_columns_are_filled_far_better_than_with_the_mean():
    X = related_table()
    holed, hidden = with_holes(X)
    filled = small_imputer(max_steps=600).fit_transform(holed)
    mean = SimpleImputer().fit_transform(holed)
    related = hidden.copy()
    related[:, 3] = False  # the independent column can only get its mean
    ours = np.sqrt(((filled - X)[related] ** 2).mean())
    baseline = np.sqrt(((mean - X)[related] ** 2).mean())
    assert ours < 0.5 * baseline


def test_a_column_never_missing_in_fit_is_filled_later():
    X = related_table()
    holed, _ = with_holes(X)
    holed[:, 1] = X[:, 1]  # column 1 complete in fit
    imputer = small_imputer(max_steps=600).fit(holed)
    new = X[:50].copy()
    new[:, 1] = np.nan
    filled = imputer.transform(new)
    assert np.sqrt(((filled[:, 1] - X[:50, 1]) ** 2).mean()) < 0.5 * X[:, 1].std()


def test_frames_keep_their_columns_order_and_kinds():
    rng = np.random.default_rng(0)
    a = rng.normal(size=300)
    frame = pd.DataFrame({"size": a, "label": np.where(a > 0, "big", "small"),
                          "count": rng.integers(0, 4, 300), "flag": a > 0.5})
    holed = frame.mask(rng.random(frame.shape) < 0.15)
    filled = small_imputer(max_steps=500).fit(holed).transform(holed)
    assert list(filled.columns) == list(frame.columns)
    assert not filled.isna().any().any()
    assert filled["count"].dtype == np.int64  # whole numbers stay whole
    assert set(filled["label"]) <= {"big", "small"}
    assert set(filled["flag"]) <= {True, False}
    gone = holed["label"].isna() & holed["size"].notna()
    agree = (filled.loc[gone, "label"] == frame.loc[gone, "label"]).mean()
    assert agree > 0.8  # the label follows from the size


def test_add_indicator_marks_the_cells_that_were_missing():
    X = related_table()
    holed, hidden = with_holes(X)
    holed[:, 0] = X[:, 0]  # no holes in column 0: no indicator for it
    imputer = small_imputer(add_indicator=True).fit(holed)
    out = imputer.transform(holed)
    assert out.shape == (len(X), 4 + 3)
    np.testing.assert_array_equal(out[:, 4:], hidden[:, 1:].astype(float))
    assert list(imputer.get_feature_names_out()) == ["x0", "x1", "x2", "x3",
                                                     "x1_missing", "x2_missing", "x3_missing"]


def test_samples_differ_where_cells_were_missing_only():
    X = related_table()
    holed, hidden = with_holes(X)
    imputer = small_imputer().fit(holed)
    first, second = imputer.sample(holed, 2, random_state=0)
    np.testing.assert_array_equal(first[~hidden], X[~hidden])
    assert (first[hidden] != second[hidden]).all()
    # the draws scatter around the imputed value, not somewhere else
    centre = imputer.transform(holed)
    draws = np.stack(imputer.sample(holed, 20, random_state=1))
    assert np.abs(draws.mean(0)[hidden] - centre[hidden]).mean() < 0.5


def test_save_and_load_give_the_same_cells(tmp_path):
    frame = pd.DataFrame({"a": [1.0, 2, np.nan, 4] * 10, "b": ["x", None, "y", "x"] * 10})
    imputer = small_imputer(max_steps=50).fit(frame)
    imputer.save(tmp_path / "imp")
    loaded = aekit.load(tmp_path / "imp")
    pd.testing.assert_frame_equal(loaded.transform(frame), imputer.transform(frame),
                                  check_exact=False, atol=1e-5)


def test_works_in_a_pipeline_before_a_classifier():
    X = related_table()
    y = (X[:, 0] > 0).astype(int)
    holed, _ = with_holes(X)
    pipe = make_pipeline(small_imputer(), LogisticRegression()).fit(holed, y)
    assert pipe.score(holed, y) > 0.8


@pytest.mark.parametrize("bad, message", [
    (np.array([[1.0, np.nan]] * 20), "no observed value"),
    (np.array([[1.0, np.inf]] * 20), "infinite"),
    (np.ones((5, 3)), "at least 10"),
    (np.array([["a", 1]] * 20, dtype=object), "not a number"),
])
def test_bad_tables_are_refused_naming_the_problem(bad, message):
    with pytest.raises(InputError, match=message):
        small_imputer().fit(bad)


def test_bad_cells_at_transform_name_their_column():
    frame = pd.DataFrame({"a": np.arange(30.0), "kind": ["x", "y", "z"] * 10})
    imputer = small_imputer(max_steps=20).fit(frame)
    with pytest.raises(InputError, match="'kind' holds the category 'w'"):
        imputer.transform(frame.assign(kind="w"))
    with pytest.raises(InputError, match="column 'a' was numeric .* holds 'n/a'"):
        imputer.transform(frame.assign(a=["n/a"] * 30))
    with pytest.raises(InputError, match="missing column\\(s\\) 'kind'"):
        imputer.transform(frame[["a"]])
    with pytest.raises(InputError, match="unexpected column\\(s\\) 'extra'"):
        imputer.transform(frame.assign(extra=1.0))


def test_numbers_with_stray_text_are_refused_naming_the_cell():
    frame = pd.DataFrame({"a": [str(v) for v in range(30)], "b": np.arange(30.0)})
    frame.loc[7, "a"] = "n/a"
    with pytest.raises(InputError, match="column 'a' holds numbers but also 'n/a' at row 7"):
        small_imputer(max_steps=5).fit(frame)
    small_imputer(max_steps=5, categorical=["a"]).fit(frame)  # unless it is a category


def test_unseen_categories_can_be_kept_as_they_are():
    frame = pd.DataFrame({"a": np.arange(30.0), "kind": ["x", "y", "z"] * 10})
    imputer = small_imputer(max_steps=20, handle_unknown="ignore").fit(frame)
    out = imputer.transform(frame.assign(kind="w"))
    assert (out["kind"] == "w").all()


def test_rows_with_nothing_observed_are_filled_and_said(caplog):
    X = related_table()
    holed, _ = with_holes(X)
    holed[:3] = np.nan
    with caplog.at_level("WARNING", logger="aekit.impute.imputer"):
        filled = small_imputer().fit_transform(holed)
    assert "3 row(s) of X have no observed cell" in caplog.text
    assert np.isfinite(filled).all()


def test_masked_objective_scores_the_hidden_cells():
    """The monitored loss is the error on the hidden cells, the job the imputer does."""
    imputer = small_imputer(max_steps=100).fit(with_holes(related_table())[0])
    row = imputer.history_[-1]
    assert row["train_loss"] == pytest.approx(row["train_masked"])
    assert row["train_visible"] < row["train_masked"]


@parametrize_with_checks([small_imputer(max_steps=20, width=8, batch_size=16)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
