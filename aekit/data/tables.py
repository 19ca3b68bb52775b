"""Tables on disk (CSV/TSV, maybe gzipped, or Parquet) read whole or in chunks, and
written chunk by chunk; shared by the rooms that take tables (anomaly, impute).

:func:`iter_table` reads a file larger than memory as DataFrames of bounded size (a
Parquet file one row group at a time); :class:`ChunkWriter` appends DataFrames to a CSV
or a Parquet file, which callers fill under :func:`aekit._atomic.atomic_path` so a run
that fails part way leaves no output file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from aekit.data.files import sniff_csv
from aekit.errors import DataError, MissingDataError

TABLE_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".parquet", ".pq")


class ColumnLayout:
    """What a fitted table encoding says of its ``columns`` (each with ``name``, ``kind``
    and ``width``, the number of encoded features it becomes); shared by the rooms that
    encode tables (the detector's TableEncoder, the imputer's TableSchema)."""

    columns: list

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def n_features(self) -> int:
        return sum(c.width for c in self.columns)

    @property
    def categorical_names(self) -> list[str]:
        return [c.name for c in self.columns if c.kind == "categorical"]

    def groups(self):
        """For each encoded feature, the index of the input column it came from."""
        import numpy as np

        return np.repeat(np.arange(len(self.columns)), [c.width for c in self.columns])


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
        dialect = sniff_csv(path)
        dtype = {c: str for c in text_columns} or None
        if chunk_size is None:
            yield pd.read_csv(path, **dialect, dtype=dtype)
            return
        with pd.read_csv(path, **dialect, dtype=dtype, chunksize=chunk_size) as reader:
            yield from reader
    except pd.errors.EmptyDataError:
        raise DataError(f"'{path}' is empty") from None
    except DataError:
        raise
    except (ValueError, OSError, pd.errors.ParserError) as exc:  # incl. pyarrow's errors
        raise DataError(f"cannot read '{path}' as a table: {str(exc).splitlines()[0]}") from None


def _parquet_chunks(path: Path, chunk_size: int | None):
    import pyarrow.parquet as pq

    if chunk_size is None:
        yield pq.read_table(path).to_pandas()
        return
    source = pq.ParquetFile(path)
    empty = True
    # one row group at a time: iter_batches over the whole file holds on to what it read
    # (resident memory grew by ~1 GiB per 1.2 GiB read), a row group at a time stays flat
    for group in range(source.metadata.num_row_groups):
        for batch in source.iter_batches(batch_size=chunk_size, row_groups=[group]):
            empty = False
            yield batch.to_pandas()
    if empty:
        yield source.schema_arrow.empty_table().to_pandas()


def is_parquet(path) -> bool:
    return Path(str(path)).name.lower().endswith((".parquet", ".pq"))


class ChunkWriter:
    """Appends DataFrames to a CSV (maybe gzipped) or a Parquet file."""

    def __init__(self, tmp: Path, out: Path):
        self.tmp, self.parquet, self.first = tmp, is_parquet(out), True
        self.gzip = out.name.lower().endswith(".gz")
        self.parquet_writer = None

    def __enter__(self):
        return self

    def write(self, chunk) -> None:
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(chunk, preserve_index=False)
            if self.parquet_writer is None:
                self.parquet_writer = pq.ParquetWriter(self.tmp, table.schema)
            self.parquet_writer.write_table(table)
        else:
            # appending to a .gz adds a gzip member; concatenated members are a valid file
            chunk.to_csv(self.tmp, mode="w" if self.first else "a", header=self.first,
                         index=False, compression="gzip" if self.gzip else None)
        self.first = False

    def __exit__(self, *exc) -> None:
        if self.parquet_writer is not None:
            self.parquet_writer.close()
