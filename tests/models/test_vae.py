"""The VAE estimator: learning, sampling, honest and deterministic scores, saving, errors."""

import math

import numpy as np
import pytest
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

import aekit
from aekit.errors import ConfigError, InputError
from aekit.nn.gaussian import VAEModule, VAEObjective, gaussian_kl


def small_vae(**overrides):
    settings = dict(architecture="mlp", hidden=(32,), code_size=4, epochs=5, batch_size=64,
                    random_state=0, verbose=False)
    settings.update(overrides)
    return aekit.VAE(**settings)


@pytest.fixture(scope="module")
def binary_digits():
    from sklearn.datasets import load_digits

    return (load_digits().data > 7).astype(np.float32)  # (1797, 64) in {0, 1}


@pytest.fixture(scope="module")
def fitted(binary_digits):
    return small_vae(epochs=15).fit(binary_digits)


def test_fit_learns_and_reports_active_units(fitted, binary_digits):
    history = fitted.history_
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert fitted.latent_activity_.shape == (4,)
    assert 0 <= fitted.active_units_ <= 4
    assert fitted.active_units_ == int((fitted.latent_activity(binary_digits) > 0.01).sum())


def test_shapes_of_codes_samples_interpolations_and_traversals(fitted, binary_digits):
    assert fitted.transform(binary_digits[:7]).shape == (7, 4)
    assert fitted.inverse_transform(np.zeros((3, 4))).shape == (3, 64)
    samples = fitted.sample(5, random_state=0)
    assert samples.shape == (5, 64) and samples.min() >= 0 and samples.max() <= 1
    strip = fitted.interpolate(binary_digits[0], binary_digits[1], steps=6)
    assert strip.shape == (6, 64)
    np.testing.assert_allclose(strip[0], fitted.reconstruct(binary_digits[:1])[0], atol=1e-6)
    assert fitted.traverse(2, steps=7).shape == (7, 64)


def test_sampling_is_deterministic_for_a_random_state(fitted):
    np.testing.assert_array_equal(fitted.sample(4, random_state=3), fitted.sample(4, random_state=3))
    assert not np.allclose(fitted.sample(4, random_state=3), fitted.sample(4, random_state=4))


def test_scores_are_deterministic_and_independent_of_the_batch(fitted, binary_digits):
    X = binary_digits[:50]
    ll = fitted.log_likelihood(X, k=64, random_state=1)
    np.testing.assert_array_equal(ll, fitted.log_likelihood(X, k=64, random_state=1))
    # fixed-size chunks: the same kernels run whatever the order or the number of samples;
    # a tolerance still, since SIMD paths may differ with memory alignment on other CPUs
    np.testing.assert_allclose(ll[::-1], fitted.log_likelihood(X[::-1], k=64, random_state=1),
                               rtol=1e-12)
    np.testing.assert_allclose(ll[:5], fitted.log_likelihood(X[:5], k=64, random_state=1),
                               rtol=1e-12)
    assert not np.array_equal(ll, fitted.log_likelihood(X, k=64, random_state=2))
    np.testing.assert_array_equal(fitted.score_samples(X), fitted.score_samples(X))


def test_elbo_is_below_the_importance_weighted_bound(fitted, binary_digits):
    X = binary_digits[:200]
    elbo = fitted.score_samples(X, n_samples=200, random_state=0)
    iw = fitted.log_likelihood(X, k=200, random_state=0)
    assert elbo.mean() <= iw.mean()
    assert np.all(iw < 0)  # log-probabilities of binary vectors
    assert -iw.mean() < 64 * math.log(2)  # better than a fair coin per pixel


def test_many_chunks_give_the_same_estimate(fitted, binary_digits, monkeypatch):
    import aekit.models.vae as vae_module

    X = binary_digits[:20]
    one_pass = fitted.log_likelihood(X, k=300, random_state=0)
    monkeypatch.setattr(vae_module, "IW_ROWS", 64)  # 3 images a batch, 100-sample chunks
    monkeypatch.setattr(vae_module, "EPS_CHUNK", 100)
    chunked = fitted.log_likelihood(X, k=300, random_state=0)
    assert np.abs(chunked - one_pass).mean() < 0.5  # other draws, same quantity


def test_save_and_load_give_identical_scores(fitted, binary_digits, tmp_path):
    fitted.save(tmp_path / "vae")
    loaded = aekit.load(tmp_path / "vae")
    assert isinstance(loaded, aekit.VAE) and loaded.active_units_ == fitted.active_units_
    X = binary_digits[:30]
    np.testing.assert_allclose(loaded.log_likelihood(X, k=50, random_state=7),
                                  fitted.log_likelihood(X, k=50, random_state=7), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded.sample(3, random_state=0), fitted.sample(3, random_state=0), rtol=1e-5, atol=1e-6)


def test_gaussian_likelihood_is_a_density_of_the_data_as_given(digits_X):
    # Standardized data is the same for X and 10 X, so the two fits are the same network;
    # the density of 10 X is then lower by log 10 per varying feature (change of
    # variables; constant features are left unscaled, and are 0 in both).
    X = digits_X[:400]
    a = small_vae(likelihood="gaussian", scaling="standard", epochs=3).fit(X)
    b = small_vae(likelihood="gaussian", scaling="standard", epochs=3).fit(10 * X)
    difference = a.log_likelihood(X, k=20) - b.log_likelihood(10 * X, k=20)
    np.testing.assert_allclose(difference, (X.std(0) > 0).sum() * math.log(10), rtol=1e-4)


def test_conv_vae_on_images(digit_images):
    model = small_vae(architecture="conv", hidden=(8,), epochs=2).fit(digit_images[:300] / 16)
    assert model.sample(3, random_state=0).shape == (3, 1, 8, 8)
    assert model.log_likelihood((digit_images[:4] > 8).astype(np.float32), k=5).shape == (4,)


def test_warm_up_free_bits_binarization_and_iwae_train(digits_X):
    X = digits_X / 16
    model = small_vae(kl_warmup_epochs=3, epochs=4, binarize="dynamic", free_bits=0.1).fit(X)
    weights = [row["train_kl_weight"] for row in model.history_]
    assert weights[0] < weights[1] < weights[2] < 1.0 and weights[3] == 1.0
    iwae = small_vae(iw_samples=4, epochs=2).fit(X)
    # the importance-weighted bound is trained: it improves from the first epoch
    assert iwae.history_[-1]["train_loss"] < iwae.history_[0]["train_loss"]


def test_defaults_binarize_bernoulli_data_warm_up_and_keep_a_step_budget(digits_X, caplog):
    vae = aekit.VAE()
    assert (vae.binarize, vae.kl_warmup_epochs, vae.epochs) == ("auto", "auto", "auto")
    assert vae._objective(100).binarize and vae._objective(100).warmup_epochs == 10
    assert vae._objective(20).warmup_epochs == 4  # a fifth of a short run
    gaussian = aekit.VAE(likelihood="gaussian")
    assert not gaussian._objective(60).binarize
    assert not aekit.VAE(binarize=None)._objective(60).binarize
    # 300 rows make 5 steps a pass: an "auto" epoch packs 20 passes (100 steps)
    with caplog.at_level("INFO", logger="aekit.base"):
        model = small_vae(epochs="auto", max_steps=30).fit(digits_X[:334] / 16)
    assert "training budget: 100 epochs of 20 passes over the data" in caplog.text
    assert model.n_epochs_ == 1  # max_steps ends the first (100-step) epoch at step 30


def test_a_large_beta_collapses_latent_units(binary_digits):
    plain = small_vae(epochs=10).fit(binary_digits)
    heavy = small_vae(epochs=10, beta=20.0).fit(binary_digits)
    assert heavy.active_units_ < plain.active_units_


def test_kl_warm_up_follows_the_trainers_step_and_validation_uses_the_full_beta():
    from aekit.train import StepInfo

    objective = VAEObjective(beta=2.0, warmup_epochs=2)
    info = lambda step, training=True: StepInfo(step, 0, 5, 100, "main", torch.Generator(),  # noqa: E731
                                                training=training)
    assert objective.kl_weight(info(0)) == pytest.approx(0.2)  # step 1 of 10 warm-up steps
    assert objective.kl_weight(info(4)) == pytest.approx(1.0)
    assert objective.kl_weight(info(50)) == 2.0
    assert objective.kl_weight(info(0, training=False)) == 2.0
    assert gaussian_kl(torch.zeros(1, 2), torch.zeros(1, 2)).sum() == 0


@pytest.mark.parametrize("params, message", [
    (dict(beta=float("inf")), "beta must be a finite number"),
    (dict(beta=float("nan")), "beta must be a finite number"),
    (dict(beta=-1.0), "beta must be"),
    (dict(likelihood="poisson"), "likelihood must be"),
    (dict(binarize="dynamic", likelihood="gaussian"), "needs likelihood='bernoulli'"),
    (dict(free_bits=0.5, iw_samples=3), "free_bits applies to the ELBO"),
    (dict(scaling="standard"), "needs data in [0, 1]"),
    (dict(code_size=0), "code_size must be"),
    (dict(kl_warmup_epochs=-1), "kl_warmup_epochs must be"),
    (dict(binarize="static"), "binarize must be"),
    (dict(epochs="long"), "epochs must be"),
])
def test_bad_settings_are_refused_when_fitting(params, message, digits_X):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        small_vae(**params).fit(digits_X[:50])


@pytest.mark.parametrize("call, message", [
    (lambda m: m.sample(0), "n must be an integer >= 1"),
    (lambda m: m.sample(-3), "n must be an integer >= 1"),
    (lambda m: m.sample(2.5), "n must be an integer >= 1"),
    (lambda m: m.inverse_transform(np.zeros((2, 5))), "code size is 4"),
    (lambda m: m.transform(np.zeros((2, 10))), "VAE is expecting 64 features"),
    (lambda m: m.interpolate(np.zeros((28, 28)), np.zeros(64)), "a must be one sample of shape"),
    (lambda m: m.traverse(0, base=np.zeros((1, 65))), "base must be one sample of shape"),
    (lambda m: m.interpolate(np.zeros((2, 64)), np.zeros(64)), "a must be one sample"),
    (lambda m: m.interpolate(np.zeros(64), np.zeros(64), steps=1), "steps must be"),
    (lambda m: m.traverse(4), "dim must be an integer in"),
    (lambda m: m.traverse(0, span=float("nan")), "span must be"),
    (lambda m: m.log_likelihood(np.zeros((2, 64)), k=0), "k must be an integer >= 1"),
    (lambda m: m.log_likelihood(np.zeros((2, 63))), "VAE is expecting 64 features"),
])
def test_bad_input_is_refused_clearly(fitted, call, message):
    with pytest.raises(InputError, match=message):
        call(fitted)


def test_custom_modules_and_their_size_check(binary_digits, tmp_path):
    encoder, decoder = torch.nn.Linear(64, 8), torch.nn.Linear(4, 64)
    model = small_vae(encoder=encoder, decoder=decoder, epochs=2).fit(binary_digits)
    model.save(tmp_path / "custom")
    loaded = aekit.load(tmp_path / "custom", encoder=encoder, decoder=decoder)
    np.testing.assert_allclose(loaded.sample(2, random_state=0), model.sample(2, random_state=0), rtol=1e-5, atol=1e-6)
    with pytest.raises(ConfigError, match="2 \\* code_size = 6"):
        small_vae(encoder=encoder, decoder=decoder, code_size=3).fit(binary_digits)


def test_unfitted_model_says_so():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        small_vae().sample(3)


@parametrize_with_checks([aekit.VAE(architecture="mlp", hidden=(8,), code_size=2, epochs=2,
                                    batch_size=16, likelihood="gaussian", random_state=0,
                                    verbose=False)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
