"""The default hash net: its LSA + ITQ start, the neighbourhood it rebuilds, small data."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from aekit.search import hamming_search, unpack_bits
from aekit.text import SemanticHashIndex
from aekit.text.hashing import (LOGIT_SCALE, default_model, lsa_start, model_input, net_input,
                                neighbourhoods, start_seed, training_input)
from aekit.text.vectorizer import fit_vectorizer

from tests.text.test_index import TOPICS


def topic_texts(per_topic=20, seed=0):
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(words.split(), 12)) for words in TOPICS.values() for _ in range(per_topic)]


@pytest.fixture(scope="module")
def vectors():
    return fit_vectorizer(topic_texts()).transform(topic_texts())


def test_neighbourhood_is_the_mean_of_the_nearest_other_documents():
    rows = sp.csr_matrix(np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.1, 0.8, 0.2]], dtype=np.float32))
    rows = sp.csr_matrix(rows.multiply(1 / np.sqrt(rows.multiply(rows).sum(axis=1))))
    dense = net_input(rows)
    near = neighbourhoods(rows, k=1)
    np.testing.assert_allclose(near, dense[[1, 0, 3, 2]], rtol=1e-6)  # never itself
    np.testing.assert_allclose(neighbourhoods(rows, k=2)[0], dense[[1, 3]].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(neighbourhoods(rows[:1], k=10), dense[:1])  # one document: its own


def test_training_input_is_document_then_neighbourhood(vectors):
    rows = training_input(vectors)
    assert rows.shape == (vectors.shape[0], 2 * vectors.shape[1]) and rows.dtype == np.float32
    np.testing.assert_allclose(rows[:, :vectors.shape[1]], net_input(vectors))


def test_the_untrained_net_hashes_as_itq_of_lsa(vectors):
    weight, bias = lsa_start(vectors, 16, seed=start_seed(0))
    logits = net_input(vectors) @ weight.numpy().T + bias.numpy()
    assert logits.mean(axis=0) == pytest.approx(np.zeros(16), abs=1e-3)  # centred: bits split
    assert logits.std() == pytest.approx(LOGIT_SCALE, rel=1e-3)
    rotation = weight.numpy() @ weight.numpy().T  # rows: scaled orthonormal LSA directions, rotated
    np.testing.assert_allclose(rotation / rotation[0, 0], np.eye(16), atol=1e-3)
    model = default_model(vectors, 16, epochs=1, random_state=0, verbose=False)
    encoder = model.encoder.eval()
    with torch.no_grad():
        out = encoder(torch.from_numpy(model_input(model, vectors))).numpy()
    np.testing.assert_allclose(out, logits, rtol=1e-4, atol=1e-4)


def test_the_encoder_reads_only_the_document(vectors):
    model = default_model(vectors, 16, epochs=1, random_state=0, verbose=False)
    rows = torch.from_numpy(training_input(vectors))
    blanked = rows.clone()
    blanked[:, vectors.shape[1]:] = 0
    with torch.no_grad():
        assert torch.equal(model.encoder(rows), model.encoder(blanked))


def test_more_bits_than_documents(tmp_path):
    texts = ["orbit shuttle rocket", "engine brake wheel", "doctor patient vaccine", "moon orbit launch",
             "tire clutch engine"]
    index = SemanticHashIndex.build(texts, 64, epochs=2, verbose=False)
    assert index.hashes.shape == (5, 8)
    index.save(tmp_path / "idx")
    assert np.array_equal(SemanticHashIndex.load(tmp_path / "idx").hash(texts), index.hashes)


def test_default_hashes_keep_the_topics_apart():
    texts = topic_texts(per_topic=30, seed=1)
    index = SemanticHashIndex.build(texts, 32, epochs=5, random_state=0, verbose=False)
    topics = np.repeat(np.arange(3), 30)
    neighbours = hamming_search(index.hashes, index.hashes, 11)[0][:, 1:]  # leave-one-out top 10
    assert (topics[neighbours] == topics[:, None]).mean() > 0.9  # chance: 1/3
    bits = unpack_bits(index.hashes).astype(int)
    distance = (bits[:, None] != bits[None]).sum(axis=2)
    same = topics[:, None] == topics[None]
    assert distance[same].mean() < 0.75 * distance[~same].mean()
