"""The default start from PCA, the step budget and augmentation of small image sets."""

import logging

import numpy as np
import pytest
from sklearn.decomposition import PCA

import aekit
from aekit.errors import ConfigError


def _untrained(X, **settings):
    # a learning rate of ~0 leaves the gates at zero: the model is its start
    return aekit.AutoEncoder(code_size=5, init="pca", epochs=1, max_steps=1, learning_rate=1e-30,
                             random_state=0, verbose=False, **settings).fit(X)


def test_the_start_is_pca(digits_X):
    X = digits_X[:200]
    model = _untrained(X, architecture="mlp", hidden=(16,), scaling="none")
    pca = PCA(5).fit(X)
    expected = pca.inverse_transform(pca.transform(X))
    assert np.allclose(model.reconstruct(X), expected, atol=1e-3 * np.abs(X).max())
    assert model.init_ == "pca"


def test_code_longer_than_the_data_rank_pads_with_zero_directions(digits_X):
    X = digits_X[:4]  # rank 3 after centring
    model = _untrained(X, architecture="mlp", hidden=(8,), scaling="none")
    assert np.allclose(model.module_.encoder.subspace.directions[3:].numpy(), 0)
    assert model.transform(X).shape == (4, 5)


def test_training_that_only_overfits_keeps_the_start(digit_images):
    few = digit_images[:40]  # 36 training images, a 5-D code: the nets can only memorise
    model = aekit.AutoEncoder(code_size=5, init="pca", epochs=3, learning_rate=1e-2,
                              random_state=0, verbose=False).fit(few)
    start = _untrained(few)
    assert model.best_epoch_ in range(0, 4)
    if model.best_epoch_ == 0:
        assert np.allclose(model.reconstruct(few), start.reconstruct(few), atol=1e-4)


def test_held_out_error_is_not_worse_than_pca_on_small_data(digit_images):
    train, test = digit_images[:150], digit_images[1000:1300]
    # 20 of 64 directions explain ~93 % of the digits' variance: "auto" starts from PCA
    model = aekit.AutoEncoder(code_size=20, epochs=4, random_state=0, verbose=False).fit(train)
    assert model.init_ == "pca"
    flat = train.reshape(len(train), -1)
    pca = PCA(20).fit(flat)
    pca_error = ((pca.inverse_transform(pca.transform(test.reshape(len(test), -1)))
                  - test.reshape(len(test), -1)) ** 2).sum()
    assert ((model.reconstruct(test) - test) ** 2).sum() <= 1.02 * pca_error


def test_pca_start_survives_save_and_load(digit_images, tmp_path):
    model = aekit.AutoEncoder(code_size=4, init="pca", hidden=(8, 8), epochs=2, random_state=0,
                              verbose=False).fit(digit_images[:100])
    model.save(tmp_path / "m")
    loaded = aekit.load(tmp_path / "m")
    assert loaded.init_ == "pca"
    assert np.allclose(loaded.transform(digit_images[:10]), model.transform(digit_images[:10]),
                       atol=1e-5)


@pytest.mark.parametrize("code_size, init", [(30, "pca"), (2, "random")])
def test_auto_starts_from_pca_only_where_pca_explains_most_of_the_variance(digits_X, code_size, init):
    # 30 directions explain ~96 % of the digits' variance, 2 about 30 %
    model = aekit.AutoEncoder(code_size=code_size, hidden=(8,), epochs=1, max_steps=1,
                              verbose=False).fit(digits_X[:300])
    assert model.init_ == init


@pytest.mark.parametrize("settings, why", [
    (dict(bottleneck="binary"), "bottleneck='binary'"),
    (dict(architecture="mlp", pretrain="dae"), "pretrain='dae'"),
])
def test_pca_start_that_cannot_apply_is_refused_or_skipped(digits_X, settings, why):
    with pytest.raises(ConfigError, match=why):
        aekit.AutoEncoder(init="pca", hidden=(8,), code_size=4, epochs=1, verbose=False,
                          **settings).fit(digits_X[:50])
    model = aekit.AutoEncoder(hidden=(8,), code_size=4, epochs=1, verbose=False,
                              **settings).fit(digits_X[:50])
    assert model.init_ == "random"


def test_augmenting_a_table_is_refused(digits_X):
    with pytest.raises(ConfigError, match="needs images"):
        aekit.AutoEncoder(augment="shift", hidden=(8,), epochs=1, verbose=False).fit(digits_X[:50])


def test_auto_epochs_gives_small_data_the_step_floor(digits_X, caplog):
    with caplog.at_level(logging.INFO, logger="aekit"):
        model = aekit.AutoEncoder(hidden=(8,), code_size=4, max_steps=250, patience=None,
                                  random_state=0, verbose=False).fit(digits_X[:100])
    assert any("passes over the data" in r.message for r in caplog.records)
    # 90 training rows = 2 steps a pass: 50 passes per epoch, 100 steps
    assert [row["epoch"] for row in model.history_] == [1, 2, 3]
