"""Train the summarizer that ships with aekit: one command.

    python scripts/train_summarizer.py                        # the shipped summarizer
    python scripts/train_summarizer.py --adversarial-weight 0 --out runs/summarizer-noadv

Unpaired texts from ../shared/data/headlines (benchmarks/headlines.py): documents from
one part of Gigaword's train split, Reuters-21578, AG News and BBC, headlines from
another part, so no document is ever seen with its own headline; Gigaword's valid
split and DUC-2003 are kept for benchmarks/summarization.py. --steps optimizer steps
(default 2,000: about 20 minutes on two CPU cores). Checkpoints go to
runs/<out folder>-ckpt, so a stopped run resumes with --resume; the model is written to
aekit/text/weights/summarizer (or --out).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aekit  # noqa: E402
from aekit.text.shipped import SHIPPED_DIR  # noqa: E402
from benchmarks.headlines import training_corpus  # noqa: E402  (one train/test split)

SHIPPED_STEPS = 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=SHIPPED_STEPS)
    parser.add_argument("--adversarial-weight", type=float, default=1.0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR)
    args = parser.parse_args()
    checkpoints = ROOT / "runs" / f"{args.out.name}-ckpt"
    corpus = training_corpus()
    model = aekit.TextSummarizer(max_steps=args.steps, adversarial_weight=args.adversarial_weight,
                                 random_state=0, checkpoint_dir=checkpoints, verbose=True)
    start = time.perf_counter()
    model.fit(corpus.documents, readable=corpus.readable,
              resume=args.resume and (checkpoints / "checkpoint.json").exists())
    minutes = (time.perf_counter() - start) / 60
    model.set_params(checkpoint_dir=None, verbose="auto")  # ships naming no local folder
    model.save(args.out)
    print(f"trained {args.steps} steps on {len(corpus.documents):,} documents and "
          f"{len(corpus.readable):,} headlines in {minutes:.1f} min; saved {args.out}")


if __name__ == "__main__":
    main()
