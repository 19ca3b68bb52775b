"""The learned image codec: CompressAI's contract, exact integer coding, .aek bytes."""

import numpy as np
import pytest
import torch

import aekit
from aekit.errors import InputError
from aekit.image import integer_net
from aekit.image.codec_layers import GaussianConditional, integer_table
from aekit.image.codec_net import CodecNet, CodingError
from tests.image.codec_helpers import photos, tiny_codec


@pytest.mark.parametrize("mode", ["factorized", "hyperprior"])
def test_forward_gives_reconstruction_and_likelihoods(mode):
    net = CodecNet(mode, 8, 12, levels=3)
    out = net(torch.rand(2, 3, 64, 64), torch.tensor([0, 2]))
    assert out.x_hat.shape == (2, 3, 64, 64)
    assert out.likelihoods_y.shape == (2, 12, 4, 4)
    assert ((out.likelihoods_y > 0) & (out.likelihoods_y <= 1)).all()
    assert out.likelihoods_z.numel() == (2 * 8 if mode == "hyperprior" else 0)


def test_coding_before_update_is_refused():
    net = CodecNet("hyperprior", 8, 8).eval()
    with pytest.raises(CodingError, match="call update"):
        net.compress(torch.rand(1, 3, 64, 64), 0)


@pytest.mark.parametrize("mode", ["factorized", "hyperprior"])
def test_decompress_gives_what_the_eval_forward_gives(mode):
    codec = tiny_codec(mode)
    x = torch.from_numpy(photos(1, (64, 128), seed=5)[0].transpose(2, 0, 1) / 255.0).float()[None]
    coded = codec.compress(x, quality=2)
    assert all(isinstance(s, bytes) for s in coded["strings"])
    decoded = codec.decompress(coded["strings"], coded["shape"], quality=2)
    expected = codec.forward(x, quality=2).x_hat  # eval mode: rounded latents
    # the same latents; only the float synthesis may round differently
    assert torch.allclose(decoded, expected, atol=1e-4)


def test_integer_tables_sum_to_the_precision_and_keep_every_symbol():
    counts = integer_table(np.array([0.5, 0.25, 0.25, 0.0, 1e-12]))
    assert counts.sum() == 2 ** 16 and counts.min() >= 1
    gc = GaussianConditional()
    gc.update()
    lengths = gc.cdf_lengths.tolist()
    assert lengths == sorted(lengths) and lengths[0] >= 3  # wider tables for wider scales
    assert all(int(gc.cdf_counts[i, :n].sum()) == 2 ** 16 for i, n in enumerate(lengths))


def test_integer_hyper_synthesis_does_not_depend_on_the_batch_or_threads():
    net = CodecNet("hyperprior", 8, 8).eval()
    net.update()
    frozen = net._integer_frozen()
    z = torch.randint(-20, 20, (3, 8, 3, 5)).double() * 256
    together = integer_net.run(net.h_s, frozen, z)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        alone = torch.cat([integer_net.run(net.h_s, frozen, z[i:i + 1]) for i in range(3)])
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(together, alone)  # exact by construction: integers below 2**53
    assert torch.equal(together, torch.round(together))


def test_the_exactness_bound_is_checked():
    net = CodecNet("hyperprior", 8, 8)
    frozen = integer_net.freeze(net.h_s)
    with pytest.raises(ArithmeticError, match="exact"):
        integer_net.check_exact(net.h_s, frozen, 2.0 ** 40)


@pytest.mark.parametrize("mode", ["factorized", "hyperprior"])
def test_encode_decode_round_trip_any_size(mode):
    codec = tiny_codec(mode)
    image = photos(1, (37, 71), seed=3)[0]  # not a multiple of the stride: padded, cropped
    data = codec.encode(image, 3)
    first, second = codec.decode(data), codec.decode(data)
    assert first.shape == image.shape and first.dtype == np.uint8
    assert np.array_equal(first, second)  # the same pixels on every run
    assert codec.encode(image, 3) == data  # the same bytes too


def test_save_load_keeps_the_tables_and_the_model_id(tmp_path):
    codec = tiny_codec("hyperprior")
    data = codec.encode(photos(1, (40, 40), seed=6)[0], 2)
    codec.save(tmp_path / "codec")
    loaded = aekit.load(tmp_path / "codec")
    assert loaded.model_id_ == codec.model_id_
    assert np.array_equal(loaded.decode(data), codec.decode(data))


def test_a_file_from_another_codec_is_refused():
    data = tiny_codec("hyperprior").encode(photos(1, (40, 40))[0], 1)
    other = aekit.ImageCodec(channels=8, latent_channels=8, levels=4, crop=64, max_steps=1,
                             batch_size=2, verbose=False, random_state=1).fit(photos())
    with pytest.raises(InputError, match="made by codec .* not by this one"):
        other.decode(data)


@pytest.mark.parametrize("quality", [0, 5, 2.5, "1"])
def test_bad_quality_is_refused(quality):
    with pytest.raises(Exception, match="quality"):
        tiny_codec("hyperprior").encode(photos(1, (40, 40))[0], quality)


@pytest.mark.parametrize("image, message", [
    (np.zeros((20, 20), np.uint8), "uint8 RGB"),
    (np.zeros((20, 20, 3), np.float32), "uint8 RGB"),
    (np.zeros((0, 20, 3), np.uint8), "nothing to code"),
])
def test_bad_arrays_are_refused(image, message):
    with pytest.raises(InputError, match=message):
        tiny_codec("hyperprior").encode(image, 1)
