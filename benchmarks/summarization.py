"""Unsupervised headline generation: the shipped summarizer against Lead baselines.

    python -m benchmarks.summarization [--limit N] [--ablation runs/summarizer-noadv]

ROUGE-1/2/L (Google's rouge-score, Porter stemmer) on texts never read in training
(benchmarks/headlines.py): F1 against the human title on Gigaword's valid split, and on
DUC-2003 recall of the first 75 bytes averaged over its 4 human references (the DUC
rule; every system is cut to 75 bytes, and the model is also asked for 16 words so that
it fills them, as Lead-75 does). Beside: Lead-8 (the first 8 words), Lead-75
bytes, a random span of 8 words (seeded), and the same model trained without its
discriminator (``--ablation``: a model folder, written by
``python scripts/train_summarizer.py --adversarial-weight 0 --out runs/summarizer-noadv``).
Summaries per second are timed on this machine's CPUs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

import aekit
from aekit.text.shipped import shipped_summarizer
from benchmarks.common import REPO_ROOT, print_table
from benchmarks.headlines import EvalSet, duc2003, gigaword_valid

METRICS = ("rouge1", "rouge2", "rougeL")
SUMMARY_WORDS = 8
DUC_BYTES = 75
DUC_FILL_WORDS = 16  # more than fit in 75 bytes; the summary is then cut there
# Gigaword test set (Rush et al. 2015), ROUGE F1, as the papers report them
PUBLISHED = {"Lead-8 (published)": (21.86, 7.66, 20.45),
             "Wang & Lee 2018": (27.29, 10.01, 24.59),
             "SEQ3 (Baziotis et al. 2019)": (25.39, 8.21, 22.68),
             "Schumann et al. 2020 (10 words)": (27.52, 10.27, 24.91)}


def lead_words(doc: str, n: int = SUMMARY_WORDS) -> str:
    return " ".join(doc.split()[:n])


def lead_bytes(text: str, n: int = DUC_BYTES) -> str:
    return text.encode("utf-8")[:n].decode("utf-8", errors="ignore")


def random_span(docs: list[str], seed: int = 0, n: int = SUMMARY_WORDS) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for doc in docs:
        words = doc.split()
        start = int(rng.integers(0, max(len(words) - n, 0) + 1))
        out.append(" ".join(words[start:start + n]))
    return out


def scores(summaries: list[str], refs: list[list[str]], recall: bool) -> tuple[float, ...]:
    """Mean ROUGE-1/2/L (x100) over documents: F1 against one reference, or recall
    averaged over several."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    total = np.zeros(len(METRICS))
    for summary, doc_refs in zip(summaries, refs):
        per_ref = np.zeros(len(METRICS))
        for ref in doc_refs:
            got = scorer.score(ref, summary)
            per_ref += [got[m].recall if recall else got[m].fmeasure for m in METRICS]
        total += per_ref / len(doc_refs)
    return tuple(100 * total / max(len(summaries), 1))


def systems(data: EvalSet, models: dict, duc: bool) -> dict[str, list[str]]:
    out = {}
    for name, model in models.items():
        out[name] = model.transform(data.documents, max_words=SUMMARY_WORDS)
        if duc:  # the DUC budget is 75 bytes, not 8 words: let the model write until it is full
            out[f"{name}, 75 bytes"] = model.transform(data.documents, max_words=DUC_FILL_WORDS)
    out["Lead-8"] = [lead_words(d) for d in data.documents]
    out["random 8-word span"] = random_span(data.documents)
    return out


def evaluate(data: EvalSet, models: dict, duc: bool) -> list[dict]:
    outputs = systems(data, models, duc)
    if duc:
        outputs = {name: [lead_bytes(s) for s in summaries] for name, summaries in outputs.items()}
        outputs["Lead-75 bytes"] = [lead_bytes(d) for d in data.documents]
    rows = []
    for name, summaries in outputs.items():
        r1, r2, rl = scores(summaries, data.references, recall=duc)
        rows.append({"set": data.name, "system": name, "R-1": round(r1, 2), "R-2": round(r2, 2),
                     "R-L": round(rl, 2), "words": round(float(np.mean([len(s.split()) for s in summaries])), 1)})
    return rows


def speed(model, docs: list[str]) -> float:
    model.transform(docs[:256])  # warm up
    start = time.perf_counter()
    model.transform(docs)
    return len(docs) / (time.perf_counter() - start)


def examples(data: EvalSet, model, n: int = 20, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(len(data.documents), n, replace=False))
    docs = [data.documents[i] for i in pick]
    return [{"document": doc[:90] + ("..." if len(doc) > 90 else ""), "human title": data.references[i][0],
             "aekit": summary, "Lead-8": lead_words(doc)}
            for i, doc, summary in zip(pick, docs, model.transform(docs, max_words=SUMMARY_WORDS))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="Gigaword valid rows (default: all)")
    parser.add_argument("--ablation", type=Path, default=REPO_ROOT / "runs" / "summarizer-noadv",
                        help="a summarizer trained without its discriminator (skipped if absent)")
    args = parser.parse_args()
    models = {"aekit (shipped)": shipped_summarizer()}
    if (args.ablation / "config.json").exists():
        models["aekit without discriminator"] = aekit.load(args.ablation)
    else:
        print(f"(no ablation model at {args.ablation}; train it with scripts/train_summarizer.py)")
    giga, duc = gigaword_valid(args.limit), duc2003()
    print(f"Gigaword valid: {len(giga.documents):,} pairs (ROUGE F1); DUC-2003: "
          f"{len(duc.documents):,} documents x 4 references (recall, first {DUC_BYTES} bytes)\n")
    rows = evaluate(giga, models, duc=False) + evaluate(duc, models, duc=True)
    rows += [{"set": "Gigaword test (published)", "system": name, "R-1": a, "R-2": b, "R-L": c}
             for name, (a, b, c) in PUBLISHED.items()]
    print_table(rows)
    rate = speed(models["aekit (shipped)"], giga.documents[:5000])
    print(f"\nsummaries per second ({torch.get_num_threads()} threads): {rate:,.0f}\n")
    print("20 examples (Gigaword valid, seeded):\n")
    print_table(examples(giga, models["aekit (shipped)"]))


if __name__ == "__main__":
    main()
