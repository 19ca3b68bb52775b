"""Reading tables with their text columns, and scoring files larger than memory.

:func:`read_table` keeps categorical (text) columns, which :func:`aekit.data.load_data`
refuses because auto-encoders in general need numbers; the detector encodes them.
:func:`score_file` streams a CSV (or a Parquet file by row groups) in chunks and writes
the rows back with ``anomaly_score`` and ``is_anomaly`` appended, through a temporary
file renamed into place at the end: a run that fails part way leaves no output file.
:func:`score_rows` does the same for images and arrays held in memory. Messages about
an empty cell name the file's line (:func:`check_missing`), counted across chunks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit._atomic import atomic_path
from aekit.data.tables import (TABLE_SUFFIXES, ChunkWriter, is_parquet, is_table_path,  # noqa: F401
                               iter_table, read_table)
from aekit.errors import DataError

SCORE_COLUMN, FLAG_COLUMN = "anomaly_score", "is_anomaly"
# What to do about an empty cell in data scored by a detector fitted with missing="error"
REFIT_IMPUTE = ("the detector was fitted with --missing error (missing='error'): fill the "
                "cells, or refit it with --missing impute")
FIT_IMPUTE = ("fill the cells, or pass --missing impute (missing='impute': the median for "
              "numbers, a category of its own for text)")


def check_missing(frame, source, *, columns, first_row: int = 0, fix: str) -> None:
    """Refuse the first empty cell of ``columns`` in ``frame`` (rows ``first_row`` on of
    the table ``source``), naming its column and the file's line; ``fix`` says what to do."""
    present = [c for c in columns if c in frame.columns]
    missing = frame[present].isna().to_numpy()
    if not missing.any():
        return
    row, col = np.argwhere(missing)[0]
    row += first_row
    where = (f"on line {row + 2}" if not is_parquet(source)  # line 1 is the header
             else f"at row {row} (counting from 0)")
    raise DataError(f"'{source}' has an empty cell in column {present[col]!r} {where}; {fix}")


def score_file(detector, source, out, *, chunk_size: int = 100_000,
               passthrough=()) -> tuple[int, int]:
    """Score every row of ``source`` into the CSV or Parquet file ``out``, chunk by chunk
    (a Parquet output gets one row group per chunk); returns (rows, anomalies).

    ``passthrough`` columns (ids, labels) are copied to the output but not scored, as are
    the columns the detector was fitted to ignore.
    """
    out = Path(out) if is_parquet(out) else _check_csv_name(out)
    encoder = detector.encoder_
    if encoder is None:
        raise DataError(f"this detector was fitted on images; score images (a folder of them "
                        f"or a .npy array), not the table '{source}'")
    threshold = detector.threshold_
    n_rows = n_flagged = 0
    with atomic_path(out) as tmp, ChunkWriter(tmp, out) as writer:
        for chunk in iter_table(source, chunk_size=chunk_size,
                                text_columns=encoder.categorical_names):
            _check_output_names(chunk, source)
            if encoder.missing == "error":
                check_missing(chunk, source, columns=encoder.names, first_row=n_rows,
                              fix=REFIT_IMPUTE)
            features = chunk.drop(columns=[c for c in passthrough if c in chunk.columns])
            scores = detector.anomaly_score(features) if len(chunk) else np.zeros(0)
            chunk[SCORE_COLUMN] = scores
            chunk[FLAG_COLUMN] = (scores > threshold).astype(np.int8)
            writer.write(chunk)
            n_rows += len(chunk)
            n_flagged += int((scores > threshold).sum())
    return n_rows, n_flagged


def score_rows(detector, X, out, *, names=None) -> tuple[int, int]:
    """Score the images or array rows ``X`` into the CSV ``out``: a ``name`` column (file
    names, when given) or ``row`` (row numbers), ``anomaly_score`` and ``is_anomaly``;
    returns (rows, anomalies)."""
    import pandas as pd

    out = _check_csv_name(out)
    scores = detector.anomaly_score(X)
    flags = (scores > detector.threshold_).astype(np.int8)
    ids = {"name": list(names)} if names else {"row": np.arange(len(scores))}
    with atomic_path(out) as tmp:
        pd.DataFrame({**ids, SCORE_COLUMN: scores, FLAG_COLUMN: flags}).to_csv(
            tmp, index=False, compression="gzip" if out.name.lower().endswith(".gz") else None)
    return len(scores), int(flags.sum())


def _check_csv_name(out) -> Path:
    out = Path(out)
    if not out.name.lower().endswith((".csv", ".csv.gz")):
        raise DataError(f"cannot write '{out}': scores are written as CSV (.csv or .csv.gz)")
    return out


def _check_output_names(chunk, source) -> None:
    taken = [c for c in (SCORE_COLUMN, FLAG_COLUMN) if c in chunk.columns]
    if taken:
        raise DataError(f"'{source}' already has column(s) {', '.join(map(repr, taken))}; "
                        "rename them first")
