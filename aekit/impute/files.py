"""Filling a table file larger than memory, chunk by chunk, into a new file.

The output is written under a temporary name and renamed into place at the end, so a
run that fails part way (a bad cell in the last chunk, a full disk) leaves no output
file and never touches one that was there.
"""

from __future__ import annotations

from pathlib import Path

from aekit._atomic import atomic_path
from aekit.data.tables import ChunkWriter, iter_table
from aekit.errors import InputError


def impute_file(imputer, source, out, *, chunk_size: int = 100_000) -> tuple[int, int]:
    """Write ``source`` (CSV/TSV/Parquet) to ``out`` with its missing cells filled, same
    columns in the same order; returns (rows, cells filled)."""
    schema = imputer.schema_
    if not schema.from_frame:
        raise InputError("this imputer was fitted on an array, whose columns have no names; "
                         "fit it on a table (CSV, Parquet or a DataFrame) to fill table files")
    n_rows = n_filled = 0
    with atomic_path(Path(out)) as tmp, ChunkWriter(tmp, Path(out)) as writer:
        for chunk in iter_table(source, chunk_size=chunk_size,
                                text_columns=schema.categorical_names):
            try:
                filled = imputer.transform(chunk)
            except InputError as exc:
                raise InputError(f"'{source}', rows {n_rows} to {n_rows + len(chunk) - 1}: "
                                 f"{exc}") from None
            n_filled += int(chunk[schema.names].isna().to_numpy().sum())
            writer.write(filled)
            n_rows += len(chunk)
    return n_rows, n_filled
