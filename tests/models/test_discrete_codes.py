"""Discrete codes: binary bits, one-hot clusters and a VQ codebook, in the torch modules and
through the AutoEncoder estimator."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import aekit
from aekit.errors import ConfigError
from aekit.nn.bottleneck import BinaryBottleneck, OneHotBottleneck, VQBottleneck, usage_stats
from tests.conftest import small_model


# The modules ----------------------------------------------------------------------------
def test_binary_bits_are_zero_one_and_pass_gradients_straight_through():
    layer = BinaryBottleneck(6).train()
    h = torch.randn(50, 6, requires_grad=True)
    code = layer(h, torch.Generator().manual_seed(0)).code
    assert set(code.detach().unique().tolist()) <= {0.0, 1.0}
    code.sum().backward()
    p = torch.sigmoid(h.detach())
    assert torch.allclose(h.grad, p * (1 - p))  # d sigmoid / dh: the straight-through path
    assert layer.eval()(h).code.equal((h > 0).float())


def test_binary_draws_follow_the_probability():
    layer = BinaryBottleneck(1).train()
    h = torch.full((20000, 1), 1.0)  # sigmoid(1) = 0.731
    ones = layer(h, torch.Generator().manual_seed(0)).code.mean().item()
    assert ones == pytest.approx(torch.sigmoid(torch.tensor(1.0)).item(), abs=0.02)
    assert layer.end_epoch()["bit_entropy"] == pytest.approx(0.84, abs=0.02)


def test_onehot_temperature_anneals_geometrically_from_start_to_end():
    layer = OneHotBottleneck(4, temperature=(2.0, 0.02))
    taus = []
    for epoch in range(5):
        layer.start_epoch(epoch, 5)
        taus.append(layer.tau)
    assert taus[0] == pytest.approx(2.0) and taus[-1] == pytest.approx(0.02)
    assert np.allclose(np.diff(np.log(taus)), np.log(0.01) / 4)


def test_onehot_training_code_is_a_distribution_and_eval_code_is_one_hot():
    layer = OneHotBottleneck(5).train()
    layer.start_epoch(0, 10)
    h = torch.randn(8, 5)
    out = layer(h, torch.Generator().manual_seed(0))
    assert torch.allclose(out.code.sum(1), torch.ones(8), atol=1e-5)
    assert out.loss is not None and out.loss.item() >= 0  # KL of mean assignment from uniform
    code = layer.eval()(h).code
    assert code.sum(1).eq(1).all() and code.argmax(1).equal(h.argmax(1))


def test_vq_picks_the_nearest_codebook_vector_and_keeps_the_gradient():
    layer = VQBottleneck(2, codebook_size=3)
    layer.set_codebook(torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]))
    h = torch.tensor([[9.0, 1.0], [1.0, 8.0], [0.5, -0.5]], requires_grad=True)
    out = layer.train()(h)
    assert out.indices.tolist() == [1, 2, 0]
    assert torch.allclose(out.code, torch.tensor([[10.0, 0.0], [0.0, 10.0], [0.0, 0.0]]))
    out.code.sum().backward()
    assert torch.equal(h.grad, torch.ones_like(h))  # straight-through


def test_vq_moving_averages_pull_codes_toward_their_vectors():
    layer = VQBottleneck(2, codebook_size=2, decay=0.5).train()
    layer.set_codebook(torch.tensor([[0.0, 0.0], [10.0, 10.0]]))
    for _ in range(20):
        layer(torch.tensor([[1.0, 1.0], [9.0, 9.0]]))
    assert torch.allclose(layer.codebook, torch.tensor([[1.0, 1.0], [9.0, 9.0]]), atol=1e-3)


def test_vq_restarts_codes_unused_for_an_epoch_at_recent_vectors():
    layer = VQBottleneck(2, codebook_size=4).train()
    layer.set_codebook(torch.tensor([[0.0, 0.0], [1.0, 1.0], [500.0, 500.0], [-500.0, 9.0]]))
    layer.start_epoch(0, 2)
    data = torch.rand(64, 2)
    layer(data)
    stats = layer.end_epoch()
    assert stats["usage"] == 0.5 and stats["restarted"] == 2
    assert layer.codebook.abs().max() <= 1.0  # both far codes now sit on data points
    layer.start_epoch(1, 2)
    layer(data)
    assert layer.end_epoch()["usage"] > 0.5


def test_vq_cuts_the_code_into_vectors_of_codebook_dim():
    layer = VQBottleneck(6, codebook_size=5, codebook_dim=2).eval()
    out = layer(torch.randn(7, 6))
    assert out.code.shape == (7, 6) and out.indices.shape == (7, 3)


def test_usage_stats_report_share_used_and_perplexity():
    assert usage_stats(torch.tensor([5.0, 5.0, 0.0, 0.0])) == {"usage": 0.5, "perplexity": pytest.approx(2.0)}
    assert usage_stats(torch.tensor([9.0, 0.0]))["perplexity"] == pytest.approx(1.0)


# Through the estimator ------------------------------------------------------------------
def test_binary_autoencoder_gives_bit_codes(digits_X):
    model = small_model(bottleneck="binary", code_size=16, epochs=5).fit(digits_X)
    codes = model.transform(digits_X)
    assert codes.shape == (len(digits_X), 16) and codes.dtype == np.float32
    assert set(np.unique(codes)) <= {0.0, 1.0}
    assert "train_bit_entropy" in model.history_[-1]
    assert not hasattr(model, "predict")  # bits are a hash, not a choice among K


def test_onehot_autoencoder_predicts_clusters(digits_X):
    model = small_model(bottleneck="onehot", code_size=6, epochs=5).fit(digits_X)
    codes, clusters = model.transform(digits_X), model.predict(digits_X)
    assert np.array_equal(codes.sum(1), np.ones(len(digits_X)))
    assert np.array_equal(codes.argmax(1), clusters) and clusters.dtype == np.int64
    row = model.history_[-1]
    assert {"train_usage", "train_perplexity", "train_temperature"} <= set(row)
    assert row["train_temperature"] == pytest.approx(0.1)
    assert 0 < model.codebook_usage_ <= 1 and 1 <= model.codebook_perplexity_ <= 6


def test_vq_autoencoder_codes_are_codebook_rows(digits_X):
    model = small_model(bottleneck="vq", code_size=4, codebook_size=16, epochs=5).fit(digits_X)
    ids, codes = model.predict(digits_X[:50]), model.transform(digits_X[:50])
    assert ids.shape == (50,) and ids.min() >= 0 and ids.max() < 16
    assert np.allclose(codes, model.codebook_[ids])
    # k-means start and dead-code restarts keep the small codebook in use
    assert model.codebook_usage_ >= 0.75
    assert "train_restarted" in model.history_[-1]


def test_vq_with_several_vectors_per_sample(digits_X):
    model = small_model(bottleneck="vq", code_size=8, codebook_dim=2, codebook_size=32,
                        epochs=2).fit(digits_X)
    assert model.predict(digits_X[:5]).shape == (5, 4)


@pytest.mark.parametrize("settings", [dict(bottleneck="vq", code_size=4, codebook_size=16),
                                      dict(bottleneck="onehot", code_size=5)])
def test_discrete_models_save_and_load(tmp_path, digits_X, settings):
    model = small_model(epochs=2, **settings).fit(digits_X)
    model.save(tmp_path / "m")
    loaded = aekit.load(tmp_path / "m")
    assert np.array_equal(loaded.predict(digits_X), model.predict(digits_X))
    assert loaded.codebook_usage_ == model.codebook_usage_


def test_codebook_larger_than_the_training_vectors_is_refused(digits_X):
    model = small_model(bottleneck="vq", code_size=4, codebook_dim=2, codebook_size=100)
    with pytest.raises(ConfigError, match=r"codebook_size=100 is larger than the 60 training "
                                          r"vectors \(30 samples x 2 code vectors each\)"):
        model.fit(digits_X[:30])


@pytest.mark.parametrize("settings, message", [
    (dict(bottleneck="vq", code_size=5, codebook_dim=2), "must be a multiple of codebook_dim=2"),
    (dict(bottleneck="hash"), "bottleneck must be one of"),
    (dict(bottleneck="onehot", temperature=(1.0, 0)), "temperature must be a pair"),
    (dict(bottleneck="vq", codebook_size=1), "codebook_size must be an integer >= 2"),
])
def test_bad_bottleneck_settings_are_named(digits_X, settings, message):
    with pytest.raises(ConfigError, match=message):
        small_model(**settings).fit(digits_X)


def test_seeded_discrete_training_repeats_exactly(digits_X):
    first = small_model(bottleneck="binary", code_size=8).fit(digits_X).transform(digits_X)
    again = small_model(bottleneck="binary", code_size=8).fit(digits_X).transform(digits_X)
    assert np.array_equal(first, again)


@pytest.mark.parametrize("settings", [dict(bottleneck="vq", codebook_size=8),
                                      dict(bottleneck="onehot"), dict(bottleneck="binary")])
def test_discrete_codes_fit_a_custom_encoders_width(digits_X, settings):
    from torch import nn

    model = small_model(encoder=nn.Linear(64, 6), decoder=nn.Linear(6, 64), **settings)
    codes = model.fit(digits_X).transform(digits_X[:5])
    assert codes.shape == (5, 6)  # the encoder's 6 values, not code_size=4
    if hasattr(model, "predict"):
        assert model.predict(digits_X[:5]).shape == (5,)


def test_custom_encoder_width_not_a_multiple_of_codebook_dim_is_named(digits_X):
    from torch import nn

    model = small_model(encoder=nn.Linear(64, 7), decoder=nn.Linear(7, 64), bottleneck="vq",
                        code_size=8, codebook_dim=4)
    with pytest.raises(ConfigError, match="the encoder gives codes of 7 values, not a multiple "
                                          "of codebook_dim=4"):
        model.fit(digits_X)


def test_vq_search_is_float32_under_bf16_autocast():
    layer = VQBottleneck(4, codebook_size=64)
    layer.set_codebook(3 + 0.1 * torch.randn(64, 4, generator=torch.Generator().manual_seed(0)))
    z = 3 + 0.1 * torch.randn(500, 4, generator=torch.Generator().manual_seed(1))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        under_autocast = layer.nearest(z)
    assert torch.equal(under_autocast, layer.nearest(z))


def test_no_restart_after_the_last_epoch():
    layer = VQBottleneck(2, codebook_size=3).train()
    layer.set_codebook(torch.tensor([[0.0, 0.0], [500.0, 500.0], [-500.0, 9.0]]))
    layer.start_epoch(1, 2)  # the last of two epochs
    layer(torch.rand(32, 2))
    assert layer.end_epoch()["restarted"] == 0
    assert layer.codebook[1, 0] > 400  # still far from the data: not restarted
