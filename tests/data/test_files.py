"""load_data on files and folders: every format, and every documented error."""

import gzip
import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from aekit.data import load_data, load_image, read_idx, write_idx
from aekit.errors import ConfigError, DataError, MissingDataError

REPO = Path(__file__).resolve().parents[2]


def _png(path, size=(4, 6), mode="L", value=100):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, (size[1], size[0]), value).save(path)  # Pillow sizes are (W, H)
    return path


# --- tables and arrays --------------------------------------------------------------

def test_csv_with_label_column(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b,city\n1,2,Paris\n3,4.5,Rome\n")
    data = load_data(path, label_column="city")
    assert (data.kind, data.columns, data.X.dtype) == ("table", ["a", "b"], np.float32)
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4.5]])
    assert list(data.y) == ["Paris", "Rome"] and data.source == str(path)


@pytest.mark.parametrize("name", ["data.tsv", "data.csv.gz", "data.parquet"])
def test_tsv_gzip_csv_and_parquet(tmp_path, name):
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": [3, 4], "flag": [True, False]})
    path = tmp_path / name
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        frame.to_csv(path, sep="\t" if ".tsv" in name else ",", index=False)
    data = load_data(str(path))
    assert data.columns == ["x", "y", "flag"] and data.X.shape == (2, 3)


def test_csv_without_header(tmp_path):
    (tmp_path / "raw.csv").write_text("1,2\n3,4\n5,6\n")
    assert load_data(tmp_path / "raw.csv").X.shape == (3, 2)


@pytest.mark.parametrize("text, sep, decimal", [
    ("a;b;c\n1,5;2;-3,25\n4;5,5;6\n", ";", ","),  # a spreadsheet's CSV, decimal commas
    ("a;b\n1.5;2\n3;4\n", ";", "."),
    ("a|b\n1|2\n3|4\n", "|", "."),
    ("a\tb\n1\t2\n3\t4\n", "\t", "."),
])
def test_the_separator_of_a_csv_is_sniffed(tmp_path, text, sep, decimal):
    from aekit.data.files import sniff_csv

    (tmp_path / "data.csv").write_text(text)
    assert sniff_csv(tmp_path / "data.csv") == ({"sep": sep, "decimal": ","} if decimal == ","
                                               else {"sep": sep})
    assert load_data(tmp_path / "data.csv").X.shape == (2, text.splitlines()[0].count(sep) + 1)


def test_a_comma_csv_with_quoted_separators_stays_comma(tmp_path):
    (tmp_path / "data.csv").write_text('a,b\n1,"x; y"\n2,"z; w; v"\n')
    from aekit.data.files import sniff_csv

    assert sniff_csv(tmp_path / "data.csv") == {"sep": ","}


@pytest.mark.parametrize("content, what", [
    (b"\x93NUMPY\x01\x00v\x00{'descr': '<f8'}", "a NumPy array (name it .npy)"),
    (b"PAR1\x15\x04\x15", "a Parquet file (name it .parquet)"),
    (b"\x1f\x8b\x08\x00", "gzip-compressed (name it .csv.gz)"),
    (b"a,b\n1,\x00\x00\x01\n", "it holds control bytes that text does not"),
])
def test_a_binary_file_given_as_csv_is_named(tmp_path, content, what):
    (tmp_path / "data.csv").write_bytes(content)
    with pytest.raises(DataError) as info:
        load_data(tmp_path / "data.csv")
    assert str(info.value) == f"'{tmp_path / 'data.csv'}' is a binary file ({what}), not a CSV text table"


def test_an_empty_cell_is_named_by_its_line(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n1,2\n3,4\n5,\n")
    with pytest.raises(DataError, match=r"column 'b' at data row 2 \(counting from 0, line 4 "
                                         r"of the file\); fill or drop them"):
        load_data(tmp_path / "data.csv")
    (tmp_path / "raw.csv").write_text("1,2\n3,\n")  # no header: data row 1 is line 2
    with pytest.raises(DataError, match=r"data row 1 \(counting from 0, line 2 of the file\)"):
        load_data(tmp_path / "raw.csv")


@pytest.mark.parametrize(
    "text, kwargs, pattern",
    [
        ("a,city\n1,Paris\n", {},
         (r"column 'city' in '.*data\.csv' is not numeric \(e\.g\. 'Paris'\); drop it, "
          r"or .*label_column='city'")),
        ("a,b,c\nx,y,1\n", {}, r"columns 'a', 'b' in .* are not numeric"),
        ("a,b\n1,2\n3,\n", {}, r"1 empty or NaN cell.*column 'b' at data row 1"),
        ("a,b\n1,2\n", {"label_column": "c"}, "label column 'c' is not in .*are a, b"),
        ("a,b\n1,inf\n", {}, r"data\.csv' contains inf"),
        ("", {}, r"data\.csv' is empty"),
        ("a,b\n", {}, r"0 sample\(s\)"),
    ],
)
def test_bad_csv(tmp_path, text, kwargs, pattern):
    (tmp_path / "data.csv").write_text(text)
    with pytest.raises(DataError, match=pattern):
        load_data(tmp_path / "data.csv", **kwargs)


def test_npy_table_and_images(tmp_path):
    np.save(tmp_path / "t.npy", np.arange(6).reshape(3, 2))
    table = load_data(tmp_path / "t.npy")
    assert (table.kind, table.X.dtype, table.y) == ("table", np.float32, None)
    np.save(tmp_path / "i.npy", np.zeros((5, 8, 8), dtype=np.uint8))
    images = load_data(tmp_path / "i.npy")
    assert images.kind == "image" and images.X.shape == (5, 1, 8, 8)
    assert images.X.dtype == np.uint8


def test_channels_last_images_are_moved_first(tmp_path):
    np.save(tmp_path / "rgb.npy", np.zeros((2, 16, 16, 3), dtype=np.float64))
    data = load_data(tmp_path / "rgb.npy")
    assert data.X.shape == (2, 3, 16, 16) and data.X.dtype == np.float32


def test_npz_with_labels(tmp_path):
    np.savez(tmp_path / "a.npz", X=np.ones((4, 3)), y=np.arange(4), extra=np.zeros(2))
    data = load_data(tmp_path / "a.npz")
    assert data.X.shape == (4, 3) and list(data.y) == [0, 1, 2, 3]
    np.savez(tmp_path / "b.npz", features=np.ones((4, 3)))  # the only array
    assert load_data(tmp_path / "b.npz").X.shape == (4, 3)


@pytest.mark.parametrize(
    "arrays, pattern",
    [
        ({"a": np.ones((2, 2)), "b": np.ones((2, 2))}, r"holds arrays a, b; .*key 'X'"),
        ({"X": np.ones((3, 2)), "y": np.ones(2)},
         r"labels of .* have shape \(2,\); expected \(3,\)"),
        ({"X": np.ones(5)}, r"array of shape \(5,\)"),
        ({"X": np.ones((1, 2, 3, 4, 5))}, r"array of shape \(1, 2, 3, 4, 5\)"),
        ({"X": np.array([[1.0, np.nan]])}, r"a\.npz' contains NaN in 1 value"),
    ],
)
def test_bad_npz(tmp_path, arrays, pattern):
    np.savez(tmp_path / "a.npz", **arrays)
    with pytest.raises(DataError, match=pattern):
        load_data(tmp_path / "a.npz")


class _Touch:
    """Unpickling this creates a file: proof that a loader ran code from the data."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_pickles_are_never_unpickled(tmp_path):
    marker = tmp_path / "was_unpickled"
    np.save(tmp_path / "obj.npy", np.array([_Touch(marker)], dtype=object),
            allow_pickle=True)
    (tmp_path / "raw.npy").write_bytes(pickle.dumps(_Touch(marker)))
    np.savez(tmp_path / "obj.npz", X=np.array([_Touch(marker)], dtype=object))
    for name in ("obj.npy", "raw.npy", "obj.npz"):
        with pytest.raises(DataError, match=f"{name}' holds pickled .* never unpickle"):
            load_data(tmp_path / name)
    assert not marker.exists()


# --- idx ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_idx_round_trip(tmp_path, dtype, name):
    array = (np.arange(24) - 5).reshape(2, 3, 4).astype(dtype)
    write_idx(tmp_path / name, array)
    out = read_idx(tmp_path / name)
    assert out.dtype == array.dtype and out.dtype.isnative and out.flags.writeable
    np.testing.assert_array_equal(out, array)


def test_gzip_is_detected_by_content_not_name(tmp_path):
    write_idx(tmp_path / "x.gz", np.ones((2, 3), np.uint8))
    os.rename(tmp_path / "x.gz", tmp_path / "x.idx")
    np.testing.assert_array_equal(read_idx(tmp_path / "x.idx"), np.ones((2, 3)))


def test_mnist_style_files_bring_their_labels(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 5, 5), np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([7, 8, 9], np.uint8))
    data = load_data(tmp_path / "t10k-images-idx3-ubyte.gz")
    assert data.kind == "image" and data.X.shape == (3, 1, 5, 5)
    assert list(data.y) == [7, 8, 9]


@pytest.mark.parametrize(
    "payload, pattern",
    [
        (b"\x01\x02\x08\x01\x00\x00\x00\x01\x05", "not an idx file: it starts with 01"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", r"unknown idx type code 0x07"),
        (b"\x00\x00\x08\x02\x00\x00\x00\x02", r"truncated: its header declares 2 dim"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x03\x05",
         r"truncated: .* 3 uint8 values \(3 bytes\) but only 1"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x01\x05\x06", r"1 unexpected bytes after"),
        (b"\x00\x00\x08\x00", r"0 dimensions"),
        (gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x05")[:-6],
         "damaged or truncated gzip"),
    ],
)
def test_bad_idx(tmp_path, payload, pattern):
    path = tmp_path / "bad-ubyte"
    path.write_bytes(payload)
    with pytest.raises(DataError, match=f"'.*bad-ubyte' .*{pattern}"):
        load_data(path)


def test_shared_mnist_t10k():
    root = Path(os.environ.get("AEKIT_SHARED_DATA", REPO.parent / "shared" / "data"))
    path = root / "mnist" / "t10k-images-idx3-ubyte.gz"
    if not path.exists():
        pytest.skip(f"shared MNIST not found at {path} (set AEKIT_SHARED_DATA)")
    data = load_data(path)
    assert data.X.shape == (10000, 1, 28, 28) and data.X.dtype == np.uint8
    assert data.y.shape == (10000,) and set(np.unique(data.y)) == set(range(10))


# --- images ---------------------------------------------------------------------------

def test_image_folder_sorted_recursive_with_labels(tmp_path):
    for name in ("cat/b.png", "cat/a.PNG", "dog/x.jpg", "dog/deep/y.jpeg"):
        _png(tmp_path / name)
    _png(tmp_path / "dog" / ".hidden.png")
    (tmp_path / "notes.txt").write_text("not an image")
    data = load_data(tmp_path)
    assert data.names == ["cat/a.PNG", "cat/b.png", "dog/deep/y.jpeg", "dog/x.jpg"]
    assert list(data.y) == ["cat", "cat", "dog", "dog"]
    assert (data.kind, data.X.shape, data.X.dtype) == ("image", (4, 1, 4, 6), np.uint8)


def test_mixed_gray_and_colour_become_rgb_unless_asked(tmp_path):
    _png(tmp_path / "a.png", mode="L", value=50)
    _png(tmp_path / "b.png", mode="RGB", value=(10, 20, 30))
    data = load_data(tmp_path)
    assert data.X.shape == (2, 3, 4, 6) and data.y is None
    assert (data.X[0] == 50).all() and list(data.X[1, :, 0, 0]) == [10, 20, 30]
    assert load_data(tmp_path, image_mode="L").X.shape == (2, 1, 4, 6)


def test_other_pixel_formats_are_read_as_8_bit(tmp_path):
    Image.fromarray(np.full((4, 6), 65535, np.uint16)).save(tmp_path / "a16.png")
    _png(tmp_path / "b.png", mode="RGBA", value=(1, 2, 3, 0))
    _png(tmp_path / "c.png", mode="P", value=3)
    X = load_data(tmp_path).X
    assert X.shape == (3, 3, 4, 6) and X[0].min() == 255
    assert list(X[1, :, 0, 0]) == [1, 2, 3]


def test_resize_and_single_image(tmp_path):
    _png(tmp_path / "a.png", size=(28, 28))
    _png(tmp_path / "b.png", size=(32, 30))
    assert load_data(tmp_path, image_size=16).X.shape == (2, 1, 16, 16)
    assert load_data(tmp_path, image_size=(8, 10)).X.shape == (2, 1, 8, 10)
    single = load_data(tmp_path / "b.png", image_mode="RGB")
    assert single.X.shape == (1, 3, 32, 30) and single.names == ["b.png"]
    assert load_image(tmp_path / "a.png").shape == (1, 28, 28)


def test_image_errors(tmp_path):
    _png(tmp_path / "a.png", size=(28, 28))
    _png(tmp_path / "b.png", size=(32, 30))
    with pytest.raises(DataError, match=r"different sizes \(28x28 in a\.png, 32x30 in "
                                        r"b\.png; height x width\); pass a size"):
        load_data(tmp_path)
    (tmp_path / "c.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(DataError, match=r"cannot read image '.*c\.png'"):
        load_data(tmp_path, image_size=8)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"folder '.*empty' holds no PNG or JPEG"):
        load_data(tmp_path / "empty")
    with pytest.raises(DataError, match=r"both directly in it \(a\.png\) and in sub"):
        _png(tmp_path / "sub" / "d.png")
        load_data(tmp_path, image_size=8)


@pytest.mark.parametrize("kwargs", [{"image_size": 0}, {"image_size": (2, 3, 4)},
                                    {"image_size": 2.5}, {"image_mode": "CMYK"}])
def test_bad_image_options(tmp_path, kwargs):
    with pytest.raises(ConfigError, match="image (size|mode) must be"):
        load_data(_png(tmp_path / "a.png"), **kwargs)


# --- dispatch and paths ---------------------------------------------------------------

def test_missing_paths(tmp_path):
    with pytest.raises(MissingDataError, match=r"^no such file or folder: '.*x\.npy'$"):
        load_data(tmp_path / "x.npy")
    with pytest.raises(MissingDataError, match=r"nor a dataset name; did you mean "
                                               r"'fashion-mnist'\? datasets: .*digits"):
        load_data("fashion_mnist")
    with pytest.raises(FileNotFoundError):
        load_data("no/such/dir")


def test_unsupported_format_and_options(tmp_path):
    (tmp_path / "a.txt").write_text("1 2 3")
    with pytest.raises(DataError, match=r"unsupported file format for '.*a\.txt'"):
        load_data(tmp_path / "a.txt")
    np.save(tmp_path / "a.npy", np.ones((2, 2)))
    for kwargs in ({"split": "train"}, {"image_size": 8}, {"label_column": "c"}):
        with pytest.raises(DataError, match=f"{next(iter(kwargs))} does not apply to"):
            load_data(tmp_path / "a.npy", **kwargs)


def test_existing_path_wins_over_dataset_name(tmp_path, monkeypatch):
    _png(tmp_path / "digits" / "a.png")
    monkeypatch.chdir(tmp_path)
    assert load_data("digits").names == ["a.png"]


def test_failed_loads_leave_files_unchanged(tmp_path):
    (tmp_path / "data.csv").write_text("a,city\n1,Paris\n")
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03\x00")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    _png(tmp_path / "img" / "a.png", size=(5, 5))
    _png(tmp_path / "img" / "b.png", size=(6, 5))
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    for source in ("data.csv", "t10k-images-idx3-ubyte", "obj.npy", "img"):
        with pytest.raises(DataError):
            load_data(tmp_path / source)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == sorted(files)
