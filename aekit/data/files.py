"""Load a data set from a path or a dataset name into one :class:`LoadedData`.

Formats: ``.npy``, ``.npz``, ``.csv``/``.tsv`` (maybe ``.gz``), ``.parquet``, MNIST's
idx (maybe gzipped), PNG/JPEG images and folders of them. Files are only read, and
never unpickled (``allow_pickle=False``): loading data never runs code from the file.
"""

from __future__ import annotations

import difflib
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aekit.data.idx import read_idx, read_idx_labels
from aekit.data.images import IMAGE_SUFFIXES, load_image, load_image_folder
from aekit.data.validation import check_features
from aekit.errors import DataError, InputError, MissingDataError
from aekit.registry import DATASETS

logger = logging.getLogger(__name__)

SUPPORTED = (".npy, .npz, .csv, .tsv, .parquet, idx (.idx, *-ubyte, .gz), .png, .jpg, "
             ".jpeg, or a folder of images")
_TABLE_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".parquet", ".pq")


@dataclass(repr=False)
class LoadedData:
    """A loaded data set.

    Attributes
    ----------
    X : numpy.ndarray
        ``(N, D)`` float32 for tables; ``(N, C, H, W)`` uint8 or float32 for images.
    y : numpy.ndarray or None
        Labels, when the source has them.
    names : list of str or None
        Row names: the image file names for image files and folders; None otherwise.
    columns : list of str or None
        Feature names of tables (CSV/Parquet headers, dataset feature names).
    kind : {"table", "image"}
    source : str
        What was loaded: the path, or the dataset name (``name:split`` with a split).
    """

    X: np.ndarray
    y: np.ndarray | None
    names: list[str] | None
    columns: list[str] | None
    kind: str
    source: str

    def __repr__(self) -> str:
        y = "None" if self.y is None else f"{self.y.dtype}{self.y.shape}"
        return (f"LoadedData(kind={self.kind!r}, X={self.X.dtype}{self.X.shape}, "
                f"y={y}, source={self.source!r})")


def load_data(source, *, image_size=None, image_mode=None, label_column=None,
              split=None) -> LoadedData:
    """Load a named dataset, a data file or a folder of images.

    Parameters
    ----------
    source : str or os.PathLike
        An existing path, or the name of a built-in dataset (see ``dataset_info``).
        A path that exists wins over a dataset of the same name.
    image_size : int or (int, int), optional
        Resize images from PNG/JPEG files to this ``(height, width)``.
    image_mode : {"L", "RGB"}, optional
        Grayscale or colour for PNG/JPEG files; by default what the files are.
    label_column : str, optional
        Column of a CSV/Parquet table to return as ``y`` instead of a feature.
    split : str, optional
        Part of a named dataset, such as ``"train"`` or ``"test"``.

    Returns
    -------
    LoadedData

    Raises
    ------
    MissingDataError
        The path does not exist and is not a dataset name, or a dataset's optional
        source is not installed.
    DataError
        The file cannot be read, has an unsupported format, or holds non-numeric data.
    """
    path = Path(source).expanduser()
    if not path.exists() and isinstance(source, str) and source in DATASETS:
        _refuse_options(source, image_size=image_size, image_mode=image_mode,
                        label_column=label_column)
        return DATASETS.get(source)(split=split)
    if not path.exists():
        raise MissingDataError(_missing_message(str(source)))
    _refuse_options(path, split=split)
    if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
        _refuse_options(path, label_column=label_column)
        return _load_images(path, image_size, image_mode)
    _refuse_options(path, image_size=image_size, image_mode=image_mode)
    return load_array_file(path, label_column=label_column)


def load_array_file(path, *, label_column=None) -> LoadedData:
    """Load a ``.npy``, ``.npz``, CSV/TSV, Parquet or idx file.

    2-D arrays are float32 tables; 3-D ``(N, H, W)`` become images ``(N, 1, H, W)``;
    4-D are images, moved channels-first when only their last axis has 1, 3 or 4
    entries. ``uint8`` images keep their type, the rest becomes float32.

    Parameters
    ----------
    path : str or os.PathLike
    label_column : str, optional
        For CSV/Parquet: the column to return as labels.

    Returns
    -------
    LoadedData
    """
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"no such file or folder: '{path}'")
    name = path.name.lower()
    if name.endswith(_TABLE_SUFFIXES):
        X, y, columns = _read_table(path, label_column)
        return LoadedData(X, y, None, columns, "table", str(path))
    _refuse_options(path, label_column=label_column)
    if name.endswith((".npy", ".npz")):
        return _from_array(*_read_numpy(path), path)
    if _looks_like_idx(name):
        return _from_array(read_idx(path), read_idx_labels(path), path)
    raise DataError(f"unsupported file format for '{path}'; aekit reads {SUPPORTED}")


def _read_table(path: Path, label_column) -> tuple[np.ndarray, np.ndarray | None, list]:
    """Features as float32, labels as they are and column names of a CSV/Parquet."""
    frame = _read_frame(path)
    if label_column is not None and label_column not in frame.columns:
        raise DataError(f"label column {label_column!r} is not in '{path}'; its "
                        f"columns are {', '.join(map(str, frame.columns))}")
    y = None if label_column is None else frame.pop(label_column).to_numpy()
    if len(frame):  # a table with no rows has no column types; check_features says so
        _check_numeric(frame, path, label_column)
    _check_cells(frame, path)
    try:
        X = check_features(frame, name=f"'{path}'")
    except InputError as exc:
        raise DataError(str(exc)) from None
    return X, y, [str(c) for c in frame.columns]


def _read_frame(path: Path):
    import pandas as pd  # pandas is slow to import and only needed for tables

    name = path.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            return pd.read_parquet(path, engine="pyarrow")
        dialect = sniff_csv(path)
        frame = pd.read_csv(path, **dialect)
        frame.attrs["first_line"] = 2  # the line of data row 0 (for messages), after the header
        if pd.to_numeric(pd.Series(frame.columns), errors="coerce").notna().all():
            # a header of numbers is the first row of a file that has no header
            frame = pd.read_csv(path, **dialect, header=None)
            frame.columns = [str(c) for c in frame.columns]
            frame.attrs["first_line"] = 1
        return frame
    except pd.errors.EmptyDataError:
        raise DataError(f"'{path}' is empty") from None
    except DataError:
        raise
    except (ValueError, OSError, pd.errors.ParserError) as exc:  # incl. pyarrow's
        raise DataError(f"cannot read '{path}' as a table: {exc}") from None


# Separators a CSV may use, in the order they are tried; the first one found the same
# number of times on every sampled line wins, and a file where none is (one column, or
# separators inside quotes) is read with the suffix's own (tab for .tsv, else comma).
CSV_SEPARATORS = (",", "\t", ";", "|")
SNIFF_BYTES = 64 * 1024
# What a file that is not text most likely is, by its first bytes
_MAGIC = {b"PAR1": "a Parquet file (name it .parquet)", b"\x93NUMPY": "a NumPy array (name it .npy)",
          b"PK\x03\x04": "a zip archive (an Excel .xlsx or a .npz?)", b"\x1f\x8b": "gzip-compressed "
          "(name it .csv.gz)", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image"}


def sniff_csv(path) -> dict:
    """``sep`` (and ``decimal``) to read the CSV/TSV at ``path`` with, from its first lines.

    A file that is not text (NUL bytes, or a known binary signature) fails with a message
    saying so. A ``;``-separated file with decimal commas (``1,5;2,25``) gets
    ``decimal=","``, as written by spreadsheets in many locales.
    """
    import gzip

    path = Path(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except (OSError, EOFError) as exc:  # e.g. a .csv.gz that is not gzip
        raise DataError(f"cannot read '{path}' as a table: {exc}") from None
    what = next((name for magic, name in _MAGIC.items() if head.startswith(magic)), None)
    control = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 13))
    if what is None and (b"\x00" in head or control > 0.05 * len(head)):
        what = "it holds control bytes that text does not"
    if what is not None:
        raise DataError(f"'{path}' is a binary file ({what}), not a CSV text table")
    lines = head.decode("utf-8", errors="replace").splitlines()
    lines = [line for line in lines[:-1 if len(head) == SNIFF_BYTES else None][:50] if line.strip()]
    default = "\t" if ".tsv" in path.name.lower() else ","
    sep = next((c for c in CSV_SEPARATORS
                if lines and len({line.count(c) for line in lines}) == 1 and lines[0].count(c)),
               default)
    if sep != default:
        logger.info("%s: read as a %r-separated table", path, sep)
    dialect = {"sep": sep}
    if sep == ";":
        cells = [cell.strip() for line in lines[1:] for cell in line.split(";")]
        if any(re.fullmatch(r"-?\d+,\d+", c) for c in cells) and \
                not any(re.fullmatch(r"-?\d+\.\d+", c) for c in cells):
            dialect["decimal"] = ","
    return dialect


def _check_numeric(frame, path: Path, label_column) -> None:
    from pandas.api.types import is_numeric_dtype  # True for bool columns too

    bad = [c for c in frame.columns if not is_numeric_dtype(frame[c])]
    if not bad:
        return
    values = frame[bad[0]].dropna()
    example = f" (e.g. {values.iloc[0]!r})" if len(values) else ""
    one, first = len(bad) == 1, str(bad[0])
    fix = "drop it" if one else "drop them"
    if label_column is None:
        it = "it" if one else repr(first)
        fix += (f", or use {it} as labels: label_column={first!r} "
                f"(--label-column {first})")
    listed = ", ".join(repr(str(c)) for c in bad)
    raise DataError(f"column{'' if one else 's'} {listed} in '{path}' "
                    f"{'is' if one else 'are'} not numeric{example}; {fix}")


def _check_cells(frame, path: Path) -> None:
    """Name the column and row of the first empty or NaN cell."""
    missing = frame.isna().to_numpy()
    if not missing.any():
        return
    row, col = np.argwhere(missing)[0]
    first_line = frame.attrs.get("first_line")  # CSV: lines counted as in an editor
    line = f", line {first_line + row} of the file" if first_line is not None else ""
    raise DataError(
        f"'{path}' has {int(missing.sum())} empty or NaN cell(s), the first in "
        f"column {str(frame.columns[col])!r} at data row {row} (counting from 0{line}); "
        "fill or drop them"
    )


def _refuse_options(source, **options) -> None:
    """Fail on options that would be silently ignored for this kind of source."""
    for option, value in options.items():
        if value is not None:
            raise DataError(f"{option} does not apply to '{source}'")


def _missing_message(source: str) -> str:
    message = f"no such file or folder: '{source}'"
    if not any(c in source for c in "/\\."):  # a bare word: maybe a dataset name
        close = difflib.get_close_matches(source, DATASETS.names(), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        names = ", ".join(DATASETS.names())
        message += f", nor a dataset name; {hint}datasets: {names}"
    return message


def _load_images(path: Path, size, mode) -> LoadedData:
    if path.is_dir():
        images = load_image_folder(path, size=size, mode=mode)
        return LoadedData(images.X, images.labels, images.names, None, "image",
                          str(path))
    X = load_image(path, size=size, mode=mode)[None]
    return LoadedData(X, None, [path.name], None, "image", str(path))


def _read_numpy(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Features and labels of a .npy or .npz file (told apart by content, not name)."""
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.ndarray):
            return loaded, None
        with loaded:
            arrays = {key: loaded[key] for key in loaded.files}
    except ValueError as exc:  # numpy's words for pickles and object arrays
        if "allow_pickle" not in str(exc):
            raise DataError(f"'{path}' is not a valid NumPy file ({exc})") from None
        raise DataError(
            f"'{path}' holds pickled Python objects or is not a NumPy file; aekit "
            "never unpickles files (that could run code): save a numeric array instead"
        ) from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise DataError(f"cannot read '{path}' as a NumPy file ({exc})") from None
    features = [key for key in arrays if key != "y"]
    key = "X" if "X" in arrays else (features[0] if len(features) == 1 else None)
    if key is None:
        raise DataError(f"'{path}' holds arrays {', '.join(arrays) or '(none)'}; save "
                        "the features under the key 'X' (and labels under 'y')")
    return arrays[key], arrays.get("y")


def _looks_like_idx(name: str) -> bool:
    # any other .gz is tried as idx too: read_idx checks the content and says if not
    return name.endswith((".gz", "ubyte", ".idx")) or bool(re.search(r"\.idx\d$", name))


def _from_array(X: np.ndarray, y, path: Path) -> LoadedData:
    """Shape an array read from ``path`` into a table or a batch of images."""
    if X.ndim == 3:
        X = X[:, None]  # (N, H, W) -> (N, 1, H, W)
    elif X.ndim == 4 and X.shape[1] not in (1, 3, 4) and X.shape[-1] in (1, 3, 4):
        logger.info("%s looks channels-last %s; moving channels first", path, X.shape)
        X = X.transpose(0, 3, 1, 2)
    if X.ndim not in (2, 4):
        raise DataError(
            f"'{path}' holds an array of shape {X.shape}; aekit reads 2-D tables "
            "(n_samples, n_features) and images (N, H, W) or (N, C, H, W)"
        )
    kind = "table" if X.ndim == 2 else "image"
    if not (kind == "image" and X.dtype == np.uint8):
        try:
            X = check_features(X, name=f"'{path}'", dtype=np.float32)
        except InputError as exc:
            raise DataError(str(exc)) from None
    return LoadedData(np.ascontiguousarray(X), _check_labels(y, len(X), path),
                      None, None, kind, str(path))


def _check_labels(y, n_samples: int, path: Path) -> np.ndarray | None:
    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n_samples:
        raise DataError(
            f"labels of '{path}' have shape {y.shape}; expected ({n_samples},), one "
            "per sample"
        )
    return y
