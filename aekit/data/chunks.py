"""Tables too large for memory, read a chunk at a time.

- :class:`NpyChunks`: a ``.npy`` file read in blocks of rows straight from the file (an
  offset and a length per block; nothing maps the whole file, so it works under an
  address-space limit too).
- :class:`ParquetChunks`: a Parquet file, one row group at a time, each in record
  batches of bounded size.

Both give ``sizes`` (rows per chunk), ``row_shape``, ``columns`` and ``read(i)`` (the
chunk's rows in pieces), which is what :class:`aekit.train.ChunkedSource` streams, and
:func:`chunk_stats` makes one pass for the scaling statistics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from aekit.errors import DataError, MissingDataError

BLOCK_BYTES = 32 << 20  # rows per .npy block: about 32 MiB
PIECE_ROWS = 65_536  # rows per Parquet record batch


class NpyChunks:
    """Blocks of rows of a ``.npy`` file (C order, numeric, any row shape)."""

    def __init__(self, path, block_bytes: int = BLOCK_BYTES):
        self.path = Path(path)
        if not self.path.is_file():
            raise MissingDataError(f"no file at {self.path}")
        try:
            with open(self.path, "rb") as f:
                version = np.lib.format.read_magic(f)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(f)
                self.offset = f.tell()
        except (ValueError, OSError) as exc:
            raise DataError(f"{self.path} is not a readable .npy file ({exc})") from None
        if fortran or dtype.hasobject or not np.issubdtype(dtype, np.number) or len(shape) < 2:
            raise DataError(f"{self.path}: streaming needs a numeric C-order array of shape "
                            f"(N, ...); it holds {dtype} {shape}{' in Fortran order' if fortran else ''}")
        self.dtype, self.n_rows, self.row_shape = dtype, shape[0], tuple(shape[1:])
        self.row_values = math.prod(self.row_shape)
        rows = max(1, block_bytes // max(1, self.row_values * dtype.itemsize))
        self.sizes = [min(rows, self.n_rows - s) for s in range(0, self.n_rows, rows)]
        self.starts = list(range(0, self.n_rows, rows))
        self.columns = None

    def read(self, i: int) -> Iterator[np.ndarray]:
        with open(self.path, "rb") as f:
            f.seek(self.offset + self.starts[i] * self.row_values * self.dtype.itemsize)
            block = np.fromfile(f, dtype=self.dtype, count=self.sizes[i] * self.row_values)
        yield block.reshape(self.sizes[i], *self.row_shape)


class ParquetChunks:
    """Row groups of a Parquet file, numeric columns only (``columns`` picks some)."""

    def __init__(self, path, columns: list[str] | None = None, piece_rows: int = PIECE_ROWS):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path, self.piece_rows = Path(path), piece_rows
        if not self.path.is_file():
            raise MissingDataError(f"no file at {self.path}")
        try:
            self.file = pq.ParquetFile(self.path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"{self.path} is not a readable Parquet file ({exc})") from None
        schema = self.file.schema_arrow
        names = list(columns) if columns is not None else schema.names
        unknown = [c for c in names if c not in schema.names]
        if unknown:
            raise DataError(f"{self.path} has no column(s) {', '.join(map(repr, unknown))}")
        text = [c for c in names if not (pa.types.is_integer(schema.field(c).type)
                                         or pa.types.is_floating(schema.field(c).type)
                                         or pa.types.is_boolean(schema.field(c).type))]
        if text:
            raise DataError(f"{self.path}: column(s) {', '.join(map(repr, text[:5]))} are not numeric; "
                            "streaming trains on numeric columns (pick others with columns=...)")
        self.columns = names
        meta = self.file.metadata
        self.sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        self.n_rows, self.row_shape = sum(self.sizes), (len(names),)

    def read(self, i: int) -> Iterator[np.ndarray]:
        for batch in self.file.iter_batches(batch_size=self.piece_rows, row_groups=[i],
                                            columns=self.columns):
            # integer columns stay integers (scaling="auto" maps them to [0, 1], as for arrays)
            yield np.column_stack([batch.column(j).to_numpy(zero_copy_only=False)
                                   for j in range(batch.num_columns)])


def open_chunks(path, columns: list[str] | None = None):
    """The chunk reader for a ``.npy`` or ``.parquet`` file."""
    suffix = Path(path).suffix.lower()
    if suffix == ".npy":
        return NpyChunks(path)
    if suffix in (".parquet", ".pq"):
        return ParquetChunks(path, columns)
    raise DataError(f"{path}: only .npy and .parquet files can be streamed")


@dataclass
class ChunkStats:
    """Per-value statistics of all rows, from one streaming pass (float64 sums)."""

    n: int
    minimum: np.ndarray
    maximum: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    integer: bool  # stored as integers (pixels, counts), as numpy dtypes say


def chunk_stats(reader) -> ChunkStats:
    """One pass over every chunk: min, max, mean and standard deviation of each value."""
    n, total, squares, low, high, whole = 0, 0.0, 0.0, np.inf, -np.inf, True
    for i in range(len(reader.sizes)):
        for piece in reader.read(i):
            flat = piece.reshape(len(piece), -1).astype(np.float64)
            if not np.isfinite(flat).all():
                raise DataError(f"{reader.path}: chunk {i} holds NaN or infinite values")
            n += len(flat)
            total = total + flat.sum(0)
            squares = squares + (flat ** 2).sum(0)
            low, high = np.minimum(low, flat.min(0)), np.maximum(high, flat.max(0))
            whole = whole and np.issubdtype(piece.dtype, np.integer)
    if n == 0:
        raise DataError(f"{reader.path} holds no rows")
    mean = total / n
    std = np.sqrt(np.maximum(squares / n - mean ** 2, 0.0))
    return ChunkStats(n, low, high, mean, std, whole)
