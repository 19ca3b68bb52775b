"""check_features: conversion to float32 and one clear error per kind of bad input."""

import re

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import sparse

from aekit.data.validation import NonNumericError, check_features
from aekit.errors import AekitError, InputError


def test_lists_become_c_contiguous_float32():
    out = check_features([[1, 2], [3, 4]])
    assert out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, [[1, 2], [3, 4]])


def test_dataframe_bool_and_int_columns_are_numbers():
    frame = pd.DataFrame({"a": [1, 2], "b": [True, False], "c": [0.5, 1.5]})
    np.testing.assert_array_equal(check_features(frame), [[1, 1, 0.5], [2, 0, 1.5]])


def test_images_keep_their_dimensions_and_nd_can_be_refused():
    images = np.zeros((4, 1, 8, 8), dtype=np.uint8)
    assert check_features(images).shape == (4, 1, 8, 8)
    with pytest.raises(InputError, match=r"4 dimensions.*reshape\(len\(X\), -1\)"):
        check_features(images, allow_nd=False)


def test_input_is_not_modified_and_copy_is_honoured():
    X = np.arange(6, dtype=np.float64).reshape(3, 2)[:, ::-1]  # not contiguous
    before = X.copy()
    out = check_features(X)
    out[:] = -1
    np.testing.assert_array_equal(X, before)
    same = np.ones((2, 2), dtype=np.float32)
    assert np.shares_memory(check_features(same), same)
    assert not np.shares_memory(check_features(same, copy=True), same)


def test_fortran_order_float32_is_made_c_contiguous():
    X = np.asfortranarray(np.ones((3, 4), dtype=np.float32))
    assert check_features(X).flags.c_contiguous


def test_torch_tensor_that_needs_grad():
    X = torch.ones(3, 2, requires_grad=True)
    assert check_features(X).shape == (3, 2)


@pytest.mark.parametrize(
    "X, pattern",
    [
        ([["1.0", "abc"]], r"non-numeric values \(e\.g\. '1\.0'\)"),
        (np.array([[1.0, "abc"]], dtype=object), r"non-numeric values \(e\.g\. 'abc'"),
        (pd.DataFrame({"x": [1, 2], "city": ["a", "b"]}), "column 'city' is not numer"),
        (np.array([["2020-01-01"]], dtype="datetime64[D]"), "non-numeric"),
    ],
)
def test_strings_are_refused(X, pattern):
    with pytest.raises(InputError, match=pattern):
        check_features(X)


def test_objects_fail_like_numpy_for_scikit_learn_checks():
    X = np.ones((3, 2), dtype=object)
    X[0, 0] = {"foo": "bar"}
    # scikit-learn's check_dtype_object expects a TypeError with NumPy's wording
    with pytest.raises(TypeError, match="argument must be .* string.* number") as info:
        check_features(X)
    assert isinstance(info.value, NonNumericError)
    assert isinstance(info.value, AekitError)


def test_object_array_of_numbers_is_accepted():
    X = np.array([[1, 2.5], [np.float64(3), 4]], dtype=object)
    assert check_features(X).dtype == np.float32


@pytest.mark.parametrize(
    "X, pattern",
    [
        (np.array([[1 + 2j, 3]]), "Complex data not supported"),
        (np.array([[1, 2j]], dtype=object), "Complex data not supported"),
        (np.arange(5.0), r"1-D with shape \(5,\).*Reshape your data.*reshape\(-1, 1\)"),
        (np.float64(3.0), r"0-D"),
        (np.empty((0, 3)), r"0 sample\(s\) \(shape=\(0, 3\)\) while a minimum of 1"),
        (np.empty((12, 0)),  # scikit-learn's check_estimators_empty_data_messages
         r"0 feature\(s\) \(shape=\(\d*, 0\)\) while a minimum of \d* is required\."),
        (np.empty((2, 0, 3)), r"0 feature\(s\)"),
        ([[1, 2], [3]], "rows of different lengths"),
        (sparse.csr_matrix(np.eye(3)), r"sparse input is not supported.*toarray\(\)"),
    ],
)
def test_bad_shapes_and_types_are_refused(X, pattern):
    with pytest.raises(InputError, match=pattern):
        check_features(X)


def test_min_samples():
    with pytest.raises(InputError, match=r"X has 1 sample\(s\).*minimum of 2"):
        check_features([[1.0, 2.0]], min_samples=2)


def test_nan_is_counted_and_located():
    X = np.ones((5, 3))
    X[2, 1] = X[3, 0] = X[4, 2] = np.nan
    message = "X contains NaN in 3 value(s) (first at row 2)"
    with pytest.raises(InputError, match=re.escape(message)):
        check_features(X)


@pytest.mark.parametrize("value", [np.inf, -np.inf, 1e300])
def test_infinity_and_float32_overflow(value):
    X = np.ones((3, 2))
    X[1, 1] = value
    with pytest.raises(InputError, match=r"inf.*1 value\(s\) \(first at row 1\)"):
        check_features(X)


def test_pandas_missing_values_are_reported_as_nan():
    frame = pd.DataFrame({"a": pd.array([1, None, 3], dtype="Int64")})
    with pytest.raises(InputError, match="NaN"):
        check_features(frame)


def test_name_is_used_in_messages():
    with pytest.raises(InputError, match=r"^X_val is 1-D"):
        check_features([1.0, 2.0], name="X_val")


def test_errors_are_value_errors_for_scikit_learn_users():
    with pytest.raises(ValueError):
        check_features(np.full((2, 2), np.nan))
