"""TF-IDF vectors of documents, and saving the vectorizer without pickle.

The defaults are generic, not tuned to one collection: English stop words removed,
words of two or more letters (numbers, ids and dates carry little topic), words kept only
if in at least 2 documents and at most half of them, the ``max_words`` most frequent
kept (2,000 as in Salakhutdinov & Hinton's semantic hashing), sublinear tf (1 + log tf:
a word said ten times is not ten times as telling) and rows scaled to unit length so
that a dot product is a cosine.

What a fitted vectorizer needs to vectorize a new text is its settings, its vocabulary
(in column order) and the idf weights: the settings and vocabulary go in JSON, the idf
weights in the index's safetensors file.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from aekit.errors import ConfigError, DataError, ModelFileError

MAX_WORDS = 2000
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}\b"  # two or more letters, no digits or underscores


def settings(max_words: int = MAX_WORDS, n_documents: int | None = None) -> dict:
    """The TfidfVectorizer settings aekit uses, as plain JSON-able values."""
    if not isinstance(max_words, (int, np.integer)) or isinstance(max_words, bool) or max_words < 1:
        raise ConfigError(f"max_words must be a whole number of at least 1, got {max_words!r}")
    # A word seen in one document only cannot link two documents; in collections too small
    # for that rule (a handful of files) keep every word.
    min_df = 2 if n_documents is None or n_documents >= 20 else 1
    max_df = 0.5 if n_documents is None or n_documents >= 20 else 1.0
    return {"lowercase": True, "strip_accents": "unicode", "stop_words": "english",
            "token_pattern": TOKEN_PATTERN, "min_df": min_df, "max_df": max_df,
            "max_features": int(max_words), "sublinear_tf": True, "norm": "l2"}


def fit_vectorizer(texts: list[str], max_words: int = MAX_WORDS) -> TfidfVectorizer:
    """A TfidfVectorizer fitted on ``texts`` with aekit's settings."""
    vectorizer = TfidfVectorizer(**settings(max_words, len(texts)), dtype=np.float32)
    try:
        vectorizer.fit(texts)
    except ValueError as exc:  # "empty vocabulary; perhaps the documents only contain stop words"
        raise DataError(f"the documents hold no usable words ({exc}); index text with "
                        "words of two or more letters") from None
    return vectorizer


def vectorizer_state(vectorizer: TfidfVectorizer) -> tuple[dict, np.ndarray]:
    """(JSON-able settings + vocabulary in column order, idf weights float32)."""
    vocabulary = vectorizer.vocabulary_
    words = sorted(vocabulary, key=vocabulary.get)
    params = {key: vectorizer.get_params()[key] for key in settings()}
    return {"params": params, "vocabulary": words}, np.asarray(vectorizer.idf_, dtype=np.float32)


def restore_vectorizer(state: dict, idf: np.ndarray) -> TfidfVectorizer:
    """The fitted vectorizer described by ``vectorizer_state``'s output."""
    try:
        params, words = dict(state["params"]), list(state["vocabulary"])
        if set(params) != set(settings()) or len(words) != len(idf) or len(set(words)) != len(words):
            raise ValueError("settings, vocabulary and idf weights do not match")
        vectorizer = TfidfVectorizer(**params, vocabulary={w: i for i, w in enumerate(words)},
                                     dtype=np.float32)
        vectorizer.idf_ = np.asarray(idf, dtype=np.float64)  # also marks the vocabulary as fitted
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"the saved vectorizer is damaged ({exc})") from None
    return vectorizer
