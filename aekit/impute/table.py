"""A table with holes to the numbers the imputer's network sees, and its answers back.

What :class:`TableSchema` records at fit and saves with the model (names, kinds and
categories to config.json; means and spreads to model.safetensors):

* **numeric columns** are standardised with the mean and standard deviation of their
  observed cells; a column whose observed values are all whole numbers is marked
  ``integer`` and its imputed cells are rounded, so counts stay counts.
* **categorical columns** (text, ``category`` or ``bool`` dtype, or named in
  ``categorical``) are one-hot encoded over the categories seen at fit; the network
  answers with one probability per category, and the imputed cell is the likeliest one.
* **a missing cell** (NaN, None, pandas NA, an empty CSV cell) is given to the network
  as zeros with its "observed" flag off, the same way masking hides a known cell in
  training; so a column that was never missing in fit can still be filled later.

Bad cells are refused with the column's name: infinities, text in a numeric column, a
category never seen in fit (``handle_unknown="error"``, the default; ``"ignore"`` treats
the cell as missing and keeps its value in the output), missing or extra columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aekit.data.tables import ColumnLayout
from aekit.data.validation import NonNumericError
from aekit.errors import InputError


@dataclass
class Column:
    name: str
    kind: str  # "numeric" or "categorical"
    categories: list[str] = field(default_factory=list)  # categorical: one slot each
    integer: bool = False  # numeric with whole-number values only: imputed cells rounded
    values: str = "text"  # categorical: what its cells hold, "text", "bool" or "number"

    @property
    def width(self) -> int:
        return 1 if self.kind == "numeric" else len(self.categories)


@dataclass
class Encoded:
    """A table as the network sees it."""

    values: np.ndarray  # (n, n_features) float32; 0 where a cell is missing
    observed: np.ndarray  # (n, n_columns) bool, one flag per column
    unknown: np.ndarray  # (n, n_columns) bool: unseen categories, kept as they are

    def packed(self) -> np.ndarray:
        """Values and observed flags side by side, as the network's batches carry them."""
        return np.hstack([self.values, self.observed.astype(np.float32)])


@dataclass
class TableSchema(ColumnLayout):
    """Fitted column handling; build with :meth:`fit`, then :meth:`encode` / :meth:`decode`."""

    columns: list[Column]
    mean: np.ndarray  # per numeric column, float64
    std: np.ndarray
    from_frame: bool

    # Fitting ------------------------------------------------------------------------------
    @classmethod
    def fit(cls, X, *, categorical=None, max_categories: int = 100) -> "TableSchema":
        frame, from_frame = as_frame(X)
        if frame.shape[1] == 0:
            raise InputError(f"X has 0 feature(s) (shape={frame.shape}) while a minimum of 1 "
                             "is required.")
        if len(frame) == 0:
            raise InputError(f"Found array with 0 sample(s) (shape={frame.shape}) while a "
                             "minimum of 1 is required.")
        forced = {str(c) for c in categorical or ()}
        unknown = forced - set(frame.columns)
        if unknown:
            raise InputError(f"categorical names column(s) not in X: {_names(sorted(unknown))}")
        empty = [c for c in frame.columns if frame[c].isna().all()]
        if empty:
            raise InputError(f"column(s) {_names(empty[:5])}{' ...' if len(empty) > 5 else ''} "
                             "have no observed value at all: nothing to learn them from; "
                             "drop them before imputing")
        columns, means, stds = [], [], []
        for name in frame.columns:
            values = frame[name]
            if name in forced or not is_numeric(values):
                if name not in forced:
                    _refuse_stray_text(values, name)
                columns.append(Column(name, "categorical",
                                      _categories(values, name, max_categories),
                                      values=_value_kind(values)))
                continue
            numbers = numeric_values(values, name)
            present = numbers[~np.isnan(numbers)]
            std = float(present.std())
            columns.append(Column(name, "numeric",
                                  integer=bool(np.all(present == np.round(present)))))
            means.append(float(present.mean()))
            stds.append(std if std > 0 else 1.0)  # constant: its value passes through
        return cls(columns, np.array(means), np.array(stds), from_frame)

    # Using --------------------------------------------------------------------------------
    def encode(self, X, *, handle_unknown: str = "error") -> Encoded:
        frame = self.frame_of(X)
        n = len(frame)
        blocks, observed, unknown = [], np.zeros((n, len(self.columns)), bool), np.zeros(
            (n, len(self.columns)), bool)
        numeric_i = 0
        for j, column in enumerate(self.columns):
            values = frame[column.name]
            if column.kind == "numeric":
                numbers = numeric_values(values, column.name, fitted=True)
                present = ~np.isnan(numbers)
                scaled = (numbers - self.mean[numeric_i]) / self.std[numeric_i]
                blocks.append(np.where(present, scaled, 0.0)[:, None])
                numeric_i += 1
            else:
                codes = self._codes(values, column, handle_unknown)
                present = codes >= 0
                unknown[:, j] = codes == -2
                one_hot = np.zeros((n, column.width), dtype=np.float32)
                one_hot[np.flatnonzero(present), codes[present]] = 1.0
                blocks.append(one_hot)
            observed[:, j] = present
        values = np.hstack(blocks) if blocks else np.zeros((n, 0))
        return Encoded(np.ascontiguousarray(values, dtype=np.float32), observed, unknown)

    def decode(self, X, predicted: np.ndarray, encoded: Encoded, *, as_frame_out: bool):
        """``X`` with its missing cells taken from ``predicted`` (the network's output in
        encoded space: numbers standardised, categories as scores per slot)."""
        frame = self.frame_of(X).copy()
        offsets = np.cumsum([0] + [c.width for c in self.columns])
        numeric_i = 0
        for j, column in enumerate(self.columns):
            fill = ~encoded.observed[:, j] & ~encoded.unknown[:, j]
            block = predicted[:, offsets[j]:offsets[j + 1]]
            if column.kind == "numeric":
                frame[column.name] = self._numbers_out(frame[column.name], block[:, 0], fill,
                                                       column, numeric_i)
                numeric_i += 1
            else:
                frame[column.name] = self._categories_out(frame[column.name], block, fill, column)
        if as_frame_out:
            return frame
        return frame.to_numpy(dtype=np.float64)

    def frame_of(self, X):
        """``X`` as a DataFrame with the fitted columns in the fitted order."""
        frame, was_frame = as_frame(X, None if self.from_frame else self.names)
        if was_frame and not self.from_frame and frame.shape[1] == len(self.names):
            frame.columns = self.names  # fitted on an array: columns count by position
        have, want = set(frame.columns), set(self.names)
        missing, extra = [n for n in self.names if n not in have], sorted(have - want, key=str)
        if missing or extra:
            parts = ([f"missing column(s) {_names(missing)}"] if missing else []) + (
                [f"unexpected column(s) {_names(extra)}"] if extra else [])
            raise InputError(f"X does not have the columns the imputer was fitted on: "
                             f"{'; '.join(parts)}")
        return frame[self.names]

    def _codes(self, values, column: Column, handle_unknown: str) -> np.ndarray:
        """Category index per cell; -1 for a missing cell, -2 for an unseen category."""
        present = values.notna().to_numpy()
        text = values.astype(object).where(present, "").astype(str).to_numpy()
        index = {c: i for i, c in enumerate(column.categories)}
        codes = np.array([index.get(v, -2) for v in text], dtype=np.int64)
        codes[~present] = -1
        if (codes == -2).any() and handle_unknown == "error":
            row = int(np.flatnonzero(codes == -2)[0])
            raise InputError(f"column {column.name!r} holds the category {text[row]!r} at row "
                             f"{row}, never seen in fit; refit, or use handle_unknown='ignore' "
                             "to keep such cells as they are and not use them")
        return codes

    def _numbers_out(self, original, standardised, fill, column: Column, i: int):
        numbers = numeric_values(original, column.name, fitted=True)
        imputed = standardised.astype(np.float64) * self.std[i] + self.mean[i]
        if column.integer:
            imputed = np.round(imputed)
        numbers = np.where(fill, imputed, numbers)
        if column.integer and not np.isnan(numbers).any():
            return numbers.astype(np.int64)
        return numbers

    def _categories_out(self, original, scores, fill, column: Column):
        import pandas as pd

        categories = [_as_value(c, column.values) for c in column.categories]
        likeliest = np.asarray(categories + [None], dtype=object)[scores.argmax(axis=1)]
        out = original.astype(object).copy()
        out[fill] = likeliest[fill]
        if isinstance(original.dtype, pd.CategoricalDtype):
            return out.astype(original.dtype)  # the fill is one of the seen categories
        if column.values == "bool" and not out.isna().any():
            return out.astype(bool)
        return out

    # Saving (names, n_features, categorical_names, groups: ColumnLayout) ------------------
    def to_json(self) -> dict[str, Any]:
        return {"from_frame": self.from_frame,
                "columns": [{"name": c.name, "kind": c.kind, "categories": c.categories,
                             "integer": c.integer, "values": c.values} for c in self.columns]}

    @classmethod
    def from_json(cls, meta: dict, mean: np.ndarray, std: np.ndarray) -> "TableSchema":
        columns = [Column(c["name"], c["kind"], list(c["categories"]), bool(c["integer"]),
                          str(c["values"])) for c in meta["columns"]]
        return cls(columns, mean, std, bool(meta["from_frame"]))


def as_frame(X, names: list[str] | None = None):
    """A DataFrame of ``X`` (arrays get ``names`` or ``x0, x1, ...``); (frame, was_frame).
    NaN stays NaN: it marks the cells to fill."""
    import pandas as pd

    if hasattr(X, "columns") and hasattr(X, "dtypes"):
        frame = X.copy(deep=False)
        frame.columns = [str(c) for c in frame.columns]
        if len(set(frame.columns)) < len(frame.columns):
            raise InputError("X has several columns of the same name; rename them")
        return frame, True
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise InputError("X is a sparse matrix; sparse input is not supported, densify it "
                         "with X.toarray()")
    if hasattr(X, "detach"):
        X = X.detach().cpu().numpy()
    array = np.asarray(X)
    if array.dtype.kind == "c":
        raise InputError("Complex data not supported")
    if array.ndim != 2:
        raise InputError(f"X must be a 2-D table (n_samples, n_features); got shape {array.shape}"
                         + (". Reshape your data" if array.ndim == 1 else ""))
    if array.dtype.kind not in "biuf":
        array = _objects_to_numbers(array)
    if names is not None and array.shape[1] != len(names):
        raise InputError(f"X has {array.shape[1]} features, but MaskedImputer is expecting "
                         f"{len(names)} features as input")
    names = names or [f"x{i}" for i in range(array.shape[1])]
    return pd.DataFrame(array, columns=names, copy=False), False


def _objects_to_numbers(array: np.ndarray) -> np.ndarray:
    """An object or text array as floats (None and NaN missing); text is refused here,
    since an array has no column names to hold categories: pass a DataFrame for those."""
    out = np.empty(array.shape, dtype=np.float64)
    for index, value in np.ndenumerate(array):
        if value is None:
            out[index] = np.nan
            continue
        try:
            out[index] = float(value)
        except (TypeError, ValueError):
            raise NonNumericError(f"X holds {value!r} in column {index[1]}, which is not a number; "
                             "argument must be a string or a real number: pass a DataFrame "
                             "to impute categorical (text) columns") from None
    return out


def is_numeric(values) -> bool:
    from pandas.api.types import is_bool_dtype, is_complex_dtype, is_numeric_dtype

    if is_complex_dtype(values.dtype):
        raise InputError(f"Complex data not supported: column {values.name!r} is complex")
    return is_numeric_dtype(values.dtype) and not is_bool_dtype(values.dtype)


def numeric_values(values, name: str, fitted: bool = False) -> np.ndarray:
    """The column as float64, NaN where missing; infinities and text refused by name."""
    import pandas as pd

    if not is_numeric(values):
        present = values.dropna()
        converted = pd.to_numeric(present, errors="coerce")
        if converted.isna().any():
            bad = present[converted.isna()].iloc[0]
            when = "was numeric when the imputer was fitted but now" if fitted else ""
            raise InputError(f"column {name!r} {when} holds {bad!r}, which is not a number"
                             .replace("  ", " "))
        values = pd.to_numeric(values, errors="coerce")
    numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(numbers).any():
        row = int(np.flatnonzero(np.isinf(numbers))[0])
        raise InputError(f"column {name!r} holds an infinite value at row {row}; mark a "
                         "missing cell with NaN")
    return numbers


def _categories(values, name: str, max_categories: int) -> list[str]:
    text = values.dropna().astype(str)
    counts = text.value_counts()
    if len(counts) > max_categories:
        raise InputError(f"column {name!r} has {len(counts)} distinct values, more than "
                         f"max_categories={max_categories}: if it is numeric, fix its text "
                         "cells; if it is an id, drop it; else raise max_categories")
    return sorted(str(c) for c in counts.index)


# A text column whose non-empty cells are at least this share numbers is a numeric column
# with stray cells ("n/a", "-", a typo), not a categorical one.
NUMERIC_SHARE = 0.9


def _refuse_stray_text(values, name: str) -> None:
    import pandas as pd

    present = values.dropna()
    if not len(present) or values.dtype == bool:
        return
    numbers = pd.to_numeric(present.astype(str), errors="coerce")
    bad = numbers.isna().to_numpy()
    if bad.any() and 1 - bad.mean() >= NUMERIC_SHARE:
        first = int(np.flatnonzero(bad)[0])
        row = int(np.flatnonzero(values.notna().to_numpy())[first])  # position in the table
        raise InputError(f"column {name!r} holds numbers but also {present.iloc[first]!r} "
                         f"at row {row} ({int(bad.sum())} such cell(s)): leave missing cells "
                         f"empty (NaN), or pass categorical=[{name!r}] if it is a category")


def _value_kind(values) -> str:
    """What a categorical column's cells are, so filled cells get the same type back."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    present = values.dropna()
    if is_bool_dtype(values.dtype) or (len(present) and all(
            isinstance(v, (bool, np.bool_)) for v in present)):
        return "bool"
    if is_numeric_dtype(values.dtype):
        return "number"
    return "text"


def _as_value(category: str, kind: str):
    if kind == "bool":
        return category == "True"
    if kind == "number":
        number = float(category)
        return int(number) if number.is_integer() else number
    return category


def _names(names) -> str:
    return ", ".join(repr(str(n)) for n in names)
