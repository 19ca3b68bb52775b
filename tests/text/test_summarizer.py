"""TextSummarizer on a small synthetic corpus (seconds), and the shipped summarizer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import aekit
from aekit.errors import DataError, InputError
from aekit.text import TextSummarizer

SUBJECTS = ["the council", "police", "the central bank", "a union", "the minister", "rebels",
            "the company", "voters", "farmers", "the court"]
VERBS = ["approved", "rejected", "announced", "delayed", "criticized", "backed"]
OBJECTS = ["a new budget", "the strike", "higher rates", "the merger", "an inquiry",
           "the election", "tax cuts", "a ceasefire"]
TAILS = ["on monday", "after long talks", "in the capital", "despite protests",
         "officials said", "according to reports"]


def corpus(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    pick = lambda words: words[rng.integers(len(words))]  # noqa: E731
    return [f"{pick(SUBJECTS)} {pick(VERBS)} {pick(OBJECTS)} {pick(TAILS)} , {pick(TAILS)} ."
            for _ in range(n)]


def headlines(n: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    pick = lambda words: words[rng.integers(len(words))]  # noqa: E731
    return [f"{pick(SUBJECTS)} {pick(VERBS)} {pick(OBJECTS)} {pick(TAILS)}" for _ in range(n)]


def tiny(**overrides) -> TextSummarizer:
    settings = dict(max_words=4, vocab_size=200, dim=16, hidden=16, max_steps=20,
                    batch_size=32, random_state=0, verbose=False)
    settings.update(overrides)
    return TextSummarizer(**settings)


@pytest.fixture(scope="module")
def fitted() -> TextSummarizer:
    return tiny().fit(corpus(240), readable=headlines(150))


def is_subsequence(summary: str, document: str) -> bool:
    words = iter(w.strip(",.") for w in document.split())
    return all(any(w == d for d in words) for w in summary.split())


def test_summaries_are_words_of_the_document_in_order(fitted):
    docs = corpus(30, seed=5)
    summaries = fitted.transform(docs)
    assert len(summaries) == len(docs)
    for doc, summary in zip(docs, summaries):
        assert 1 <= len(summary.split()) <= 4
        assert is_subsequence(summary, doc), (summary, doc)


def test_empty_documents_get_empty_summaries_in_place(fitted):
    docs = corpus(3, seed=6)
    out = fitted.transform([docs[0], "", "   ", docs[1], None, docs[2]])
    assert [bool(s) for s in out] == [True, False, False, True, False, True]


def test_max_words_at_transform_and_long_documents_noted(fitted):
    long_doc = " ".join(corpus(20, seed=7))  # far longer than max_doc_words
    out = fitted.transform([long_doc], max_words=2)
    assert len(out[0].split()) <= 2
    assert fitted.truncated_ == 1
    fitted.transform(corpus(2))
    assert fitted.truncated_ == 0


def test_save_and_load_keep_the_model(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    loaded = aekit.load(tmp_path / "m")
    assert isinstance(loaded, TextSummarizer)
    for name, tensor in fitted.module_.state_dict().items():
        assert torch.equal(tensor, loaded.module_.state_dict()[name]), name
    docs = corpus(20, seed=8)
    same = sum(a == b for a, b in zip(fitted.transform(docs), loaded.transform(docs)))
    assert same >= 18  # same weights; greedy picks could differ only on exact ties


def test_without_discriminator_needs_no_readable_texts():
    model = tiny(adversarial_weight=0.0, max_steps=5).fit(corpus(220))
    assert model.n_readable_ == 0
    assert all(model.transform(corpus(3, seed=9)))


def test_too_few_documents_are_refused():
    with pytest.raises(DataError, match="at least 200"):
        tiny().fit(corpus(50), readable=headlines(150))


def test_discriminator_without_readable_texts_is_refused():
    with pytest.raises(DataError, match="readable="):
        tiny().fit(corpus(220))
    with pytest.raises(DataError, match="4 words or more"):
        tiny().fit(corpus(220), readable=["short one"] * 150)


def test_one_string_instead_of_a_list_is_refused(fitted):
    with pytest.raises(InputError, match="list of texts"):
        tiny().fit("one long string")


def test_shipped_summarizer_writes_short_summaries_from_the_text():
    from aekit.text.shipped import shipped_summarizer

    model = shipped_summarizer()
    doc = ("The European Central Bank left its main interest rate unchanged on Thursday, "
           "saying inflation in the euro zone remained under control.")
    (summary,) = model.transform([doc])
    assert 3 <= len(summary.split()) <= model.max_words
    assert is_subsequence(summary, doc.replace(",", ""))
    assert "Bank" in summary or "rate" in summary  # the content words, as written
