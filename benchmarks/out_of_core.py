"""Data larger than memory: ``aekit train --stream`` and ``aekit detect score`` on a
Parquet table 10x larger than a memory limit imposed on the process.

The limit is a cgroup (v1 ``memory.limit_in_bytes``, or v2 ``memory.max``) that the
benchmark creates and puts each command into: it counts everything the process holds,
and the kernel reclaims the page cache of the file being read before it would kill the
process. The table is synthetic (Gaussian columns with 0.1% shifted rows), written in
row groups of 2^20 rows without ever holding more than one in memory. The detector is
fitted on the first 100,000 rows (in memory, under the same limit); then the whole table is scored,
the scores streamed out to Parquet chunk by chunk. Reported: exit status, wall time, peak resident
memory of each command (``ru_maxrss``) against the limit.

    sudo python benchmarks/out_of_core.py [--limit-mib 1024] [--factor 10] [--columns 32]
        [--max-steps 3000] [--workdir /tmp/aekit-out-of-core] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

CGROUP_V1 = Path("/sys/fs/cgroup/memory")
CGROUP_V2 = Path("/sys/fs/cgroup")
ROW_GROUP = 1 << 20
SAMPLE_ROWS = 100_000  # the detector is fitted in memory on these (it subsamples anyway)


def make_table(path: Path, rows: int, columns: int, seed: int = 0) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    names = [f"x{j}" for j in range(columns)]
    mix = (rng.normal(size=(columns, columns)) / np.sqrt(columns)).astype(np.float32)
    with pq.ParquetWriter(path, pa.schema([(n, pa.float32()) for n in names])) as writer:
        for start in range(0, rows, ROW_GROUP):
            n = min(ROW_GROUP, rows - start)
            block = rng.standard_normal((n, columns), dtype=np.float32) @ mix
            block[rng.random(n) < 1e-3] += 6.0  # the anomalies
            writer.write_table(pa.table({name: block[:, j] for j, name in enumerate(names)}))


class MemoryLimit:
    """A cgroup with a memory limit that commands are started in."""

    def __init__(self, limit_bytes: int):
        self.limit = limit_bytes
        name = f"aekit-out-of-core-{os.getpid()}"
        if (CGROUP_V1 / "memory.limit_in_bytes").exists() or CGROUP_V1.is_dir():
            self.path = CGROUP_V1 / name
            self.path.mkdir()
            (self.path / "memory.limit_in_bytes").write_text(str(limit_bytes))
            swap = self.path / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(limit_bytes))  # no escape into swap
        else:
            self.path = CGROUP_V2 / name
            self.path.mkdir()
            (self.path / "memory.max").write_text(str(limit_bytes))
            (self.path / "memory.swap.max").write_text("0")

    def enter(self) -> None:  # runs in the child, before exec
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def close(self) -> None:
        try:
            self.path.rmdir()
        except OSError:
            pass


def run(command: list[str], limit: MemoryLimit) -> tuple[int, float, int]:
    """(exit status, seconds, peak RSS in bytes) of ``command`` inside the limit."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, preexec_fn=limit.enter, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode:
        print(out[-2000:], file=sys.stderr)
    return proc.returncode, seconds, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit-mib", type=int, default=1024)
    parser.add_argument("--factor", type=float, default=10.0)
    parser.add_argument("--columns", type=int, default=32)
    parser.add_argument("--max-steps", type=int, default=3000)
    parser.add_argument("--workdir", default="/tmp/aekit-out-of-core")
    parser.add_argument("--keep", action="store_true", help="Keep the table and outputs.")
    parser.add_argument("--skip", default="", help="Comma-separated commands to skip: train, fit, score.")
    opts = parser.parse_args()
    work = Path(opts.workdir)
    work.mkdir(parents=True, exist_ok=True)
    limit_bytes = opts.limit_mib << 20
    table = work / "big.parquet"
    rows = int(opts.factor * limit_bytes / (4 * opts.columns))
    if not table.exists() or table.stat().st_size < 0.9 * opts.factor * limit_bytes:
        start = time.perf_counter()
        make_table(table, rows, opts.columns)
        print(f"wrote {rows:,} rows x {opts.columns} float32 columns "
              f"({table.stat().st_size / 2**30:.2f} GiB) in {time.perf_counter() - start:.0f} s")
    sample = work / "sample.parquet"
    if not sample.exists():
        import pyarrow.parquet as pq

        pq.write_table(pq.ParquetFile(table).read_row_group(0).slice(0, SAMPLE_ROWS), sample)
    aekit = [sys.executable, "-m", "aekit.cli.main"]
    commands = {
        "train --stream": aekit + ["train", "--data", str(table), "--stream", "--out",
                                   str(work / "model"), "--overwrite", "--architecture", "mlp",
                                   "--hidden", "64,32", "--code-size", "8", "--batch-size", "1024",
                                   "--max-steps", str(opts.max_steps), "--quiet"],
        "detect fit (first 100,000 rows)": aekit + ["detect", "fit", "--data", str(sample), "--out",
                                                 str(work / "detector"), "--overwrite"],
        "detect score (whole table)": aekit + ["detect", "score", str(work / "detector"), "--data",
                                               str(table), "--out", str(work / "scores.parquet"),
                                               "--overwrite"],
    }
    skip = {"train": "train --stream", "fit": "detect fit (first 100,000 rows)",
            "score": "detect score (whole table)"}
    for name in filter(None, opts.skip.split(",")):
        commands.pop(skip[name])
    (work / "scores.parquet").unlink(missing_ok=True)
    limit = MemoryLimit(limit_bytes)
    try:
        results = {name: run(command, limit) for name, command in commands.items()}
    finally:
        limit.close()
    size = table.stat().st_size
    print(f"## Out-of-core: a {size / 2**30:.2f} GiB Parquet table ({rows:,} rows), "
          f"{size / limit_bytes:.1f}x the {opts.limit_mib} MiB memory limit (cgroup)")
    print("| command | exit | wall s | peak RSS MiB | peak RSS / limit |")
    print("|---|---|---|---|---|")
    for name, (status, seconds, peak) in results.items():
        print(f"| {name} | {status} | {seconds:.0f} | {peak / 2**20:.0f} | {peak / limit_bytes:.2f} |")
    if not opts.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
