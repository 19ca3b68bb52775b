"""2-D embeddings side by side: measures, pictures, new points and bad input."""

import numpy as np
import pytest

import aekit
from aekit.represent.embedding import compare_embeddings, read_labels
from aekit.errors import ConfigError, InputError

from tests.conftest import small_model


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.data[:400].astype(np.float32), data.target[:400]


@pytest.fixture(scope="module")
def comparison(digits):
    X, y = digits
    return compare_embeddings(X, y, methods=("autoencoder", "pca", "tsne"),
                              autoencoder=small_model(code_size=2, epochs=5))


def test_every_method_gives_2d_points_and_measures(comparison, digits):
    assert [row["method"] for row in comparison.rows] == ["autoencoder", "pca", "tsne"]
    for row in comparison.rows:
        assert comparison.embeddings[row["method"]].shape == (len(digits[0]), 2)
        assert 0.5 <= row["trustworthiness"] <= 1.0
        assert 0.0 <= row["knn_accuracy"] <= 1.0 and row["seconds"] >= 0
    # t-SNE separates these digits far better than chance (10 classes): the measure is live
    tsne = next(r for r in comparison.rows if r["method"] == "tsne")
    assert tsne["knn_accuracy"] > 0.8


def test_tsne_cannot_embed_new_points_and_says_so(comparison, digits):
    assert any("t-SNE cannot embed new points" in note for note in comparison.notes)
    assert "no" in comparison.rows[2]["new_points"] and comparison.rows[0]["new_points"] == "transform"
    with pytest.raises(ConfigError, match="cannot embed new points"):
        comparison.transform_new("tsne", digits[0][:3])
    new = comparison.transform_new("autoencoder", digits[0][:3])
    np.testing.assert_allclose(new, comparison.embeddings["autoencoder"][:3], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(comparison.transform_new("pca", digits[0][:3]),
                               comparison.embeddings["pca"][:3], rtol=1e-4, atol=1e-5)


def test_plot_writes_a_png(comparison, tmp_path):
    path = comparison.plot(tmp_path / "embed.png", title="digits")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_labels_no_knn_and_an_uncoloured_plot(digits, tmp_path):
    result = compare_embeddings(digits[0], None, methods=("pca",))
    assert result.rows[0]["knn_accuracy"] is None
    assert any("no labels" in note for note in result.notes)
    assert result.plot(tmp_path / "plain.png").stat().st_size > 1000


def test_a_fitted_autoencoder_is_used_as_it_is(digits):
    X, y = digits
    model = small_model(code_size=2).fit(X)
    result = compare_embeddings(X, y, methods=("autoencoder",), autoencoder=model)
    assert result.models["autoencoder"] is model
    np.testing.assert_allclose(result.embeddings["autoencoder"], model.transform(X))


def test_trustworthiness_on_a_subset_when_data_is_large(digits):
    result = compare_embeddings(digits[0], digits[1], methods=("pca",), max_trust_samples=100)
    assert any("random 100 of the 400" in note for note in result.notes)


def test_bad_input_gets_clear_errors(digits):
    X, y = digits
    with pytest.raises(InputError, match="got 399 labels for 400 samples"):
        compare_embeddings(X, y[:-1], methods=("pca",))
    with pytest.raises(ConfigError, match="unknown embedding method 'umap'"):
        compare_embeddings(X, y, methods=("umap",))
    with pytest.raises(ConfigError, match="code_size=2"):
        compare_embeddings(X, y, methods=("autoencoder",), autoencoder=small_model(code_size=3))
    with pytest.raises(InputError, match="NaN"):
        compare_embeddings(np.full((20, 3), np.nan), None, methods=("pca",))


def test_read_labels_from_text_and_npy(tmp_path):
    (tmp_path / "y.txt").write_text("label\n3\n1\n2\n")
    assert read_labels(tmp_path / "y.txt").tolist() == [3, 1, 2]
    (tmp_path / "names.txt").write_text("cat\ndog\n")
    assert read_labels(tmp_path / "names.txt").tolist() == ["cat", "dog"]
    np.save(tmp_path / "y.npy", np.array([0, 1]))
    assert read_labels(tmp_path / "y.npy").tolist() == [0, 1]


def test_public_names():
    assert aekit.compare_embeddings is compare_embeddings


def test_the_autoencoder_method_lays_codes_out_with_umap_and_embeds_new_points(digits):
    from aekit.represent.manifold import CodeManifold

    X, y = digits
    model = CodeManifold(hidden=(32,), code_size=4, epochs=2, head_epochs=20, random_state=0,
                         verbose=False)
    result = compare_embeddings(X[:200], y[:200], methods=("autoencoder",), autoencoder=model)
    assert isinstance(result.models["autoencoder"], CodeManifold)
    new = result.transform_new("autoencoder", X[:3])
    np.testing.assert_allclose(new, result.embeddings["autoencoder"][:3], atol=1e-5)
