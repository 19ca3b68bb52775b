"""Train the de-noisers that ship with aekit: one command per kind.

    python scripts/train_denoisers.py gray     # ../shared/data/bsd400, all but the last 20
    python scripts/train_denoisers.py colour   # ../shared/data/cbsd432, all but the last 20

The last 20 files of each folder (in sorted order) are kept out for benchmarks/denoising.py.
Checkpoints go to runs/denoiser-KIND-ckpt, so a stopped run resumes with --resume; the
trained model is written to aekit/image/weights/denoiser-KIND.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aekit  # noqa: E402
from aekit.image.shipped import SHIPPED, WEIGHTS  # noqa: E402
from benchmarks.denoising import FOLDERS, split_files  # noqa: E402  (one train/test split)


def training_files(kind: str) -> list[Path]:
    return split_files(kind)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(FOLDERS))
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--more", action="store_true",
                        help="Go on training the shipped model for --steps more steps.")
    args = parser.parse_args()
    checkpoints = ROOT / "runs" / f"denoiser-{args.kind}-ckpt"
    out = WEIGHTS / SHIPPED[args.kind]
    if args.more:  # a second cosine schedule from the shipped weights
        model = aekit.load(out)
        model.set_params(warm_start=True, max_steps=args.steps, random_state=1)
        checkpoints = checkpoints.with_name(checkpoints.name + "-more")
    else:
        model = aekit.Denoiser(channels=1 if args.kind == "gray" else 3, max_steps=args.steps,
                               random_state=0)
    model.set_params(checkpoint_dir=checkpoints, checkpoint_every=1, verbose=True)
    start = time.perf_counter()
    model.fit(training_files(args.kind), resume=args.resume)
    minutes = (time.perf_counter() - start) / 60
    # what ships names no folder of this machine and keeps the quiet default
    model.set_params(checkpoint_dir=None, verbose="auto", warm_start=False)
    model.save(out)
    print(f"trained {args.steps} steps in {minutes:.1f} min; saved {out}")


if __name__ == "__main__":
    main()
