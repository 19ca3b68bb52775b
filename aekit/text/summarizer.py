"""TextSummarizer: an auto-encoder whose code is a short text, trained without any
paired summaries (Wang & Lee, EMNLP 2018).

The generator writes a summary of each document by picking its words in order; a
reconstructor rebuilds the document from that summary alone; a discriminator, trained
on human-written headlines of *other* documents, pushes the summary to read like a
headline. All three train under aekit's one trainer with two optimizers (generator and
reconstructor; discriminator), the straight-through Gumbel-softmax carrying gradients
through the discrete choice (see :mod:`aekit.text.summarizer_net`).

>>> s = TextSummarizer(max_words=8).fit(articles, readable=headlines)   # doctest: +SKIP
>>> s.transform(["at least two people were killed in ..."])             # doctest: +SKIP
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from aekit import params as P
from aekit.base import NeuralEstimator, seeded_init, training_rules
from aekit.errors import DataError, InputError
from aekit.nn.objective import BaseObjective, LossTerms
from aekit.registry import ESTIMATORS
from aekit.text import subwords
from aekit.text.summarizer_net import SummarizerNet, split_table
from aekit.train import OptimizerSpec, RepeatedSource, TensorSource, resolve_device

logger = logging.getLogger(__name__)

MIN_DOCUMENTS = 200
MIN_READABLE = 100
MIN_STEPS_PER_EPOCH = 200
INFERENCE_BATCH = 256


class TextAutoEncoding(BaseObjective):
    """Per batch of (document, unrelated headline) rows: the "main" optimizer lowers the
    document's reconstruction loss plus ``adversarial`` times the generator's GAN loss
    (switched on after ``pretrain`` of the budget, then ramped up over as much again);
    the "disc" optimizer trains the discriminator on headlines against summaries."""

    def __init__(self, doc_tokens: int, length: int, adversarial: float, pretrain: float,
                 temperatures: tuple[float, float]):
        self.doc_tokens = doc_tokens
        self.length = length
        self.adversarial = adversarial
        self.pretrain = pretrain
        self.temperatures = temperatures

    def optimizers(self, module):
        disc = list(module.discriminator.parameters())
        own = {id(p) for p in disc}
        rest = [p for p in module.parameters() if id(p) not in own]
        specs = [OptimizerSpec("main", rest, clip_grad_norm=5.0)]
        if self.adversarial > 0:
            specs.append(OptimizerSpec("disc", disc, clip_grad_norm=5.0))
        return specs

    def _split(self, batch):
        docs, heads = batch[:, :2 * self.doc_tokens], batch[:, 2 * self.doc_tokens:]
        return _trimmed(*split_table(docs)), _trimmed(*split_table(heads))

    def _temperature(self, progress: float) -> float:
        start, end = self.temperatures
        return start + (end - start) * progress

    def _weight(self, progress: float) -> float:
        if progress < self.pretrain:
            return 0.0
        return self.adversarial * min(1.0, (progress - self.pretrain) / max(self.pretrain, 1e-6))

    def __call__(self, module: SummarizerNet, batch, info) -> LossTerms:
        (ids, word_of), (h_ids, h_word_of) = self._split(batch)
        tau = self._temperature(info.progress)
        noise = info.generator if info.training else None
        if info.optimizer == "disc":
            with torch.no_grad():
                words, n_words = module.words(ids, word_of)
                picked = module.generator(words, n_words, self.length, tau, noise)
                fake = picked.choice @ words
            real, real_mask = module.headline_words(h_ids, h_word_of, self.length)
            loss = (F.binary_cross_entropy_with_logits(module.judge(real, real_mask),
                                                       torch.full((len(real),), 0.9, device=real.device))
                    + F.binary_cross_entropy_with_logits(module.judge(fake, picked.mask),
                                                         torch.zeros(len(fake), device=fake.device)))
            return LossTerms(loss, {"d": loss.detach()})
        out = module(ids, word_of, self.length, tau, noise)
        terms = {"recon": out.recon_loss.detach()}
        loss = out.recon_loss
        weight = self._weight(info.progress)
        if self.adversarial > 0:
            words, _ = module.words(ids, word_of)
            fake = out.picked.choice @ words.detach()  # the generator's choice only
            adv = F.binary_cross_entropy_with_logits(module.judge(fake, out.picked.mask),
                                                     torch.ones(len(fake), device=fake.device))
            terms["adv"] = adv.detach()
            if weight > 0 and info.training:
                loss = loss + weight * adv
        return LossTerms(loss, terms, out.recon_loss)


@ESTIMATORS.register("text_summarizer")
class TextSummarizer(NeuralEstimator):
    """Unsupervised summarization: documents in, short readable summaries out.

    Parameters
    ----------
    max_words : int, default=8
        Words per summary in training (and by default in :meth:`transform`).
    vocab_size : int, default=8000
        Subwords of the BPE tokenizer learned from the training texts.
    dim, hidden : int, default=128, 192
        Embedding and GRU sizes.
    max_doc_words, max_doc_tokens : int, default=48, 64
        A document's first words that are read (the rest is cut, with a note).
    adversarial_weight : float, default=1.0
        Weight of the discriminator's loss for the generator; 0 trains the plain
        auto-encoder (no discriminator, ``readable`` not needed).
    pretrain_fraction : float, default=0.2
        Share of the steps that train reconstruction (and the discriminator) before the
        generator hears the discriminator; it is then ramped in over as many steps.
    temperature : (float, float), default=(1.0, 0.5)
        Gumbel-softmax temperature at the start and at the end of training.
    lowercase : bool, default=True
        Lower-case texts for the model (summaries keep the document's own casing).
    max_steps : int or None, default=None
        Optimizer steps; None: 6,000.
    batch_size, learning_rate, weight_decay, lr_schedule, validation_fraction, device,
    mixed_precision, checkpoint_dir, checkpoint_every, verbose, random_state
        As for every aekit model (see :class:`aekit.AutoEncoder`).

    Attributes
    ----------
    module_ : SummarizerNet
    tokenizer_ : tokenizers.Tokenizer
    n_documents_, n_readable_ : int
        Texts it was fitted on.
    """

    _rules: dict[str, P.Rule] = {
        "max_words": P.integer(1),
        "vocab_size": P.integer(100),
        "dim": P.integer(1),
        "hidden": P.integer(2),
        "max_doc_words": P.integer(2),
        "max_doc_tokens": P.integer(2),
        "adversarial_weight": P.real(0.0),
        "pretrain_fraction": P.interval(0.0, 0.5),
        "temperature": P.Rule("a pair of positive numbers",
                              lambda v: isinstance(v, (tuple, list)) and len(v) == 2
                              and all(P.is_real(t) and t > 0 for t in v)),
        "lowercase": P.BOOLEAN,
        **training_rules("max_steps", "batch_size", "learning_rate", "weight_decay",
                         "lr_schedule", "validation_fraction", "device", "mixed_precision",
                         "checkpoint_dir", "checkpoint_every", "verbose", "random_state"),
    }
    DEFAULT_STEPS = 6000

    def __init__(self, *, max_words=8, vocab_size=8000, dim=128, hidden=192,
                 max_doc_words=48, max_doc_tokens=64, adversarial_weight=1.0,
                 pretrain_fraction=0.2, temperature=(1.0, 0.5), lowercase=True,
                 max_steps=None, batch_size=64, learning_rate=1e-3, weight_decay=0.0,
                 lr_schedule="cosine", validation_fraction=0.02, device="auto",
                 mixed_precision="auto", checkpoint_dir=None, checkpoint_every=1,
                 verbose="auto", random_state=None):
        self.max_words = max_words
        self.vocab_size = vocab_size
        self.dim = dim
        self.hidden = hidden
        self.max_doc_words = max_doc_words
        self.max_doc_tokens = max_doc_tokens
        self.adversarial_weight = adversarial_weight
        self.pretrain_fraction = pretrain_fraction
        self.temperature = temperature
        self.lowercase = lowercase
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.validation_fraction = validation_fraction
        self.device = device
        self.mixed_precision = mixed_precision
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.verbose = verbose
        self.random_state = random_state

    def _new_module(self) -> SummarizerNet:
        return SummarizerNet(self.tokenizer_.get_vocab_size(), self.dim, self.hidden,
                             self.max_doc_words)

    # Fitting ------------------------------------------------------------------------------
    def fit(self, X, y=None, *, readable=None, resume: bool = False):
        """Learn from documents ``X`` (a list of strings) and, for the discriminator,
        ``readable``: human-written short texts (headlines, titles) that are *not* the
        summaries of ``X``. ``y`` is ignored. Returns self."""
        P.check_params(self, self._rules)
        docs = _texts(X, "X")
        heads = _texts(readable, "readable") if readable is not None else []
        if len(docs) < MIN_DOCUMENTS:
            raise DataError(f"{len(docs)} non-empty documents are too few to learn from; "
                            f"give at least {MIN_DOCUMENTS}")
        if self.adversarial_weight > 0 and len(heads) < MIN_READABLE:
            raise DataError(f"the discriminator needs at least {MIN_READABLE} human-written "
                            f"short texts (readable=), got {len(heads)}; or set "
                            "adversarial_weight=0")
        seed = self._seed()
        self.device_ = resolve_device(self.device)
        if not hasattr(self, "tokenizer_") or not hasattr(self, "module_"):
            self.tokenizer_ = subwords.train_tokenizer(docs + heads, self.vocab_size, self.lowercase)
            with seeded_init(seed):
                self.module_ = self._new_module()
        table = self._training_table(docs, heads, seed)
        self.n_documents_, self.n_readable_ = len(docs), len(heads)
        self.module_.to(self.device_).train()
        source = TensorSource(table)
        passes = max(1, -(-MIN_STEPS_PER_EPOCH * self.batch_size // len(source)))
        objective = TextAutoEncoding(self.max_doc_tokens, int(self.max_words),
                                     float(self.adversarial_weight),
                                     float(self.pretrain_fraction), tuple(self.temperature))
        # GRUs and pointer masks with -1e9 scores: float32 throughout
        self._train(self.module_, objective, RepeatedSource(source, passes), seed,
                    resume=resume, epochs=None, max_steps=self.max_steps or self.DEFAULT_STEPS,
                    patience=None, mixed_precision=False)
        self.module_.eval()
        return self

    def _training_table(self, docs, heads, seed) -> torch.Tensor:
        enc = subwords.encode(self.tokenizer_, docs, self.max_doc_words, self.max_doc_tokens)
        keep = enc.n_words >= 2
        table = enc.table()[torch.from_numpy(keep)]
        if self.adversarial_weight == 0:
            heads = docs[:1]  # a placeholder column: never read
        h = subwords.encode(self.tokenizer_, heads, self.max_words, 4 * self.max_words)
        # the discriminator compares summaries with headlines of the same length
        full = h.n_words >= (self.max_words if self.adversarial_weight > 0 else 0)
        if self.adversarial_weight > 0 and full.sum() < MIN_READABLE:
            raise DataError(f"only {int(full.sum())} readable texts have {self.max_words} "
                            f"words or more; the discriminator needs {MIN_READABLE}")
        h_table = h.table()[torch.from_numpy(full)]
        rng = np.random.default_rng(seed)
        pairing = torch.from_numpy(rng.integers(0, len(h_table), len(table)))
        return torch.cat([table, h_table[pairing]], 1)

    # Summaries ----------------------------------------------------------------------------
    def transform(self, X, max_words: int | None = None) -> list[str]:
        """One summary per document of ``X`` (a list of strings), in order; an empty
        document gets an empty summary."""
        check_is_fitted(self)
        texts = [("" if t is None else str(t)) for t in X]
        length = int(self.max_words if max_words is None else max_words)
        P.check_argument("max_words", length, P.integer(1))
        out = [""] * len(texts)
        self.truncated_ = 0
        self.module_.eval()
        for start in range(0, len(texts), INFERENCE_BATCH):
            part = texts[start:start + INFERENCE_BATCH]
            for i, summary in enumerate(self._summarize_batch(part, length)):
                out[start + i] = summary
        return out

    def fit_transform(self, X, y=None, **fit_params) -> list[str]:
        return self.fit(X, y, **fit_params).transform(X)

    def _summarize_batch(self, texts, length):
        enc = subwords.encode(self.tokenizer_, texts, self.max_doc_words, self.max_doc_tokens)
        self.truncated_ += enc.truncated
        nonempty = np.flatnonzero(enc.n_words > 0)
        summaries = [""] * len(texts)
        if not len(nonempty):
            return summaries
        ids, word_of = _trimmed(torch.from_numpy(enc.ids[nonempty]).to(self.device_),
                                torch.from_numpy(enc.word_of[nonempty]).to(self.device_))
        with torch.no_grad():
            picked = self.module_.summarize(ids, word_of, length)
        for row, index in zip(nonempty, picked.index.cpu().numpy()):
            summaries[row] = subwords.render(texts[row], enc.spans[row], [i for i in index if i >= 0])
        return summaries

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "module_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    # Saving -------------------------------------------------------------------------------
    def _fitted_state(self):
        meta = {"tokenizer": self.tokenizer_.to_str(), "n_documents": self.n_documents_,
                "n_readable": self.n_readable_}
        meta.update(self._training_meta())
        return meta, self._module_tensors(self.module_)

    def _restore_fitted_state(self, meta, tensors) -> None:
        self.device_ = resolve_device(self.device)
        self._restore_training_meta(meta)
        self.tokenizer_ = subwords.load_tokenizer(meta["tokenizer"])
        self.n_documents_, self.n_readable_ = int(meta["n_documents"]), int(meta["n_readable"])
        self.module_ = self._load_module(self._new_module(), tensors)


def _trimmed(ids, word_of):
    """Without the padding columns that no row of this batch uses (rows are padded to
    the longest document allowed; most are far shorter)."""
    used = max(int((ids != subwords.PAD_ID).sum(1).max()), 1)
    return ids[:, :used], word_of[:, :used]


def _texts(X, name: str) -> list[str]:
    if isinstance(X, str):
        raise InputError(f"{name} must be a list of texts, not one string")
    try:
        texts = [str(t) for t in X if t is not None]
    except TypeError:
        raise InputError(f"{name} must be a list of texts, got {type(X).__name__}") from None
    return [t for t in texts if t.strip()]
