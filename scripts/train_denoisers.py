"""Train the de-noisers that ship with aekit: one command per kind.

    python scripts/train_denoisers.py gray     # ../shared/data/bsd400, all but the last 20
    python scripts/train_denoisers.py colour   # ../shared/data/cbsd432, all but the last 20

Each runs the recipe of the shipped model: a cosine schedule of 5,000 steps from random
weights, then a second cosine schedule from those weights (2,000 steps for gray, 3,000
for colour; the first had not converged). The last 20 files of each folder (in sorted
order) are kept out for benchmarks/denoising.py. Checkpoints go to
runs/denoiser-KIND-ckpt(-more), so a stopped run resumes with --resume; the model is
written to aekit/image/weights/denoiser-KIND (or --out).
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


# steps of the first schedule, then of the second (from the first one's weights)
SCHEDULES = {"gray": (5000, 2000), "colour": (5000, 3000)}


def _resuming(checkpoints: Path, resume: bool) -> bool:
    return resume and (checkpoints / "checkpoint.json").exists()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(FOLDERS))
    parser.add_argument("--steps", type=int, nargs=2, metavar=("FIRST", "SECOND"), default=None,
                        help="Steps of the two schedules (default: the shipped recipe).")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--more", type=int, default=None, metavar="STEPS",
                        help="Instead: continue the model at --out (default: the shipped one) "
                             "with another cosine schedule of STEPS at lr 5e-4, under bf16 "
                             "autocast (2.5x faster on CPUs with AMX or AVX-512 BF16).")
    args = parser.parse_args()
    out = args.out or WEIGHTS / SHIPPED[args.kind]
    if args.more:
        return continue_training(args.kind, out, args.more, args.resume)
    first, second = args.steps or SCHEDULES[args.kind]
    checkpoints = ROOT / "runs" / f"denoiser-{args.kind}-ckpt"
    files = training_files(args.kind)
    model = aekit.Denoiser(channels=1 if args.kind == "gray" else 3, max_steps=first,
                           random_state=0, checkpoint_dir=checkpoints, checkpoint_every=1,
                           verbose=True)
    start = time.perf_counter()
    model.fit(files, resume=_resuming(checkpoints, args.resume))
    more = checkpoints.with_name(checkpoints.name + "-more")
    model.set_params(warm_start=True, max_steps=second, random_state=1, checkpoint_dir=more)
    model.fit(files, resume=_resuming(more, args.resume))
    minutes = (time.perf_counter() - start) / 60
    # what ships names no folder of this machine and keeps the quiet default
    model.set_params(checkpoint_dir=None, verbose="auto", warm_start=False)
    model.save(out)
    print(f"trained {first} + {second} steps in {minutes:.1f} min; saved {out}")


def continue_training(kind: str, folder: Path, steps: int, resume: bool) -> None:
    checkpoints = ROOT / "runs" / f"denoiser-{kind}-more-ckpt"
    model = aekit.load(folder)
    model.set_params(warm_start=True, max_steps=steps, learning_rate=5e-4, random_state=2,
                     mixed_precision="bf16", checkpoint_dir=checkpoints, verbose=True)
    start = time.perf_counter()
    model.fit(training_files(kind), resume=_resuming(checkpoints, resume))
    minutes = (time.perf_counter() - start) / 60
    model.set_params(checkpoint_dir=None, verbose="auto", warm_start=False,
                     mixed_precision="auto")
    model.save(folder)
    print(f"trained {steps} more steps in {minutes:.1f} min; saved {folder}")


if __name__ == "__main__":
    main()
