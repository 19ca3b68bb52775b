"""Reading tables with their text columns, and scoring files larger than memory.

:func:`read_table` keeps categorical (text) columns, which :func:`aekit.data.load_data`
refuses because auto-encoders in general need numbers; the detector encodes them.
:func:`score_file` streams a CSV (or a Parquet file by row groups) in chunks and writes
the rows back with ``anomaly_score`` and ``is_anomaly`` appended, through a temporary
file renamed into place at the end: a run that fails part way leaves no output file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from aekit._atomic import atomic_path
from aekit.errors import DataError, MissingDataError

TABLE_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".parquet", ".pq")
SCORE_COLUMN, FLAG_COLUMN = "anomaly_score", "is_anomaly"


def is_table_path(path) -> bool:
    return Path(str(path)).name.lower().endswith(TABLE_SUFFIXES)


def read_table(path, *, text_columns=()) -> "pandas.DataFrame":  # noqa: F821
    """The whole table at ``path`` (CSV/TSV, maybe gzipped, or Parquet) as a DataFrame."""
    chunks = list(iter_table(path, chunk_size=None, text_columns=text_columns))
    return chunks[0]


def iter_table(path, *, chunk_size: int | None, text_columns=()) -> Iterator:
    """DataFrames of at most ``chunk_size`` rows (all rows when None).

    ``text_columns`` are read as text in every chunk, so a categorical column whose
    values happen to look numeric in one chunk is not read as numbers there.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"no such file: '{path}'")
    name = path.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            yield from _parquet_chunks(path, chunk_size)
            return
        if path.stat().st_size == 0:
            raise DataError(f"'{path}' is empty")
        sep = "\t" if ".tsv" in name else ","
        dtype = {c: str for c in text_columns} or None
        if chunk_size is None:
            yield pd.read_csv(path, sep=sep, dtype=dtype)
            return
        with pd.read_csv(path, sep=sep, dtype=dtype, chunksize=chunk_size) as reader:
            yield from reader
    except pd.errors.EmptyDataError:
        raise DataError(f"'{path}' is empty") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:  # incl. pyarrow's errors
        raise DataError(f"cannot read '{path}' as a table: {str(exc).splitlines()[0]}") from None


def _parquet_chunks(path: Path, chunk_size: int | None):
    import pyarrow.parquet as pq

    if chunk_size is None:
        yield pq.read_table(path).to_pandas()
        return
    source = pq.ParquetFile(path)
    empty = True
    for batch in source.iter_batches(batch_size=chunk_size):
        empty = False
        yield batch.to_pandas()
    if empty:
        yield source.schema_arrow.empty_table().to_pandas()


def score_file(detector, source, out, *, chunk_size: int = 100_000,
               passthrough=()) -> tuple[int, int]:
    """Score every row of ``source`` into the CSV ``out``; returns (rows, anomalies).

    ``passthrough`` columns (ids, labels) are copied to the output but not scored.
    """
    out = Path(out)
    if not out.name.lower().endswith((".csv", ".csv.gz")):
        raise DataError(f"cannot write '{out}': scores are written as CSV (.csv or .csv.gz)")
    encoder = detector.encoder_
    if encoder is None:
        raise DataError("this detector was fitted on images; score image files with "
                        "AnomalyDetector.anomaly_score in Python")
    threshold = detector.threshold_
    n_rows = n_flagged = 0
    with atomic_path(out) as tmp:
        compression = "gzip" if out.name.lower().endswith(".gz") else None
        for i, chunk in enumerate(iter_table(source, chunk_size=chunk_size,
                                             text_columns=encoder.categorical_names)):
            _check_output_names(chunk, source)
            features = chunk.drop(columns=[c for c in passthrough if c in chunk.columns])
            scores = detector.anomaly_score(features) if len(chunk) else np.zeros(0)
            chunk[SCORE_COLUMN] = scores
            chunk[FLAG_COLUMN] = (scores > threshold).astype(np.int8)
            # appending to a .gz adds a gzip member; concatenated members are a valid file
            chunk.to_csv(tmp, mode="w" if i == 0 else "a", header=i == 0, index=False,
                         compression=compression)
            n_rows += len(chunk)
            n_flagged += int((scores > threshold).sum())
    return n_rows, n_flagged


def _check_output_names(chunk, source) -> None:
    taken = [c for c in (SCORE_COLUMN, FLAG_COLUMN) if c in chunk.columns]
    if taken:
        raise DataError(f"'{source}' already has column(s) {', '.join(map(repr, taken))}; "
                        "rename them first")
