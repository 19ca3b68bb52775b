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


def test_exif_orientation_is_applied_and_the_rest_of_exif_kept(tmp_path):
    tall = np.zeros((30, 20), dtype=np.uint8)
    tall[:5] = 255  # a white band at the top of the stored pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90 degrees clockwise: the band on the right
    exif[0x010F] = "aekit test camera"
    Image.fromarray(tall).save(tmp_path / "o.png", exif=exif)
    photo = read_photo(tmp_path / "o.png")
    assert photo.pixels.shape == (20, 30) and photo.pixels[:, -5:].min() == 255
    write_photo(tmp_path / "out.png", photo, photo.pixels)
    written = Image.open(tmp_path / "out.png").getexif()
    assert written.get(0x010F) == "aekit test camera" and 0x0112 not in written


def test_not_an_image_and_impossible_outputs(tmp_path):
    (tmp_path / "x.png").write_bytes(b"not a png at all")
    with pytest.raises(DataError, match="cannot read image"):
        read_photo(tmp_path / "x.png")
    rgba = Image.fromarray(np.zeros((8, 8, 4), dtype=np.uint8))
    rgba.save(tmp_path / "a.png")
    photo = read_photo(tmp_path / "a.png")
    with pytest.raises(DataError, match="JPG does not hold an alpha channel"):
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
    assert photo.pixels.shape == (6, 5, 3) and "read at 8 bits" in photo.notes[0]


def test_a_format_that_cannot_hold_the_photo_is_refused(tmp_path):
    wide = Image.fromarray(np.zeros((8, 8), dtype=np.uint16))
    wide.save(tmp_path / "w.png")
    photo = read_photo(tmp_path / "w.png")
    for suffix in (".bmp", ".webp", ".jpg"):
        with pytest.raises(DataError, match="does not hold 16-bit pixels"):
            write_photo(tmp_path / f"out{suffix}", photo, photo.pixels)
