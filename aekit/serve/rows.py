"""JSON rows, as the service receives them, to the tables and arrays the models take.

A request's ``rows`` is either a list of objects (``{"column": value}``, for models
fitted on named columns) or a list of lists (one flat list of values per sample).
Every problem is an :class:`~aekit.errors.InputError` naming the row, so the service
answers it as a 422 instead of letting pandas or numpy fail deeper down.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from aekit.errors import InputError


def rows_to_frame(rows: list[dict]):
    """Objects sharing one set of keys -> a DataFrame with those columns."""
    import pandas as pd

    first = list(rows[0])
    if not first:
        raise InputError("row 0 has no columns")
    want = set(first)
    for i, row in enumerate(rows):
        if set(row) != want:
            missing = sorted(want - set(row))
            extra = sorted(set(row) - want)
            parts = ([f"lacks {', '.join(map(repr, missing))}"] if missing else []) + \
                    ([f"adds {', '.join(map(repr, extra))}"] if extra else [])
            raise InputError(f"row {i} has other columns than row 0: it {' and '.join(parts)}")
    columns = {name: [row[name] for row in rows] for name in first}
    return pd.DataFrame({name: _column(values, name) for name, values in columns.items()})


def _column(values: list, name: str):
    """A column's cells as one dtype: numbers (None is missing), text, or bool."""
    import pandas as pd

    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="boolean" if len(present) < len(values) else bool)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pd.Series([math.nan if v is None else float(v) for v in values], dtype=np.float64)
    # text, or a mix: as object, the way a CSV column holding text is read
    return pd.Series(values, dtype=object)


def rows_to_array(rows: list[list], sample_shape: tuple[int, ...]) -> np.ndarray:
    """Flat lists of numbers, each with prod(sample_shape) values -> (n, *sample_shape)."""
    width = math.prod(sample_shape)
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InputError(f"row {i} has {len(row)} values; the model takes {width} per row"
                             + (f" (samples of shape {sample_shape}, flattened)"
                                if len(sample_shape) > 1 else ""))
    # the types of all cells at C speed; the slow search for the culprit only on failure
    if not set(map(type, itertools.chain.from_iterable(rows))) <= {int, float}:
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if type(value) not in (int, float):
                    raise InputError(f"row {i} value {j} is {value!r}; rows of lists hold "
                                     "numbers only")
    array = np.asarray(rows, dtype=np.float64)
    # the models compute in float32: a value beyond its range would become infinite
    too_large = ~(np.abs(array) <= np.finfo(np.float32).max)
    if too_large.any():
        i, j = np.argwhere(too_large)[0]
        raise InputError(f"row {i} value {j} is {array[i, j]!r}, beyond the float32 range the "
                         "models compute in")
    return array.astype(np.float32).reshape(len(rows), *sample_shape)
