"""The headline corpora beside the project (../shared/data/headlines), as unpaired
training texts for the summarizer and as held-out pairs for its benchmark.

Unsupervised means no pair is ever seen in training: documents come from one part of
each collection and the discriminator's headlines from another part, and the evaluation
sets (Gigaword's valid split, DUC-2003) are never read for training.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import shared_data_dir

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
GIGAWORD_DOC_PART = 5000  # gigaword train rows below: documents; from here on: headlines


def headlines_dir() -> Path:
    return shared_data_dir() / "headlines"


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").split("\n")[:-1]


def collection(name: str) -> dict[str, list[str]]:
    """Every file of one collection as a list of lines (aligned rows)."""
    folder = headlines_dir() / name
    return {p.stem: read_lines(p) for p in sorted(folder.glob("*.txt"))}


def first_sentence(text: str) -> str:
    return SENTENCE_END.split(text.strip(), maxsplit=1)[0]


@dataclass
class Corpus:
    documents: list[str]
    readable: list[str]


def training_corpus() -> Corpus:
    """Documents and unrelated headlines: Gigaword train (first half: documents, second
    half: headlines), Reuters-21578 (LEWISSPLIT train: first sentences; test: titles),
    AG News (even rows: descriptions; odd rows: titles) and BBC (even rows: first
    sentences; odd rows: titles)."""
    docs, heads = [], []
    giga = collection("gigaword")
    train = [i for i, s in enumerate(giga["split"]) if s == "train"]
    docs += [giga["documents"][i] for i in train[:GIGAWORD_DOC_PART]]
    heads += [giga["titles"][i] for i in train[GIGAWORD_DOC_PART:]]
    reuters = collection("reuters21578")
    for doc, title, split in zip(reuters["documents"], reuters["titles"], reuters["split"]):
        if split == "train" and doc.strip():
            docs.append(first_sentence(doc))
        elif split == "test" and title.strip():
            heads.append(title)
    for name, lead in (("ag_news", lambda d: d), ("bbc", first_sentence)):
        c = collection(name)
        docs += [lead(d) for d in c["documents"][0::2]]
        heads += c["titles"][1::2]
    return Corpus([d for d in docs if d.strip()], [h for h in heads if h.strip()])


@dataclass
class EvalSet:
    name: str
    documents: list[str]
    references: list[list[str]]  # one or more per document


def gigaword_valid(limit: int | None = None) -> EvalSet:
    giga = collection("gigaword")
    rows = [i for i, s in enumerate(giga["split"]) if s == "valid"][:limit]
    return EvalSet("gigaword valid", [giga["documents"][i] for i in rows],
                   [[giga["titles"][i]] for i in rows])


def duc2003() -> EvalSet:
    duc = collection("duc2003")
    refs = [list(r) for r in zip(*(duc[f"titles_ref{k}"] for k in (1, 2, 3)), duc["titles"])]
    return EvalSet("DUC-2003", duc["documents"], refs)
