"""Train the image codec that ships with aekit: one command.

    python scripts/train_codec.py            # ../shared/data/cbsd432 (all but its last 20)
                                             # + scikit-image's astronaut, rocket, motorcycle

One variable-rate scale-hyperprior network (8 quality levels) on random 128x128 crops,
a cosine schedule of --steps optimizer steps (default 16,000, about 80 minutes on two CPU
cores), then a second cosine schedule of --more steps (default 5,000) from those weights
at a lower rate (1e-4). The last 20 files of
cbsd432 and scikit-image's chelsea and coffee are kept out for benchmarks/compression.py.
Checkpoints go to runs/codec-ckpt, so a stopped run resumes with --resume; the codec
is written to aekit/image/weights/codec (or --out).
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
from benchmarks.compression import training_files  # noqa: E402  (one train/test split)


SHIPPED_STEPS = 16000
MORE_STEPS = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=SHIPPED_STEPS)
    parser.add_argument("--more", type=int, default=MORE_STEPS)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--out", type=Path, default=WEIGHTS / SHIPPED["codec"])
    args = parser.parse_args()
    checkpoints = ROOT / "runs" / "codec-ckpt"
    model = aekit.ImageCodec(max_steps=args.steps, random_state=0, checkpoint_dir=checkpoints,
                             checkpoint_every=1, verbose=True)
    start = time.perf_counter()
    model.fit(training_files(), resume=args.resume and (checkpoints / "checkpoint.json").exists())
    more = checkpoints.with_name("codec-ckpt-more")
    if args.more:
        model.set_params(warm_start=True, max_steps=args.more, learning_rate=1e-4,
                         random_state=1, checkpoint_dir=more)
        model.fit(training_files(), resume=args.resume and (more / "checkpoint.json").exists())
    minutes = (time.perf_counter() - start) / 60
    # what ships names no folder of this machine and keeps the quiet default
    model.set_params(checkpoint_dir=None, verbose="auto", warm_start=False)
    model.save(args.out)
    print(f"trained {args.steps} + {args.more} steps in {minutes:.1f} min; saved {args.out} "
          f"(model id {model.model_id_})")


if __name__ == "__main__":
    main()
