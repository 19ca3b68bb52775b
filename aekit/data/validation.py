"""Turn whatever a user passes as ``X`` into the float array the estimators train on.

The messages follow scikit-learn's wording where its estimator checks match on words
("Reshape your data", "0 feature(s)", "NaN", "inf", "sparse", "Complex data not
supported", "argument must be a string or a real number"), so aekit's estimators pass
``parametrize_with_checks`` while the messages still tell a user what to do.
"""

from __future__ import annotations

import sys

import numpy as np

from aekit.errors import InputError


class NonNumericError(InputError, TypeError):
    """``X`` holds strings or other objects that are not numbers.

    It is also a ``TypeError`` because that is what NumPy and scikit-learn raise for
    the same input, and what code written against scikit-learn catches.
    """


def check_features(
    X,
    *,
    name: str = "X",
    min_samples: int = 1,
    allow_nd: bool = True,
    dtype=np.float32,
    copy: bool = False,
) -> np.ndarray:
    """Validate an array-like of samples and return it as a C-contiguous float array.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_samples, ...)
        NumPy array, nested lists, pandas DataFrame or CPU torch tensor. Never modified.
    name : str, default="X"
        What to call the data in error messages.
    min_samples : int, default=1
        Fewest rows accepted.
    allow_nd : bool, default=True
        Accept arrays of more than two dimensions, such as images ``(N, C, H, W)``.
    dtype : numpy dtype, default=np.float32
        Type of the returned array.
    copy : bool, default=False
        Always return a new array. Otherwise the result shares memory with ``X`` when
        ``X`` already has the right type and layout, so large data is not duplicated.

    Returns
    -------
    numpy.ndarray
        C-contiguous array of ``dtype`` with ``ndim >= 2`` and only finite values.

    Raises
    ------
    InputError
        For sparse, complex, 0-D, 1-D or empty input, NaN or infinite values, too many
        dimensions when ``allow_nd=False``; ``NonNumericError`` (an ``InputError``)
        for strings and other objects.

    Examples
    --------
    >>> check_features([[1, 2], [3, 4]]).dtype
    dtype('float32')
    """
    array = _to_numeric_array(X, name)
    _check_shape(array, name, min_samples, allow_nd)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow to inf is reported
        out = np.array(array, dtype=dtype, order="C", copy=True if copy else None)
    _check_finite(out, name)
    return out


def _to_numeric_array(X, name: str) -> np.ndarray:
    """Convert to a NumPy array of a numeric kind; no copy when X already is one."""
    if _is_sparse(X):
        raise InputError(
            f"{name} is a sparse matrix; sparse input is not supported, "
            f"densify it with {name}.toarray()"
        )
    if hasattr(X, "dtypes") and hasattr(X, "columns"):
        return _frame_to_array(X, name)
    if hasattr(X, "detach") and hasattr(X, "cpu"):
        # torch tensors: np.asarray fails on ones that need grad or live on a GPU
        X = X.detach().cpu().numpy()
    try:
        array = np.asarray(X)
    except ValueError as exc:
        # NumPy 2 refuses ragged nested lists instead of making an object array
        raise InputError(f"{name} has rows of different lengths ({exc})") from None
    return _numeric_kind(array, name)


def _is_sparse(X) -> bool:
    # a scipy.sparse matrix can only exist once scipy.sparse is imported; looking it up
    # keeps scipy an optional (and not eagerly imported) dependency
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(X)


def _frame_to_array(frame, name: str) -> np.ndarray:
    """pandas DataFrame to array, naming the first column that is not numeric."""
    import pandas as pd

    # the columns of a frame with no rows have no real type: _check_shape reports it
    for column, column_dtype in frame.dtypes.items() if len(frame) else ():
        if not pd.api.types.is_numeric_dtype(column_dtype):  # True for bool too
            raise NonNumericError(
                f"{name} column {column!r} is not numeric (dtype {column_dtype}); "
                "aekit needs numbers"
            )
    if any(pd.api.types.is_complex_dtype(t) for t in frame.dtypes):
        raise InputError(f"Complex data not supported: {name} has complex columns")
    # na_value turns pandas' nullable NA into NaN, which the finiteness check reports
    return frame.to_numpy(dtype=np.float64, na_value=np.nan)


def _numeric_kind(array: np.ndarray, name: str) -> np.ndarray:
    kind = array.dtype.kind
    if kind == "c":
        raise InputError(f"Complex data not supported: {name} has complex values")
    if kind in "biuf":
        return array
    if kind == "O":
        return _objects_to_float(array, name)
    example = array.flat[0].item() if array.size else array.dtype  # item: plain repr
    raise NonNumericError(
        f"{name} contains non-numeric values (e.g. {example!r}); aekit needs numbers"
    )


def _objects_to_float(array: np.ndarray, name: str) -> np.ndarray:
    """Accept an object array only when every element is a real number."""
    for value in array.flat:
        if isinstance(value, (str, bytes)):
            # rejected even when it reads as a number: text in X is nearly always a
            # column that was not meant to be there
            raise NonNumericError(
                f"{name} contains non-numeric values (e.g. {value!r}); "
                "aekit needs numbers"
            )
        if isinstance(value, complex):
            raise InputError(f"Complex data not supported: {name} has complex values")
        try:
            float(value)
        except (TypeError, ValueError) as exc:
            raise NonNumericError(
                f"{name} contains non-numeric values (e.g. {value!r}); "
                f"aekit needs numbers ({exc})"
            ) from None
    return array.astype(np.float64)


def _check_shape(array: np.ndarray, name: str, min_samples: int,
                 allow_nd: bool) -> None:
    if array.ndim == 0:
        raise InputError(
            f"{name} is a single number (0-D); pass a 2-D array of shape "
            "(n_samples, n_features)"
        )
    if array.ndim == 1:
        raise InputError(
            f"{name} is 1-D with shape {array.shape}; pass a 2-D array of shape "
            f"(n_samples, n_features). Reshape your data: use {name}.reshape(-1, 1) "
            f"for one feature or {name}.reshape(1, -1) for one sample"
        )
    if array.ndim > 2 and not allow_nd:
        raise InputError(
            f"{name} has {array.ndim} dimensions with shape {array.shape}; this "
            f"model needs a 2-D array: flatten it with {name}.reshape(len({name}), -1)"
        )
    n_samples = array.shape[0]
    if n_samples < min_samples:
        raise InputError(
            f"{name} has {n_samples} sample(s) (shape={array.shape}) while a minimum "
            f"of {min_samples} is required"
        )
    if 0 in array.shape[1:]:
        raise InputError(
            f"{name} has 0 feature(s) (shape={array.shape}) while a minimum of 1 is "
            "required."
        )


def _check_finite(array: np.ndarray, name: str) -> None:
    if array.dtype.kind != "f" or np.isfinite(array).all():
        return
    for word, mask in (("NaN", np.isnan(array)), ("inf", np.isinf(array))):
        count = int(mask.sum())
        if count:
            first_row = int(np.flatnonzero(mask.reshape(len(array), -1).any(axis=1))[0])
            # float64 values beyond about 3.4e38 become inf when cast to float32
            too_large = word == "inf" and array.dtype == np.float32
            hint = " (or values too large for float32)" if too_large else ""
            raise InputError(
                f"{name} contains {word}{hint} in {count} value(s) (first at row "
                f"{first_row}); remove or replace them first"
            )


def check_labels(y, n_samples: int, *, name: str = "labels") -> np.ndarray:
    """Labels as a 1-D array with one entry per sample, or a clear InputError.

    >>> check_labels([0, 1, 1], 3)
    array([0, 1, 1])
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise InputError(f"{name} must be one label per sample (a 1-D array); got shape {y.shape}")
    if len(y) != n_samples:
        raise InputError(f"got {len(y)} {name} for {n_samples} samples; give exactly one per sample")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise InputError(f"{name} contain NaN or infinite values")
    return y
