"""The .aek container and the decoder under random and mutated files: every one is
refused in one line (InputError) or decodes; never a crash, a hang or a huge allocation."""

import struct
import zlib

import numpy as np
import pytest

from aekit.errors import InputError
from aekit.image import container
from tests.image.codec_helpers import photos, tiny_codec


def _header(**changes):
    fields = dict(model_id="0123456789abcdef", height=30, width=40, channels=3, quality=2,
                  mode="hyperprior")
    fields.update(changes)
    return container.Header(**fields)


def test_pack_unpack_round_trip():
    header = _header()
    data = container.pack(header, [b"abcd", b"", b"xyz"])
    assert container.unpack(data) == (header, [b"abcd", b"", b"xyz"])


def _with_crc(body: bytes) -> bytes:
    return body + struct.pack("<I", zlib.crc32(body))


@pytest.mark.parametrize("data, message", [
    (b"", "not an .aek file"),
    (b"PNG\x00" * 10, "not an .aek file"),
    (container.MAGIC + b"\x00", "truncated"),
    (container.pack(_header(), [b"abcd"])[:-1], "checksum"),
    (_with_crc(container.MAGIC + bytes([9]) + bytes(27)), "format version 9"),
])
def test_bad_files_are_refused_with_a_reason(data, message):
    with pytest.raises(InputError, match=message):
        container.unpack(data)


def test_huge_declared_sizes_are_refused_before_allocating():
    data = container.pack(_header(height=100_000, width=100_000), [b""])
    with pytest.raises(InputError, match="over the codec's limit"):
        container.unpack(data)


def _decode_or_refuse(codec, data: bytes) -> None:
    try:
        pixels = codec.decode(data)
    except InputError as error:
        assert "\n" not in str(error)
    else:
        assert pixels.dtype == np.uint8 and pixels.ndim == 3


def test_fuzz_ten_thousand_random_and_mutated_files():
    codec = tiny_codec("hyperprior")
    rng = np.random.default_rng(0)
    valid = [codec.encode(photos(1, (int(h), int(w)), seed=i)[0], int(q))
             for i, (h, w, q) in enumerate([(20, 30, 1), (64, 64, 4), (33, 17, 2)])]
    for i in range(10_000):
        kind = i % 4
        if kind == 0:  # random bytes, sometimes behind the right signature
            data = rng.bytes(int(rng.integers(0, 200)))
            if i % 8 == 0:
                data = container.MAGIC + data
        else:
            data = bytearray(valid[i % len(valid)])
            if kind == 1:  # flipped bits anywhere
                for at in rng.integers(0, len(data), int(rng.integers(1, 4))):
                    data[at] ^= 1 << int(rng.integers(0, 8))
            elif kind == 2:  # truncated or extended
                cut = int(rng.integers(0, len(data)))
                data = data[:cut] if i % 8 < 4 else data + rng.bytes(int(rng.integers(1, 9)))
            data = bytes(data)
            if kind == 3 or i % 16 == 1:  # tampered payload behind a valid checksum: the
                body = bytearray(data[:-4])  # entropy decoder itself sees garbage
                start = 27 if len(body) > 27 else 0
                for at in rng.integers(start, len(body), int(rng.integers(1, 6))):
                    body[at] = int(rng.integers(0, 256))
                data = _with_crc(bytes(body))
        _decode_or_refuse(codec, data)
