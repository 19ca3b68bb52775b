"""AutoEncoder: learning happens, outputs have the documented shapes, bad input fails clearly."""

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

import aekit
from aekit.errors import ConfigError, InputError
from tests.conftest import small_model


def test_fit_lowers_the_loss_and_returns_self(digits_X):
    model = small_model(epochs=8, init="random")  # from PCA the first epoch is already good
    assert model.fit(digits_X) is model
    losses = [row["train_loss"] for row in model.history_]
    assert losses[-1] < 0.7 * losses[0]
    assert model.n_features_in_ == 64 and model.architecture_ == "mlp"


def test_codes_and_reconstructions_have_the_documented_shapes(digits_X):
    model = small_model().fit(digits_X)
    codes = model.transform(digits_X[:10])
    assert codes.shape == (10, 4) and codes.dtype == np.float32
    recon = model.inverse_transform(codes)
    assert recon.shape == (10, 64)
    np.testing.assert_allclose(model.reconstruct(digits_X[:10]), recon, rtol=1e-5, atol=1e-5)


def test_score_samples_is_minus_the_reconstruction_error(digits_X):
    model = small_model().fit(digits_X)
    errors = model.reconstruction_error(digits_X[:20])
    assert errors.shape == (20,) and (errors >= 0).all()
    np.testing.assert_array_equal(model.score_samples(digits_X[:20]), -errors)


def test_reconstruction_beats_the_mean_on_held_out_data(digits_X):
    model = small_model(epochs=15, code_size=8).fit(digits_X[:1500])
    held_out = digits_X[1500:]
    baseline = ((held_out - digits_X[:1500].mean(0)) ** 2).mean()
    assert ((model.reconstruct(held_out) - held_out) ** 2).mean() < 0.6 * baseline


def test_same_seed_gives_the_same_model(digits_X):
    a = small_model(random_state=3).fit(digits_X).transform(digits_X[:5])
    b = small_model(random_state=3).fit(digits_X).transform(digits_X[:5])
    c = small_model(random_state=4).fit(digits_X).transform(digits_X[:5])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_fit_leaves_global_random_state_alone(digits_X):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    small_model().fit(digits_X)
    torch.testing.assert_close(torch.rand(3), expected)


def test_conv_architecture_on_images_keeps_the_image_shape(digit_images):
    model = small_model(architecture="auto", hidden=(8, 16)).fit(digit_images)
    assert model.architecture_ == "conv"
    assert model.reconstruct(digit_images[:3]).shape == (3, 1, 8, 8)
    # (N, H, W) gray images work too
    model = small_model(architecture="conv", hidden=(8,)).fit(digit_images[:, 0])
    assert model.reconstruct(digit_images[:3, 0]).shape == (3, 8, 8)


def test_mlp_accepts_flat_rows_for_a_model_fitted_on_images(digit_images):
    model = small_model(architecture="mlp").fit(digit_images)
    flat = digit_images[:4].reshape(4, -1)
    np.testing.assert_allclose(model.transform(flat), model.transform(digit_images[:4]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("settings", [
    {"objective": "bce", "scaling": "minmax"},
    {"noise": "gaussian", "noise_level": 0.3},
    {"noise": "masking", "noise_level": 0.3},
    {"noise": "salt_pepper", "noise_level": 0.1},
    {"contractive": 0.1},
    {"sparsity": 0.1},
])
def test_every_objective_trains(digits_X, settings):
    model = small_model(epochs=6, **settings).fit(digits_X)
    first, last = model.history_[0], model.history_[-1]
    assert last["train_reconstruction"] < first["train_reconstruction"]


def test_penalties_do_their_job(digits_X):
    plain = small_model(epochs=6).fit(digits_X)
    sparse = small_model(epochs=6, sparsity=5.0).fit(digits_X)
    assert np.abs(sparse.transform(digits_X)).mean() < 0.5 * np.abs(plain.transform(digits_X)).mean()
    contractive = small_model(epochs=6, contractive=1.0).fit(digits_X)
    assert contractive.history_[-1]["train_contractive"] < contractive.history_[0]["train_contractive"]


def test_custom_encoder_and_decoder_are_used_and_left_untouched(digits_X):
    encoder = torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    decoder = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 64))
    before = encoder[0].weight.detach().clone()
    model = small_model(encoder=encoder, decoder=decoder).fit(digits_X)
    assert model.transform(digits_X[:2]).shape == (2, 3)
    torch.testing.assert_close(encoder[0].weight, before)


def test_fit_does_not_modify_the_input(digits_X):
    X = digits_X.copy()
    small_model().fit(X)
    np.testing.assert_array_equal(X, digits_X)


def test_unfitted_model_says_so(digits_X):
    with pytest.raises(NotFittedError):
        small_model().transform(digits_X)


@pytest.mark.parametrize("bad, message", [
    (np.array([[1.0, np.nan], [2.0, 3.0]]), "NaN"),
    (np.array([[1.0, np.inf], [2.0, 3.0]]), "inf"),
    (np.empty((0, 4)), "0 sample"),
    (np.arange(5.0), "1-D"),
    (np.array([["a", "b"], ["c", "d"]]), "non-numeric"),
])
def test_bad_training_data_is_refused(bad, message):
    with pytest.raises(InputError, match=message):
        small_model().fit(bad)


def test_wrong_feature_count_at_transform_names_both_shapes(digits_X):
    model = small_model().fit(digits_X)
    with pytest.raises(InputError, match=r"X has 10 features.*expecting 64 features.*fitted on shape \(64,\)"):
        model.transform(digits_X[:, :10])
    with pytest.raises(InputError, match="code size is 4"):
        model.inverse_transform(np.zeros((2, 5)))


def test_conv_needs_images():
    with pytest.raises(InputError, match="needs images"):
        small_model(architecture="conv").fit(np.random.rand(20, 5))


@pytest.mark.parametrize("param, value, message", [
    ("code_size", 0, "code_size must be an integer >= 1, got 0"),
    ("architecture", "rnn", "architecture must be"),
    ("noise", "blur", "noise must be None or one of"),
    ("hidden", (10, -1), "hidden must be"),
    ("learning_rate", -1.0, "learning_rate must be"),
    ("validation_fraction", 0.9, "validation_fraction must be"),
])
def test_bad_settings_name_the_parameter(digits_X, param, value, message):
    with pytest.raises(ConfigError, match=message):
        small_model(**{param: value}).fit(digits_X)


def test_bce_needs_unit_range_data(digits_X):
    with pytest.raises(ConfigError, match="bce"):
        small_model(objective="bce", scaling="standard").fit(digits_X)


def test_asking_for_cuda_without_a_gpu_is_a_clear_error(digits_X):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        small_model(device="cuda").fit(digits_X)


def test_hinton_preset_builds_the_2006_network():
    model = aekit.AutoEncoder(architecture="mlp", hidden=aekit.HINTON_2006_HIDDEN, code_size=30,
                              init="random", epochs=1, verbose=False, random_state=0)
    model.fit(np.random.rand(20, 784).astype(np.float32))
    sizes = [m.out_features for m in model.module_.encoder if isinstance(m, torch.nn.Linear)]
    assert sizes == [1000, 500, 250, 30]


def test_grid_search_needs_no_scoring_argument(digits_X):
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(small_model(epochs=25, learning_rate=3e-3), {"code_size": [1, 8]},
                          cv=2).fit(digits_X[:400])
    # score is the mean negative reconstruction error: higher is better, so 8 wins
    assert search.best_params_ == {"code_size": 8}
    model = search.best_estimator_
    assert model.score(digits_X[:50]) == pytest.approx(-model.reconstruction_error(digits_X[:50]).mean())


def test_dataframe_columns_are_taken_by_name(digits_X):
    import pandas as pd

    frame = pd.DataFrame(digits_X[:300], columns=[f"p{i}" for i in range(64)])
    model = small_model().fit(frame)
    assert list(model.feature_names_in_) == list(frame.columns)
    shuffled = frame[frame.columns[::-1]]
    np.testing.assert_allclose(model.transform(shuffled), model.transform(frame), rtol=1e-6)
    with pytest.raises(InputError, match="lacks the column\\(s\\) 'p0'"):
        model.transform(frame.drop(columns=["p0"]))


def test_a_model_no_better_than_the_mean_or_pca_is_reported(digit_images, caplog):
    import logging

    few = (digit_images[:300] * 16).astype(np.uint8)  # 300 8x8 digit images, as PNGs give
    with caplog.at_level(logging.WARNING, logger="aekit"):
        aekit.AutoEncoder(epochs=2, init="random", random_state=0, verbose=False).fit(few)
    assert any("no better than the mean" in r.message or "worse than PCA" in r.message
               for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="aekit"):
        aekit.AutoEncoder(architecture="mlp", hidden=(64,), code_size=8, epochs=200,
                          learning_rate=3e-3, random_state=0, verbose=False).fit(few)
    assert not any("PCA" in r.message for r in caplog.records)
