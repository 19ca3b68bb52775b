"""Photo files are written back as they were read: size, mode, bit depth, alpha."""

import numpy as np
import pytest
from PIL import Image

from aekit.errors import DataError
from aekit.image.files import read_photo, write_photo


def roundtrip(tmp_path, image: Image.Image, name="in.png", out="out.png", **save):
    image.save(tmp_path / name, **save)
    photo = read_photo(tmp_path / name)
    write_photo(tmp_path / out, photo, photo.pixels)
    return photo, Image.open(tmp_path / out)


def test_16_bit_grayscale_stays_16_bit(tmp_path):
    wide = np.random.default_rng(0).integers(0, 65536, (20, 30)).astype(np.uint16)
    photo, back = roundtrip(tmp_path, Image.fromarray(wide))
    assert photo.bits == 16 and photo.pixels.max() <= 255.0
    assert back.mode == "I;16" and np.array_equal(np.asarray(back), wide)


def test_alpha_is_kept_untouched(tmp_path):
    rgba = np.random.default_rng(0).integers(0, 256, (20, 30, 4)).astype(np.uint8)
    photo, back = roundtrip(tmp_path, Image.fromarray(rgba))
    assert photo.pixels.shape == (20, 30, 3)
    assert back.mode == "RGBA" and np.array_equal(np.asarray(back), rgba)


def test_palette_and_cmyk_are_converted_and_said(tmp_path):
    rgb = Image.fromarray(np.random.default_rng(0).integers(0, 256, (20, 30, 3)).astype(np.uint8))
    photo, back = roundtrip(tmp_path, rgb.convert("P"))
    assert back.mode == "RGB" and "palette" in photo.notes[0]
    photo, back = roundtrip(tmp_path, rgb.convert("CMYK"), name="in.jpg", out="out.jpg")
    assert back.mode == "RGB" and "CMYK" in photo.notes[0]


def test_exif_orientation_is_applied(tmp_path):
    tall = Image.fromarray(np.zeros((30, 20), dtype=np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to show
    tall.save(tmp_path / "o.jpg", exif=exif)
    assert read_photo(tmp_path / "o.jpg").pixels.shape == (20, 30)


def test_not_an_image_and_impossible_outputs(tmp_path):
    (tmp_path / "x.png").write_bytes(b"not a png at all")
    with pytest.raises(DataError, match="cannot read image"):
        read_photo(tmp_path / "x.png")
    rgba = Image.fromarray(np.zeros((8, 8, 4), dtype=np.uint8))
    rgba.save(tmp_path / "a.png")
    photo = read_photo(tmp_path / "a.png")
    with pytest.raises(DataError, match="JPEG holds neither"):
        write_photo(tmp_path / "a.jpg", photo, photo.pixels)
    assert not (tmp_path / "a.jpg").exists()


def test_16_bit_colour_is_read_at_8_bits_and_said(tmp_path):
    import struct
    import zlib

    wide = np.random.default_rng(0).integers(0, 65536, (6, 5, 3)).astype(">u2")
    rows = b"".join(b"\x00" + row.tobytes() for row in wide)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 5, 6, 16, 2, 0, 0, 0)  # 16 bits, truecolour
    (tmp_path / "c16.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                                       + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    photo = read_photo(tmp_path / "c16.png")
    assert photo.pixels.shape == (6, 5, 3) and "16-bit colour read at 8 bits" in photo.notes[0]
