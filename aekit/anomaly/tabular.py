"""Tables as they come (CSV, Parquet, DataFrames, arrays) to the numbers a network sees.

What :class:`TableEncoder` does, and saves inside the model (no pickle: names and
categories go to config.json, numbers to model.safetensors):

* **numeric columns** are centred on the median and divided by the inter-quartile range
  (/1.349, so a normal column gets unit spread); outliers in the training data do not
  squash everyone else. A column with IQR 0 (mostly one value, such as a rare flag) is
  divided by its standard deviation instead; a constant column by ``max(|value|, 1)``,
  so it costs nothing while it stays constant and a new value there stands out.
* **categorical columns** (text, ``category`` or ``bool`` dtype, or named in
  ``categorical``) are one-hot encoded with their ``max_categories - 1`` most frequent
  values plus an "other" slot when there are more. A value never seen in training goes
  to "other" when the column has that slot, and encodes as all zeros when it does not:
  the row is scored (never a crash) and, since no training row looked like that, it
  reconstructs badly and scores as unusual.
* **missing values**: ``missing="error"`` (default) refuses NaN/empty cells and names
  the column and row; ``missing="impute"`` puts the training median in numeric cells
  and treats a missing categorical cell as its own category.
* **columns are matched by name**: missing or extra columns, or a numeric column that
  now holds text, fail with a message naming them. ``ignore`` columns (ids, labels) are
  left out at fit and dropped wherever they appear later; the list is saved.
* **traps are named at fit** (a warning through :mod:`logging`): a column with a distinct
  value on every row (an id: one-hot encoded it only tells rows apart, and every new id
  looks unusual), and a numeric column turned categorical by a few text cells (naming
  the first one's row and value).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aekit.data.tables import ColumnLayout
from aekit.errors import InputError

logger = logging.getLogger(__name__)

MISSING = "<missing>"  # the category of an empty cell under missing="impute"
OTHER = "<other>"  # rare categories beyond max_categories


@dataclass
class Column:
    name: str
    kind: str  # "numeric" or "categorical"
    categories: list[str] = field(default_factory=list)  # categorical: one-hot slots

    @property
    def width(self) -> int:
        return 1 if self.kind == "numeric" else len(self.categories)


@dataclass
class TableEncoder(ColumnLayout):
    """Fitted column handling; build with :meth:`fit`, then :meth:`transform`."""

    columns: list[Column]
    center: np.ndarray  # per numeric column, float64
    scale: np.ndarray
    missing: str
    from_frame: bool  # fitted on a DataFrame (names matter) or on an array
    ignored: list[str] = field(default_factory=list)  # left out at fit, dropped later

    # Fitting ------------------------------------------------------------------------------
    @classmethod
    def fit(cls, X, *, categorical=None, missing: str = "error",
            max_categories: int = 50, ignore=None) -> "TableEncoder":
        frame, from_frame = as_frame(X)
        ignored = [str(c) for c in ignore or ()]
        if ignored:
            if not from_frame:
                raise InputError("ignore names columns of a DataFrame (or CSV/Parquet table); "
                                 "X is an array: drop the columns from it instead")
            unknown = [c for c in ignored if c not in frame.columns]
            if unknown:
                raise InputError(f"ignore names column(s) not in X: {_names(unknown)}")
            frame = frame.drop(columns=ignored)
        if len(frame) < 2:
            raise InputError(f"X has {len(frame)} sample(s) (shape={frame.shape}) while a "
                             "minimum of 2 is required")
        if frame.shape[1] == 0:
            raise InputError(f"X has 0 feature(s) (shape={frame.shape}) while a minimum of 1 is required.")
        forced = set(categorical or ())
        unknown = forced - set(frame.columns)
        if unknown:
            raise InputError(f"categorical names column(s) not in X: {_names(unknown)}")
        columns, centers, scales, constant = [], [], [], []
        for name in frame.columns:
            values = frame[name]
            if name not in forced:
                _warn_of_traps(values, name, is_numeric=_is_numeric(values))
            if name in forced or not _is_numeric(values):
                if missing == "error":
                    _refuse_missing(values.isna().to_numpy(), name)
                columns.append(Column(name, "categorical",
                                      _categories(values, missing, max_categories)))
                constant.append(len(columns[-1].categories) == 1)
                continue
            numbers = _numeric(values, name)
            present = ~np.isnan(numbers)
            if missing == "error":
                _refuse_missing(~present, name)
            if not present.any():
                raise InputError(f"column {name!r} has no values at all; drop it")
            center, scale = _robust_scale(numbers[present])
            columns.append(Column(name, "numeric"))
            centers.append(center)
            scales.append(scale)
            constant.append(bool(np.ptp(numbers[present]) == 0))
        if all(constant):
            raise InputError(f"every column of X is constant ({_names(frame.columns[:5])}"
                             f"{', ...' if frame.shape[1] > 5 else ''}): there is nothing to "
                             "learn what normal looks like from")
        return cls(columns, np.array(centers, dtype=np.float64),
                   np.array(scales, dtype=np.float64), missing, from_frame, ignored)

    # Using --------------------------------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Encode ``X`` (same columns as in fit, any order) as float32 (n, n_features)."""
        frame, _ = as_frame(X, self.names if not self.from_frame else None)
        frame = frame.drop(columns=[c for c in self.ignored if c in frame.columns])
        self._check_columns(frame)
        blocks, numeric_i = [], 0
        for column in self.columns:
            values = frame[column.name]
            if column.kind == "numeric":
                numbers = _numeric(values, column.name, fitted=True)
                nan = np.isnan(numbers)
                if nan.any():
                    if self.missing == "error":
                        _refuse_missing(nan, column.name)
                    numbers = np.where(nan, self.center[numeric_i], numbers)
                if not np.isfinite(numbers).all():
                    row = int(np.flatnonzero(~np.isfinite(numbers))[0])
                    raise InputError(f"column {column.name!r} holds an infinite value at row {row}")
                scaled = (numbers - self.center[numeric_i]) / self.scale[numeric_i]
                blocks.append(scaled[:, None])
                numeric_i += 1
            else:
                blocks.append(self._one_hot(values, column))
        return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)

    def _one_hot(self, values, column: Column) -> np.ndarray:
        nan = values.isna().to_numpy()
        if nan.any() and self.missing == "error":
            _refuse_missing(nan, column.name)
        text = values.astype(object).where(~nan, MISSING).astype(str).to_numpy()
        index = {c: i for i, c in enumerate(column.categories)}
        unknown = index.get(OTHER, -1)  # rare or unseen: "other", or all zeros without it
        codes = np.array([index.get(v, unknown) for v in text], dtype=np.int64)
        out = np.zeros((len(text), column.width), dtype=np.float32)
        seen = codes >= 0
        out[np.flatnonzero(seen), codes[seen]] = 1.0
        return out

    def _check_columns(self, frame) -> None:
        have, want = set(frame.columns), set(self.names)
        missing, extra = [n for n in self.names if n not in have], sorted(have - want, key=str)
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing column(s) {_names(missing)}")
            if extra:
                parts.append(f"unexpected column(s) {_names(extra)}")
            raise InputError(f"X does not have the columns the detector was fitted on: "
                             f"{'; '.join(parts)}")

    # Saving (names, n_features, categorical_names, groups: ColumnLayout) ------------------
    def to_json(self) -> dict[str, Any]:
        return {"missing": self.missing, "from_frame": self.from_frame, "ignored": self.ignored,
                "columns": [{"name": c.name, "kind": c.kind, "categories": c.categories}
                            for c in self.columns]}

    @classmethod
    def from_json(cls, meta: dict, center: np.ndarray, scale: np.ndarray) -> "TableEncoder":
        columns = [Column(c["name"], c["kind"], list(c["categories"])) for c in meta["columns"]]
        return cls(columns, center, scale, meta["missing"], meta["from_frame"],
                   list(meta.get("ignored", [])))  # absent in detectors saved before it


def as_frame(X, names: list[str] | None = None):
    """A DataFrame of ``X``; arrays get ``names`` or ``x0, x1, ...``. Returns (frame, was_frame)."""
    import sys

    import pandas as pd

    sparse = sys.modules.get("scipy.sparse")
    if sparse is not None and sparse.issparse(X):
        raise InputError("X is a sparse matrix; sparse input is not supported, densify it "
                         "with X.toarray()")
    if hasattr(X, "columns") and hasattr(X, "dtypes"):
        frame = X.copy(deep=False)
        frame.columns = [str(c) for c in frame.columns]
        return frame, True
    if hasattr(X, "detach"):
        X = X.detach().cpu().numpy()
    array = np.asarray(X)
    if array.dtype.kind not in "biuf":
        from aekit.data.validation import check_features

        # numbers stored as objects pass; text or complex values fail with the usual
        # messages (text columns need names: pass a DataFrame to have them one-hot encoded)
        array = check_features(array, dtype=np.float64)
    if array.ndim != 2:
        raise InputError(f"X must be a 2-D table (n_samples, n_features); got shape {array.shape}"
                         + (". Reshape your data" if array.ndim == 1 else ""))
    if names is not None and array.shape[1] != len(names):
        raise InputError(f"X has {array.shape[1]} features, but AnomalyDetector is expecting "
                         f"{len(names)} features as input")
    names = names or [f"x{i}" for i in range(array.shape[1])]
    return pd.DataFrame(array, columns=names, copy=False), False


def _is_numeric(values) -> bool:
    from pandas.api.types import is_bool_dtype, is_complex_dtype, is_numeric_dtype

    if is_complex_dtype(values.dtype):
        raise InputError(f"Complex data not supported: column {values.name!r} is complex")
    return is_numeric_dtype(values.dtype) and not is_bool_dtype(values.dtype)


def _numeric(values, name: str, fitted: bool = False) -> np.ndarray:
    import pandas as pd

    if not _is_numeric(values):
        if not fitted:
            raise InputError(f"column {name!r} is not numeric")
        present = values.dropna()
        converted = pd.to_numeric(present, errors="coerce")
        if converted.isna().any():
            bad = present[converted.isna()].iloc[0]
            raise InputError(f"column {name!r} was numeric when the detector was fitted but "
                             f"now holds {bad!r}; fix the data or refit")
        values = pd.to_numeric(values, errors="coerce")
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _robust_scale(values: np.ndarray) -> tuple[float, float]:
    center = float(np.median(values))
    q25, q75 = np.percentile(values, [25, 75])
    scale = (q75 - q25) / 1.349
    if not scale > 0:
        scale = float(values.std())
    if not scale > 0:
        scale = max(abs(center), 1.0)  # constant: a new value here is what stands out
    return center, float(scale)


def _categories(values, missing: str, max_categories: int) -> list[str]:
    text = values.astype(object).where(values.notna(), MISSING).astype(str)
    counts = text.value_counts(sort=True)
    if missing == "error":
        counts = counts.drop(MISSING, errors="ignore")
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = [str(k) for k, _ in ordered[:max_categories - 1]]
    if len(ordered) >= max_categories:
        kept.append(OTHER)
    return kept


# An id is only worth a warning on enough rows: on a handful, distinct values are common.
ID_MIN_ROWS = 10
# A text column whose non-empty cells are at least this share numbers is numeric data
# with a few stray cells (a typo, "n/a", "-"), not a categorical column.
NUMERIC_SHARE = 0.9


def _warn_of_traps(values, name: str, *, is_numeric: bool) -> None:
    """Log a warning for a column of numbers with stray text, or one that looks like an id."""
    import pandas as pd
    from pandas.api.types import is_integer_dtype, is_object_dtype, is_string_dtype

    present = values.dropna()
    if not is_numeric and len(present) and (is_object_dtype(values.dtype) or is_string_dtype(values.dtype)):
        bad = (values.notna() & pd.to_numeric(values, errors="coerce").isna()).to_numpy()
        if bad.any() and 1 - bad.sum() / len(present) >= NUMERIC_SHARE:
            row = int(np.flatnonzero(bad)[0])  # position, whatever the frame's index
            logger.warning("column %r is numeric except for %d cell(s), the first at row %d: %r; "
                           "it is treated as categorical (each number a category): fix the "
                           "cell(s), or pass categorical=[%r] (--categorical %s) if it is one",
                           name, int(bad.sum()), row, values.iloc[row], name, name)
            return
    n = len(values)
    if n < ID_MIN_ROWS or len(present) < n or present.nunique() < n:
        return
    fix = f"leave it out with ignore=[{name!r}] (--ignore {name})"
    if not is_numeric:
        logger.warning("column %r has a distinct value on every row (%d rows, e.g. %r), like an "
                       "id: one-hot encoded it only tells rows apart and makes every new value "
                       "look unusual; %s", name, n, present.iloc[0], fix)
    elif is_integer_dtype(values.dtype) and values.is_monotonic_increasing:
        logger.warning("column %r holds a distinct, increasing whole number on every row, like "
                       "an id or a row number: new rows' numbers will look unusual; %s", name, fix)


def _refuse_missing(mask: np.ndarray, name: str) -> None:
    if mask.any():
        row = int(np.flatnonzero(mask)[0])
        raise InputError(f"column {name!r} has {int(mask.sum())} missing (NaN or empty) "
                         f"value(s), the first at row {row}; fill them, or fit with "
                         "missing='impute' (median for numbers, its own category for text)")


def _names(names) -> str:
    return ", ".join(repr(str(n)) for n in names)
