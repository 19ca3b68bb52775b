"""Data-parallel training on the CPU: ``aekit train`` under torchrun with 2 processes of
one thread each, against 1 process of one thread, on the same global batch.

Data: the first 9,000 MNIST t10k digits train, the last 1,000 are held out. Model: the
CLI's mlp (1000-500-250) with a 30-D code, global batch 1024, 30 epochs, patience 30
(every epoch runs), seed 0. Wall times are whole commands, start-up included, measured
in the same run, alternating single and distributed ``--repeats`` times (medians).

Targets (house issue): wall-time ratio 2 processes / 1 process <= 0.75; held-out
reconstruction error within 10% of the single process's.

    python benchmarks/distributed.py [--epochs 30] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import load_mnist_t10k  # noqa: E402


def _train(args: list[str], nproc: int) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "GLOO_SOCKET_IFNAME": "lo"}
    launcher = [sys.executable, "-m", "aekit.cli.main"] if nproc == 1 else \
        [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
         "-m", "aekit.cli.main"]
    start = time.perf_counter()
    subprocess.run(launcher + args, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=1)
    opts = parser.parse_args()
    import aekit

    images, _ = load_mnist_t10k()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        np.save(tmp / "train.npy", images[:9000])
        held_out = images[9000:]
        times = {1: [], 2: []}
        for repeat in range(opts.repeats):
            for nproc in (1, 2):
                out = tmp / f"model-{nproc}"
                args = ["train", "--data", str(tmp / "train.npy"), "--out", str(out), "--overwrite",
                        "--architecture", "mlp", "--code-size", "30", "--batch-size", "1024",
                        "--epochs", str(opts.epochs), "--patience", str(opts.epochs), "--seed", "0",
                        "--quiet", "--device", "cpu"]
                times[nproc].append(_train(args, nproc))
        errors = {n: float(aekit.load(tmp / f"model-{n}").reconstruction_error(held_out).mean())
                  for n in (1, 2)}
        world = {n: aekit.load(tmp / f"model-{n}").world_size_ for n in (1, 2)}
    single, double = statistics.median(times[1]), statistics.median(times[2])
    print(f"## aekit train, 9,000 MNIST digits, mlp 1000-500-250-30, global batch 1024, "
          f"{opts.epochs} epochs, 1 thread per process")
    print("| processes | wall s (median) | held-out MSE (scaled) | world_size saved |")
    print("|---|---|---|---|")
    for n, seconds in ((1, single), (2, double)):
        print(f"| {n} | {seconds:.1f} | {errors[n]:.5f} | {world[n]} |")
    print(f"\nwall-time ratio 2/1: {double / single:.3f} (target <= 0.75); held-out error "
          f"ratio: {errors[2] / errors[1]:.3f} (target within 10%)")


if __name__ == "__main__":
    main()
