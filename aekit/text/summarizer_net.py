"""The torch parts of the summarizer: an auto-encoder whose code is a word sequence.

- :class:`WordPicker` (the generator, the encoder of the auto-encoder): reads the
  document's words and writes the summary by pointing at them, one word per step, each
  after the one before (a pointer network restricted to copying, in order). In
  training the choice is a straight-through Gumbel-softmax sample (Jang et al. 2017):
  the forward pass uses one word, the gradient flows through the soft choice, so the
  reconstruction loss and the discriminator teach the generator directly (no REINFORCE
  variance).
- :class:`Reconstructor` (the decoder): rebuilds the document's subwords from the
  summary's word vectors alone (a GRU with attention over them): a summary that keeps
  what the document says is a summary it can rebuild the document from.
- :class:`Discriminator`: tells human-written headlines from the generator's summaries,
  both as sequences of the same word vectors, so the summary learns to read like a
  headline (Wang & Lee 2018).

Word vectors are the mean of a word's subword embeddings (:func:`word_vectors`).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from aekit.text.subwords import BOS_ID, EOS_ID, PAD_ID

NEG = -1e9


def split_table(table: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids, word_of) from an :meth:`~aekit.text.subwords.Encoded.table` batch."""
    half = table.shape[1] // 2
    return table[:, :half], table[:, half:]


def word_vectors(emb: torch.Tensor, word_of: torch.Tensor, n_words: int) -> torch.Tensor:
    """(B, W, d): the mean subword embedding of each word (zeros past a text's words)."""
    slots = torch.arange(n_words, device=word_of.device)
    member = (word_of[:, None, :] == slots[None, :, None]).to(emb.dtype)  # (B, W, T)
    return member @ emb / member.sum(-1, keepdim=True).clamp_min(1.0)


class Picked(NamedTuple):
    choice: torch.Tensor  # (B, K, W) one-hot per step (straight-through in training)
    index: torch.Tensor  # (B, K) the picked word, -1 where the summary has ended
    mask: torch.Tensor  # (B, K) True on the summary's words
    logits: torch.Tensor  # (B, K, W) masked pointer scores


class WordPicker(nn.Module):
    def __init__(self, dim: int, hidden: int, max_positions: int):
        super().__init__()
        self.position = nn.Embedding(max_positions, dim)
        self.encoder = nn.GRU(dim, hidden, batch_first=True, bidirectional=True)
        self.start = nn.Parameter(torch.zeros(2 * hidden))
        self.init = nn.Linear(2 * hidden, 2 * hidden)
        self.cell = nn.GRUCell(2 * hidden, 2 * hidden)
        self.query = nn.Linear(2 * hidden, 2 * hidden)
        self.key = nn.Linear(2 * hidden, 2 * hidden)

    def forward(self, words: torch.Tensor, n_words: torch.Tensor, length: int,
                temperature: float = 1.0, generator: torch.Generator | None = None) -> Picked:
        """Pick ``min(length, n_words)`` words of each document, in order. With a
        ``generator``: Gumbel-softmax samples; without: the best word at each step."""
        B, W, _ = words.shape
        pos = torch.arange(W, device=words.device)
        valid = pos[None, :] < n_words[:, None]
        states, _ = self.encoder(words + self.position(pos.clamp_max(self.position.num_embeddings - 1)))
        states = states * valid[..., None]
        keys = self.key(states)
        h = torch.tanh(self.init(states.sum(1) / n_words.clamp_min(1)[:, None].to(states.dtype)))
        x = self.start.expand(B, -1)
        last = torch.full((B,), -1, device=words.device, dtype=torch.long)
        k = torch.minimum(n_words, torch.full_like(n_words, length))
        choices, indices, masks, all_logits = [], [], [], []
        for t in range(length):
            h = self.cell(x, h)
            scores = (keys @ self.query(h)[:, :, None]).squeeze(-1) / keys.shape[-1] ** 0.5
            # in order, and leave room for the words still to come
            room = pos[None, :] <= (n_words - (k - t))[:, None]
            allowed = valid & (pos[None, :] > last[:, None]) & room
            active = t < k
            allowed = allowed | ~active[:, None]  # ended rows: anything (masked out below)
            logits = scores.masked_fill(~allowed, NEG)
            choice = self._choose(logits, temperature, generator)
            choice = choice * active[:, None].to(choice.dtype)
            index = torch.where(active, choice.argmax(-1), torch.full_like(last, -1))
            last = torch.where(active, index, last)
            x = (choice[:, None, :] @ states).squeeze(1)
            choices.append(choice), indices.append(index), masks.append(active)
            all_logits.append(logits)
        return Picked(torch.stack(choices, 1), torch.stack(indices, 1),
                      torch.stack(masks, 1), torch.stack(all_logits, 1))

    @staticmethod
    def _choose(logits, temperature, generator):
        if generator is None:
            return F.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
        u = torch.rand(logits.shape, generator=generator, device=logits.device)
        gumbel = -torch.log(-torch.log(u.clamp(1e-9, 1 - 1e-9)))
        soft = F.softmax((logits + gumbel) / temperature, -1)
        hard = F.one_hot(soft.argmax(-1), logits.shape[-1]).to(soft.dtype)
        return hard - soft.detach() + soft  # straight-through


class Reconstructor(nn.Module):
    """Summary word vectors (B, K, d) -> logits of the document's subwords (B, T, V)."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.encoder = nn.GRU(dim, hidden, batch_first=True, bidirectional=True)
        self.init = nn.Linear(2 * hidden, hidden)
        self.decoder = nn.GRU(dim, hidden, batch_first=True)
        self.attend = nn.Linear(hidden, 2 * hidden, bias=False)
        self.combine = nn.Linear(3 * hidden, dim)

    def forward(self, summary, mask, inputs, embedding: nn.Embedding) -> torch.Tensor:
        states, _ = self.encoder(summary)
        states = states * mask[..., None]
        mean = states.sum(1) / mask.sum(1, keepdim=True).clamp_min(1).to(states.dtype)
        h0 = torch.tanh(self.init(mean))[None]
        out, _ = self.decoder(embedding(inputs), h0.contiguous())
        scores = self.attend(out) @ states.transpose(1, 2)  # (B, T, K)
        scores = scores.masked_fill(~mask[:, None, :], NEG)
        context = F.softmax(scores, -1) @ states
        mixed = torch.tanh(self.combine(torch.cat([out, context], -1)))
        return mixed @ embedding.weight.t()  # tied output embedding


class Discriminator(nn.Module):
    """A word-vector sequence (B, K, d) with its mask -> the logit of "human-written"."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.rnn = nn.GRU(dim, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Sequential(nn.Linear(4 * hidden, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, 1))

    def forward(self, words, mask):
        states, _ = self.rnn(words)
        m = mask[..., None].to(states.dtype)
        mean = (states * m).sum(1) / m.sum(1).clamp_min(1)
        top = states.masked_fill(m == 0, NEG).amax(1)
        return self.out(torch.cat([mean, top], -1)).squeeze(-1)


class SummaryOutput(NamedTuple):
    picked: Picked
    summary: torch.Tensor  # (B, K, d) word vectors of the summary
    recon_loss: torch.Tensor  # mean cross-entropy per subword of the rebuilt document


class SummarizerNet(nn.Module):
    """Embedding + generator + reconstructor + discriminator, trained as one module."""

    def __init__(self, vocab_size: int, dim: int = 128, hidden: int = 192,
                 max_positions: int = 64):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=PAD_ID)
        self.generator = WordPicker(dim, hidden, max_positions)
        self.reconstructor = Reconstructor(dim, hidden)
        self.discriminator = Discriminator(dim, hidden // 2)

    def words(self, ids, word_of):
        n_words = word_of.max(1).values + 1
        width = max(int(n_words.max()), 1)
        return word_vectors(self.embedding(ids), word_of, width), n_words

    def summarize(self, ids, word_of, length: int, temperature: float = 1.0,
                  generator: torch.Generator | None = None) -> Picked:
        words, n_words = self.words(ids, word_of)
        return self.generator(words, n_words, length, temperature, generator)

    def forward(self, ids, word_of, length: int, temperature: float = 1.0,
                generator: torch.Generator | None = None) -> SummaryOutput:
        words, n_words = self.words(ids, word_of)
        picked = self.generator(words, n_words, length, temperature, generator)
        summary = picked.choice @ words
        return SummaryOutput(picked, summary, self.reconstruction_loss(summary, picked.mask, ids))

    def reconstruction_loss(self, summary, mask, ids) -> torch.Tensor:
        lengths = (ids != PAD_ID).sum(1)
        target = torch.cat([ids, torch.zeros_like(ids[:, :1])], 1)
        target[torch.arange(len(ids)), lengths] = EOS_ID
        inputs = torch.cat([torch.full_like(ids[:, :1], BOS_ID), ids], 1)
        logits = self.reconstructor(summary, mask, inputs, self.embedding)
        return F.cross_entropy(logits.flatten(0, 1).float(), target.flatten(), ignore_index=PAD_ID)

    def judge(self, words, mask) -> torch.Tensor:
        return self.discriminator(words, mask)

    def headline_words(self, ids, word_of, length: int):
        """Real headlines as the discriminator sees them: their first ``length`` word
        vectors (detached: the discriminator must not move the shared embedding)."""
        words, n_words = self.words(ids, word_of)
        words = words[:, :length].detach()
        mask = torch.arange(words.shape[1], device=ids.device)[None, :] < n_words[:, None]
        return words, mask
