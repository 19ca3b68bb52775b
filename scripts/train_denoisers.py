"""Train the de-noisers that ship with aekit: one command per kind.

    python scripts/train_denoisers.py gray     # ../shared/data/bsd400, all but the last 20
    python scripts/train_denoisers.py colour   # ../shared/data/cbsd432, all but the last 20

Each runs the recipe of the shipped model: a cosine schedule of 5,000 steps from random
weights, then a second cosine schedule from those weights (2,000 steps for gray, 3,000
for colour; the first had not converged), then further cosine schedules at lr 5e-4 under
bf16 autocast (gray: 4,000, 10,000 and 10,000 steps; colour: 4,000, 4,000 and 10,000; bf16
because it is 2.3x faster on CPUs with AMX, benchmarks/bf16_speed.py). The last 20 files of each folder (in
sorted order) are kept out for benchmarks/denoising.py. Checkpoints go to runs/denoiser-KIND-ckpt(-more, -extraN), so
a stopped run resumes with --resume; the model is written to
aekit/image/weights/denoiser-KIND (or --out). ``--more STEPS`` continues a saved model
by one more such schedule.
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
# then these schedules, each at lr 5e-4 under bf16, from the weights before it
EXTRA_SCHEDULES = {"gray": (4000, 10000, 10000), "colour": (4000, 4000, 10000)}


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
                             "autocast.")
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
    extra = EXTRA_SCHEDULES[args.kind] if args.steps is None else ()
    for i, steps in enumerate(extra):
        extra_checkpoints = checkpoints.with_name(f"{checkpoints.name}-extra{i}")
        one_more_schedule(model, files, steps, extra_checkpoints, args.resume, seed=2 + i)
    minutes = (time.perf_counter() - start) / 60
    _save(model, out)
    print(f"trained {' + '.join(map(str, (first, second, *extra)))} steps in {minutes:.1f} min; "
          f"saved {out}")


def one_more_schedule(model, files, steps: int, checkpoints: Path, resume: bool, seed: int) -> None:
    """A cosine schedule of ``steps`` at lr 5e-4 under bf16, from the model's weights;
    each schedule has its own seed, so it draws crops and noise of its own."""
    model.set_params(warm_start=True, max_steps=steps, learning_rate=5e-4, random_state=seed,
                     mixed_precision="bf16", checkpoint_dir=checkpoints, verbose=True)
    model.fit(files, resume=_resuming(checkpoints, resume))


def _save(model, folder: Path) -> None:
    # what ships names no folder of this machine, keeps the quiet default and float32
    model.set_params(checkpoint_dir=None, verbose="auto", warm_start=False,
                     mixed_precision="auto")
    model.save(folder)


def continue_training(kind: str, folder: Path, steps: int, resume: bool) -> None:
    model = aekit.load(folder)
    start = time.perf_counter()
    # the seed the recipe's next schedule would have, so the recipe can record this one
    one_more_schedule(model, training_files(kind), steps,
                      ROOT / "runs" / f"denoiser-{kind}-more-ckpt", resume,
                      seed=2 + len(EXTRA_SCHEDULES[kind]))
    minutes = (time.perf_counter() - start) / 60
    _save(model, folder)
    print(f"trained {steps} more steps in {minutes:.1f} min; saved {folder}")


if __name__ == "__main__":
    main()
