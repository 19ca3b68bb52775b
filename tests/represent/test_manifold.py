"""CodeManifold: auto-encoder codes laid out by UMAP, the map learned so new points embed."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

import aekit
from aekit.represent.manifold import CodeManifold


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=150, n_features=8, centers=3, random_state=1)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def fitted(blobs):
    return CodeManifold(hidden=(16,), code_size=4, epochs=5, head_epochs=50, random_state=0,
                        verbose=False).fit(blobs[0])


def test_transform_of_the_training_points_is_the_embedding(blobs, fitted):
    assert fitted.embedding_.shape == (150, 2)
    np.testing.assert_allclose(fitted.transform(blobs[0]), fitted.embedding_, atol=1e-5)


def test_the_learned_map_follows_umap(fitted):
    assert fitted.head_r2_ > 0.8
    assert fitted.umap_embedding_.shape == fitted.embedding_.shape


def test_the_map_keeps_clusters_apart(blobs, fitted):
    from sklearn.neighbors import KNeighborsClassifier

    def separation(points):
        return KNeighborsClassifier(5).fit(points, blobs[1]).score(points, blobs[1])

    # UMAP keeps the blobs apart; the learned map only approximates UMAP (head_r2_ about
    # 0.9 to 0.97 on this tiny fit, depending on library versions), so it may mix a few
    # points at the edges of a blob
    assert separation(fitted.umap_embedding_) > 0.95
    assert separation(fitted.embedding_) > 0.9


def test_save_and_load_embed_new_points_the_same(blobs, fitted, tmp_path):
    fitted.save(tmp_path / "m")
    loaded = aekit.load(tmp_path / "m")
    assert type(loaded) is CodeManifold
    np.testing.assert_allclose(loaded.transform(blobs[0][:20]), fitted.transform(blobs[0][:20]),
                               atol=1e-5)
