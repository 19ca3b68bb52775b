"""Layer-wise pre-training: RBMs learn, the stack unrolls exactly, bad settings fail clearly."""

import logging

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import aekit
from aekit.cli.main import cli
from aekit.errors import ConfigError
from aekit.nn import AutoEncoderModule, mlp_decoder, mlp_encoder
from aekit.nn.rbm import RBM
from aekit.models.pretrain import PretrainSettings, linear_layers, pretrain_dae, pretrain_rbm, train_rbm, unroll
from tests.conftest import small_model


@pytest.fixture(scope="module")
def unit_X(digits_X):
    return digits_X / 16.0  # in [0, 1]: Bernoulli visible units


def pretrained(**overrides):
    settings = dict(hidden=(32, 16), code_size=4, epochs=1, pretrain_epochs=2, activation="sigmoid")
    settings.update(overrides)
    return small_model(**settings)


def settings(**overrides):
    values = dict(epochs=2, batch_size=64, device=torch.device("cpu"), seed=0, verbose=False)
    values.update(overrides)
    return PretrainSettings(**values)


def test_contrastive_divergence_lowers_the_reconstruction_error(unit_X):
    X = torch.from_numpy(unit_X)
    rbm = RBM(64, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        before = ((rbm(X) - X) ** 2).mean()
    errors = train_rbm(rbm, X, epochs=3, batch_size=64, seed=1)
    with torch.no_grad():
        after = ((rbm(X) - X) ** 2).mean()
    assert after < 0.5 * before
    assert errors[-1] < errors[0]


def test_cd_statistics_have_the_parameter_shapes(unit_X):
    rbm = RBM(64, 10, "gaussian", "gaussian", generator=torch.Generator().manual_seed(0))
    stats = rbm.contrastive_divergence(torch.from_numpy(unit_X[:20]), torch.Generator().manual_seed(0))
    assert stats.weight.shape == rbm.weight.shape
    assert stats.visible_bias.shape == (64,) and stats.hidden_bias.shape == (10,)
    assert stats.reconstruction.shape == (20, 64)
    with pytest.raises(ValueError, match="visible units"):
        RBM(4, 2, visible="binary")


@pytest.mark.parametrize("scaling, visible", [("auto", "bernoulli"), ("standard", "gaussian")])
def test_visible_units_follow_the_scaled_data(unit_X, scaling, visible):
    model = pretrained(pretrain="rbm", scaling=scaling).fit(unit_X)
    units = [(row["visible"], row["hidden"]) for row in model.pretrain_history_]
    assert units == [(visible, "bernoulli"), ("bernoulli", "bernoulli"), ("bernoulli", "gaussian")]
    # Bernoulli visible units unroll into a sigmoid output; Gaussian ones into a linear one.
    assert model.output_ == ("sigmoid" if visible == "bernoulli" else "identity")


def test_unrolled_net_holds_the_rbm_weights_and_their_transposes(unit_X):
    X = torch.from_numpy(unit_X)
    layers, history = pretrain_rbm([64, 32, 16, 4], X, settings())
    module = AutoEncoderModule(mlp_encoder(64, (32, 16), 4, "sigmoid"),
                               mlp_decoder(4, (32, 16), 64, "sigmoid"), "sigmoid")
    unroll(module, layers)
    encoder, decoder = linear_layers(module.encoder), linear_layers(module.decoder)[::-1]
    for layer, enc, dec in zip(layers, encoder, decoder):
        torch.testing.assert_close(enc.weight, layer.encode_weight, rtol=0, atol=0)
        torch.testing.assert_close(dec.weight, layer.encode_weight.T, rtol=0, atol=0)
        torch.testing.assert_close(enc.bias, layer.encode_bias, rtol=0, atol=0)
        torch.testing.assert_close(dec.bias, layer.decode_bias, rtol=0, atol=0)
    # The encoder computes the stack's hidden means: sigmoid, sigmoid, then the linear code.
    h = X
    for i, layer in enumerate(layers):
        h = h @ layer.encode_weight.T + layer.encode_bias
        h = h if i == len(layers) - 1 else torch.sigmoid(h)
    with torch.no_grad():
        torch.testing.assert_close(module.encode(X), h)
    assert [row["layer"] for row in history] == [1, 2, 3]


def test_dae_stack_unrolls_its_encoder_and_decoder_weights(unit_X):
    layers, history = pretrain_dae([64, 32, 4], torch.from_numpy(unit_X), settings(activation="relu"))
    module = AutoEncoderModule(mlp_encoder(64, (32,), 4, "relu"), mlp_decoder(4, (32,), 64, "relu"))
    unroll(module, layers)
    for layer, enc, dec in zip(layers, linear_layers(module.encoder), linear_layers(module.decoder)[::-1]):
        assert dec.weight.shape == layer.decode_weight.shape == (enc.weight.shape[1], enc.weight.shape[0])
        torch.testing.assert_close(enc.weight, layer.encode_weight, rtol=0, atol=0)
        torch.testing.assert_close(dec.weight, layer.decode_weight, rtol=0, atol=0)
    assert all(row["reconstruction_error"] > 0 for row in history)


@pytest.mark.parametrize("kind", ["rbm", "dae"])
def test_pretraining_logs_each_layer_and_fine_tunes(unit_X, kind, caplog):
    with caplog.at_level(logging.INFO, logger="aekit.models.pretrain"):
        model = pretrained(pretrain=kind, epochs=3).fit(unit_X)
    assert len([r for r in caplog.records if "reconstruction error" in r.getMessage()]) == 3
    assert [row["kind"] for row in model.pretrain_history_] == [kind] * 3
    assert model.n_epochs_ == 3 and model.transform(unit_X[:5]).shape == (5, 4)


@pytest.mark.parametrize("overrides, message", [
    ({"pretrain": "rbm", "architecture": "conv", "hidden": (8,)}, "needs architecture='mlp'"),
    ({"pretrain": "dae", "architecture": "auto", "hidden": (8,)}, "needs architecture='mlp'"),
    ({"pretrain": "rbm", "activation": "relu", "architecture": "mlp"}, "needs activation='sigmoid'"),
    ({"pretrain": "pca"}, "pretrain must be None or one of"),
    ({"pretrain": "dae", "pretrain_epochs": 0}, "pretrain_epochs must be"),
])
def test_unsupported_settings_are_config_errors(digit_images, overrides, message):
    with pytest.raises(ConfigError, match=message):
        pretrained(**overrides).fit(digit_images)


def test_custom_modules_cannot_be_pretrained(digits_X):
    encoder, decoder = torch.nn.Linear(64, 4), torch.nn.Linear(4, 64)
    with pytest.raises(ConfigError, match="custom encoder/decoder"):
        small_model(encoder=encoder, decoder=decoder, pretrain="dae").fit(digits_X)


@pytest.mark.parametrize("kind", ["rbm", "dae"])
def test_pretraining_leaves_global_random_state_alone(unit_X, kind):
    torch.manual_seed(123)
    np.random.seed(123)
    expected = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(123)
    pretrained(pretrain=kind).fit(unit_X)
    torch.testing.assert_close(torch.rand(3), expected[0])
    np.testing.assert_array_equal(np.random.rand(3), expected[1])


@pytest.mark.parametrize("kind", ["rbm", "dae"])
def test_same_seed_gives_the_same_pretrained_model(unit_X, kind):
    a = pretrained(pretrain=kind, random_state=3).fit(unit_X).transform(unit_X[:5])
    b = pretrained(pretrain=kind, random_state=3).fit(unit_X).transform(unit_X[:5])
    c = pretrained(pretrain=kind, random_state=4).fit(unit_X).transform(unit_X[:5])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_save_and_load_keep_the_pretrained_model(unit_X, tmp_path):
    model = pretrained(pretrain="rbm").fit(unit_X)
    model.save(tmp_path / "m")
    loaded = aekit.load(tmp_path / "m")
    assert loaded.pretrain == "rbm" and loaded.pretrain_epochs == 2
    assert loaded.pretrain_history_ == model.pretrain_history_
    np.testing.assert_allclose(loaded.transform(unit_X[:5]), model.transform(unit_X[:5]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded.reconstruct(unit_X[:5]), model.reconstruct(unit_X[:5]), rtol=1e-5, atol=1e-6)


def test_resuming_from_a_checkpoint_skips_pretraining(unit_X, tmp_path):
    model = pretrained(pretrain="dae", checkpoint_dir=tmp_path, checkpoint_every=1).fit(unit_X)
    assert len(model.pretrain_history_) == 3
    model.set_params(epochs=2).fit(unit_X, resume=True)
    assert model.pretrain_history_ == [] and model.n_epochs_ == 2


@pytest.mark.parametrize("kind, activation", [("rbm", "sigmoid"), ("dae", "relu")])
def test_cli_train_pretrain_option(tmp_path, kind, activation):
    out = tmp_path / "model"
    result = CliRunner().invoke(cli, ["train", "--data", "digits", "--out", str(out), "--pretrain", kind,
                                      "--pretrain-epochs", "1", "--hidden", "16", "--code-size", "4",
                                      "--epochs", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"pre-trained ({kind}) layer 2: 16 -> 4" in result.output
    model = aekit.load(out)
    assert (model.pretrain, model.architecture_, model.activation) == (kind, "mlp", activation)


def test_cli_rejects_rbm_with_another_activation(tmp_path):
    result = CliRunner().invoke(cli, ["train", "--data", "digits", "--out", str(tmp_path / "m"),
                                      "--pretrain", "rbm", "--activation", "relu", "--quiet"])
    assert result.exit_code == 2 and "needs activation='sigmoid'" in result.output
