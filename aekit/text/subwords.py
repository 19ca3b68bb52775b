"""Texts to words made of subwords: the summarizer's view of a document.

A byte-pair-encoding tokenizer (Hugging Face ``tokenizers``, a Rust wheel) is trained on
the user's own corpus, so rare names and numbers split into known pieces instead of
becoming "unknown". Words are the whitespace-separated pieces of the text: the
summarizer picks whole words (a summary is always readable words of the document) and
each word's vector is the mean of its subwords' embeddings.

A batch of texts becomes one int64 table (:class:`Encoded`): per text its subword ids
(0 is padding), the word each subword belongs to (-1 on padding) and the character span
of each word in the original text, so a summary is rendered from the text as written
(its casing and punctuation), not from the lower-cased tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<s>", "</s>"
SPECIALS = [PAD, UNK, BOS, EOS]
PAD_ID, UNK_ID, BOS_ID, EOS_ID = range(4)
# punctuation that is cut off the ends of a word in a summary ("prices," -> "prices")
EDGE_PUNCTUATION = ",.;:!?\"'()[]{}`“”‘’"


def train_tokenizer(texts, vocab_size: int, lowercase: bool = True):
    """A BPE tokenizer learned from ``texts`` (an iterable of strings)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token=UNK))
    steps = [normalizers.NFKC()] + ([normalizers.Lowercase()] if lowercase else [])
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS,
                                  min_frequency=2, show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def load_tokenizer(serialized: str):
    from tokenizers import Tokenizer

    return Tokenizer.from_str(serialized)


@dataclass
class Encoded:
    """Texts as padded tables: ``ids`` and ``word_of`` (n, max_tokens), ``spans`` per text
    (start, end) of each kept word, and ``truncated`` (how many texts lost words)."""

    ids: np.ndarray
    word_of: np.ndarray
    spans: list[list[tuple[int, int]]]
    truncated: int

    @property
    def n_words(self) -> np.ndarray:
        return self.word_of.max(axis=1) + 1

    def table(self) -> torch.Tensor:
        """ids and word_of side by side: (n, 2 * max_tokens), for the trainer's sources."""
        return torch.from_numpy(np.concatenate([self.ids, self.word_of], axis=1))


def encode(tokenizer, texts: list[str], max_words: int, max_tokens: int) -> Encoded:
    """Each text's first words, as many as fit in ``max_words`` words and ``max_tokens``
    subwords (the rest is cut: :attr:`Encoded.truncated` counts such texts)."""
    ids = np.zeros((len(texts), max_tokens), dtype=np.int64)
    word_of = np.full((len(texts), max_tokens), -1, dtype=np.int64)
    spans, truncated = [], 0
    for row, enc in enumerate(tokenizer.encode_batch(list(texts), add_special_tokens=False)):
        words, kept = [], 0
        for i, (tid, w) in enumerate(zip(enc.ids, enc.word_ids)):
            if w is None:
                continue
            if w >= max_words or i >= max_tokens:
                truncated += 1
                break
            if not words or words[-1][0] != w:
                words.append([w, enc.offsets[i][0], enc.offsets[i][1]])
            words[-1][2] = enc.offsets[i][1]
            ids[row, kept], word_of[row, kept] = tid, len(words) - 1
            kept += 1
        # a word cut in the middle by max_tokens is dropped whole
        if kept and kept == max_tokens and len(enc.ids) > max_tokens and \
                enc.word_ids[max_tokens] == enc.word_ids[max_tokens - 1]:
            last = word_of[row, kept - 1]
            cut = word_of[row] == last
            ids[row, cut], word_of[row, cut] = PAD_ID, -1
            words.pop()
        spans.append([(s, e) for _, s, e in words])
    return Encoded(ids, word_of, spans, truncated)


def render(text: str, spans: list[tuple[int, int]], picked) -> str:
    """The summary: the picked words of ``text`` in order, as written there."""
    words = []
    for p in picked:
        word = _tidy(text[spans[p][0]:spans[p][1]])
        if word:
            words.append(word)
    return " ".join(words)


def _tidy(word: str) -> str:
    """A word without the punctuation around it, except what belongs to it: the period
    of an abbreviation ("u.s."), a clitic's apostrophe ("'s", "n't")."""
    if word[:1] in "'’" and word[1:].isalpha() and len(word) <= 4:
        return word
    tidy = word.strip(EDGE_PUNCTUATION)
    if word.endswith(".") and "." in tidy:
        tidy += "."
    return tidy
