"""Similar-item search: exact and approximate, saved without pickle, and clear refusals."""

import numpy as np
import pytest

from aekit.search.codes import CodeIndex, precision_at_k
from aekit.errors import ConfigError, InputError, ModelFileError

from tests.conftest import small_model


@pytest.fixture(scope="module")
def images():
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.images[:500, None].astype(np.float32), data.target[:500]


@pytest.fixture(scope="module")
def model(images):
    return small_model(code_size=8, epochs=5).fit(images[0])


def test_exact_search_finds_the_query_itself_first(model, images):
    index = CodeIndex.build(model, images[0])
    result = index.search(images[0][:5], k=3)
    assert result.indices[:, 0].tolist() == [0, 1, 2, 3, 4]
    assert np.all(np.diff(result.distances, axis=1) >= 0)
    assert result.names[0][0] == "row 0"


def test_distances_match_brute_force(model, images):
    index = CodeIndex.build(model, images[0])
    codes = model.transform(images[0])
    result = index.search_codes(codes[:3], k=4)
    brute = np.linalg.norm(codes[:3, None] - codes[None], axis=2)
    expected = np.sort(brute, axis=1)[:, :4]
    np.testing.assert_allclose(result.distances, expected, rtol=1e-3, atol=1e-3)


def test_leave_one_out_neighbours_skip_the_item_and_beat_chance(model, images):
    index = CodeIndex.build(model, images[0])
    result = index.neighbours_of_items(k=10)
    assert not np.any(result.indices == np.arange(len(images[0]))[:, None])
    assert precision_at_k(images[1][result.indices], images[1]) > 0.3  # chance is 0.1


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_saved_index_answers_the_same(model, images, tmp_path, metric):
    names = [f"img{i}.png" for i in range(len(images[0]))]
    index = CodeIndex.build(model, images[0], names, metric=metric, search="approximate")
    before = index.search(images[0][:4], k=5)
    index.save(tmp_path / "index")
    assert (tmp_path / "index" / "hnsw.faiss").exists()
    after = CodeIndex.load(tmp_path / "index").search(images[0][:4], k=5)
    np.testing.assert_array_equal(before.indices, after.indices)
    assert after.names[0][0] == "img0.png"


def test_loading_never_unpickles(model, images, tmp_path, monkeypatch):
    import pickle

    CodeIndex.build(model, images[0]).save(tmp_path / "index")
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    assert CodeIndex.load(tmp_path / "index").n_items == len(images[0])


def test_an_index_built_by_another_model_is_refused(model, images, tmp_path):
    CodeIndex.build(model, images[0]).save(tmp_path / "index")
    other = small_model(code_size=8, epochs=1, random_state=1).fit(images[0])
    with pytest.raises(ModelFileError, match="built by another model"):
        CodeIndex.load(tmp_path / "index", model=other)
    other.save(tmp_path / "index" / "model")  # swapped model folder
    with pytest.raises(ModelFileError, match="built by another model"):
        CodeIndex.load(tmp_path / "index")


def test_bad_queries_and_k(model, images):
    index = CodeIndex.build(model, images[0][:20])
    with pytest.raises(ConfigError, match="k=21 is larger than the index, which holds 20 items"):
        index.search(images[0][:1], k=21)
    with pytest.raises(InputError, match=r"holds 8x8 images with 3 channels \(RGB\), but the model "
                                         r"was trained on 8x8 images with 1 channel"):
        index.search(np.zeros((1, 3, 8, 8)), k=1)
    with pytest.raises(InputError, match="16x16"):
        index.search(np.zeros((1, 1, 16, 16)), k=1)
    with pytest.raises(ConfigError, match="k must be"):
        index.search(images[0][:1], k=0)


def test_damaged_index_files(model, images, tmp_path):
    folder = tmp_path / "index"
    CodeIndex.build(model, images[0]).save(folder)
    (folder / "codes.safetensors").write_bytes(b"junk")
    with pytest.raises(ModelFileError, match="codes.safetensors"):
        CodeIndex.load(folder)
    (folder / "index.json").unlink()
    with pytest.raises(ModelFileError, match="not an aekit code index"):
        CodeIndex.load(folder)
