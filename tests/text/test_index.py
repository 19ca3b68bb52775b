"""Semantic hashing of text: packing, Hamming search, the index, its files and refusals."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from aekit.errors import ConfigError, DataError, InputError, MissingDataError, ModelFileError
from aekit.data.text import read_text_folder
from aekit.search import hamming_distances, hamming_search, pack_bits, unpack_bits
from aekit.text import SemanticHashIndex
from aekit.data.text import strip_mail_headers

from tests.conftest import shared_path

TOPICS = {
    "space": "orbit shuttle rocket launch nasa satellite moon planet astronaut telescope mission lunar",
    "cars": "engine brake wheel tire dealer sedan clutch gearbox mileage horsepower bumper exhaust",
    "medicine": "doctor patient disease symptom treatment vaccine clinic dosage surgery infection nurse drug",
}


def write_corpus(folder, per_topic=24, seed=0):
    """Synthetic documents: each draws 15 words from its topic's list and 3 shared words."""
    rng = np.random.default_rng(seed)
    shared = "people think really know good time make said".split()
    for topic, words in TOPICS.items():
        (folder / topic).mkdir(parents=True)
        for i in range(per_topic):
            body = " ".join(rng.choice(words.split(), 15).tolist() + rng.choice(shared, 3).tolist())
            (folder / topic / f"{i:03d}.txt").write_text(f"{topic} note {i}\n{body}\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def index(corpus):
    return SemanticHashIndex.from_folder(corpus, bits=16, epochs=30, verbose=False)


# Packing and Hamming search ----------------------------------------------------------------
@pytest.mark.parametrize("bits", [8, 24, 64, 136, 256])
def test_hamming_distances_and_search_match_brute_force(bits):
    rng = np.random.default_rng(bits)
    db, queries = rng.integers(0, 2, (300, bits)), rng.integers(0, 2, (7, bits))
    brute = (queries[:, None, :] != db[None]).sum(axis=2)
    assert np.array_equal(hamming_distances(pack_bits(queries), pack_bits(db)), brute)
    indices, distances = hamming_search(pack_bits(db), pack_bits(queries), 12)
    expected = np.argsort(brute, axis=1, kind="stable")[:, :12]  # stable: ties to the lower number
    assert np.array_equal(indices, expected)
    assert np.array_equal(distances, np.take_along_axis(brute, expected, axis=1))


def test_pack_bits_roundtrip_and_shape():
    codes = np.random.default_rng(0).integers(0, 2, (5, 32)).astype(np.float32)
    packed = pack_bits(codes)
    assert packed.dtype == np.uint8 and packed.shape == (5, 4)
    assert np.array_equal(unpack_bits(packed), codes.astype(np.uint8))


def test_hamming_search_large_collection_with_ties():
    # Many equal distances: the k-th smallest is found by counting, ties to the lower number.
    db = np.zeros((100_000, 8), dtype=np.uint8)
    db[::1000, 0] = 1
    indices, distances = hamming_search(db, np.zeros((1, 8), dtype=np.uint8), 5)
    assert indices.tolist() == [[1, 2, 3, 4, 5]] and distances.tolist() == [[0] * 5]


def test_hamming_search_refuses_bad_input():
    db = np.zeros((4, 8), dtype=np.uint8)
    with pytest.raises(ConfigError, match="k=5 is larger than the collection, which holds 4"):
        hamming_search(db, db[:1], 5)
    with pytest.raises(InputError, match="packed hashes"):
        hamming_search(db.astype(np.float32), db[:1], 1)
    with pytest.raises(InputError, match="different lengths"):
        hamming_search(db, np.zeros((1, 16), dtype=np.uint8), 1)


# The index ----------------------------------------------------------------------------------
def test_index_hashes_documents(index, corpus):
    assert index.hashes.dtype == np.uint8 and index.hashes.shape == (72, 2)
    assert index.names[0] == "cars/000.txt" and index.titles[0] == "cars note 0"
    assert index.hash(["orbit rocket moon"]).shape == (1, 2)


def test_search_finds_the_document_itself(index, corpus):
    text = (corpus / "space" / "005.txt").read_text()
    plain = index.search(text, k=5)
    assert plain.distances[0] == 0 and "space/005.txt" in [
        n for n, d in zip(plain.names, plain.distances) if d == 0]
    refined = index.search(text, k=5, refine=True)
    assert refined.names[0] == "space/005.txt" and refined.cosines[0] == pytest.approx(1.0)


def test_search_finds_the_topic(index):
    hits = index.search("the rocket reached orbit around the moon", k=10, refine=True)
    assert sum(name.startswith("space/") for name in hits.names) == 10
    # Leave-one-out over all documents: hashes group the topics far above chance (1/3).
    neighbours = hamming_search(index.hashes, index.hashes, 11)[0][:, 1:]
    topics = np.array([name.split("/")[0] for name in index.names])
    assert (topics[neighbours] == topics[:, None]).mean() > 0.5


def test_refine_orders_by_cosine(index):
    query = "engine brake patient"
    hits = index.search(query, k=5, refine=True)
    vector = index.vectorize(query)
    brute = (index.vectors[hits.indices] @ vector.T).toarray().ravel()
    np.testing.assert_allclose(hits.cosines, brute, rtol=1e-5)
    assert np.all(np.diff(hits.cosines) <= 1e-7)
    candidates = hamming_search(index.hashes, index.hash(query), 50)[0][0]
    assert set(hits.indices) <= set(candidates)


def test_save_load_roundtrip(index, tmp_path):
    index.save(tmp_path / "idx")
    again = SemanticHashIndex.load(tmp_path / "idx")
    assert np.array_equal(again.hashes, index.hashes) and again.names == index.names
    for refine in (False, True):
        a, b = index.search("vaccine for the infection", k=6, refine=refine), \
            again.search("vaccine for the infection", k=6, refine=refine)
        assert np.array_equal(a.indices, b.indices) and np.array_equal(a.distances, b.distances)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_failed_save_keeps_the_old_index(index, tmp_path, monkeypatch):
    import aekit.text.index as module

    index.save(tmp_path / "idx")
    before = {p.name: p.read_bytes() for p in (tmp_path / "idx").iterdir() if p.is_file()}

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(module, "save_numpy", fail)
    with pytest.raises(OSError, match="disk full"):
        index.save(tmp_path / "idx")
    after = {p.name: p.read_bytes() for p in (tmp_path / "idx").iterdir() if p.is_file()}
    assert after == before and [p.name for p in tmp_path.iterdir()] == ["idx"]
    SemanticHashIndex.load(tmp_path / "idx")


def test_save_refuses_a_folder_of_other_files(index, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ModelFileError, match="holds other files"):
        index.save(tmp_path)


# Refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize("bits", [0, 4, 12, 264, 32.0])
def test_bits_must_be_whole_bytes_in_range(corpus, bits):
    with pytest.raises(ConfigError, match="bits must be a multiple of 8 from 8 to 256"):
        SemanticHashIndex.from_folder(corpus, bits=bits)


def test_k_larger_than_the_collection(index):
    with pytest.raises(ConfigError, match="k=73 is larger than the collection, which holds 72 items"):
        index.search("rocket", k=73)


def test_query_with_no_known_word(index):
    with pytest.raises(InputError, match="the query has no word the index knows"):
        index.search("zzyzx qwerty the and")


@pytest.mark.parametrize("damage, message", [
    ("missing", "no index folder"),
    ("no_json", "index.json is missing"),
    ("bad_json", "index.json is not readable JSON"),
    ("bad_arrays", "arrays.safetensors is not a readable safetensors file"),
    ("no_model", "no model folder"),
])
def test_damaged_index(index, tmp_path, damage, message):
    folder = tmp_path / "idx"
    if damage != "missing":
        index.save(folder)
    if damage == "no_json":
        (folder / "index.json").unlink()
    elif damage == "bad_json":
        (folder / "index.json").write_text("{not json")
    elif damage == "bad_arrays":
        (folder / "arrays.safetensors").write_bytes(b"\x00" * 20)
    elif damage == "no_model":
        import shutil

        shutil.rmtree(folder / "model")
    with pytest.raises(ModelFileError, match=message):
        SemanticHashIndex.load(folder)


# Reading folders ------------------------------------------------------------------------------
def test_empty_folder(tmp_path):
    with pytest.raises(DataError, match="holds no readable text files \\(it is empty\\)"):
        read_text_folder(tmp_path)


def test_folder_of_binary_and_empty_files(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"\x89PNG\x00\x01\x02")
    (tmp_path / "b.txt").write_text("  \n")
    with pytest.raises(DataError, match="no readable text files \\(2 files: 1 empty, 1 binary\\)"):
        read_text_folder(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(MissingDataError, match="no folder at"):
        read_text_folder(tmp_path / "nope")


def test_non_utf8_files_are_read_as_latin1_and_said(tmp_path, caplog):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "café.txt").write_bytes("un café à Paris".encode("latin-1"))
    (tmp_path / "plain.txt").write_text("plain words", encoding="utf-8")
    (tmp_path / ".hidden").write_text("skipped")
    with caplog.at_level(logging.WARNING):
        docs = read_text_folder(tmp_path)
    assert docs.names == ["plain.txt", "sub/café.txt"] and docs.texts[1] == "un café à Paris"
    assert "1 of 2 files were not UTF-8; read them as latin-1" in caplog.text


def test_strip_mail_headers_keeps_the_subject():
    mail = "From: a@b.c\nSubject: Shuttle launch\nNewsgroups: sci.space\n  continued\n\nThe body.\n"
    assert strip_mail_headers(mail) == "Shuttle launch\n\nThe body.\n"
    assert strip_mail_headers("Dear all: hello\nnot a header line\n\nbody") .startswith("Dear all")


def test_documents_of_only_stop_words(tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text("the and of it 12 34")
    with pytest.raises(DataError, match="the documents hold no usable words"):
        SemanticHashIndex.from_folder(tmp_path, bits=8, epochs=1)


def test_real_newsgroups_subset(tmp_path):
    root = shared_path("newsgroups", "mini_newsgroups")
    docs = read_text_folder(root / "sci.space", strip_headers=True, progress=False)
    assert len(docs) == 100 and all(docs.titles) and docs.latin1
    assert not any(text.startswith(("Xref:", "Path:", "From:")) for text in docs.texts)


def test_a_model_with_real_codes_is_split_at_medians(corpus):
    import aekit

    model = aekit.AutoEncoder(architecture="mlp", hidden=(32,), code_size=8, epochs=3,
                              random_state=0, verbose=False)
    index = SemanticHashIndex.from_folder(corpus, bits=8, model=model)
    assert not np.allclose(index.thresholds, 0.5)
    assert np.all(np.abs(unpack_bits(index.hashes).mean(axis=0) - 0.5) <= 0.1)  # bits split in half
