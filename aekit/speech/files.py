"""Writing unit sequences: JSON lines (one file per line) and a long CSV (one frame per row)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from aekit._atomic import atomic_path, write_json

UNITS_JSONL = "units.jsonl"
UNITS_CSV = "units.csv"
SUMMARY = "summary.json"


def write_units(folder, names: list[str], units: list[np.ndarray], *, hop_s: float,
                csv_file: bool = True) -> list[Path]:
    """``units.jsonl`` with {"file", "units"} per line, and ``units.csv`` with columns
    file, frame, start_s, unit; each written atomically. Returns the paths written."""
    folder = Path(folder)
    written = [folder / UNITS_JSONL]
    with atomic_path(written[0]) as tmp, open(tmp, "w", encoding="utf-8") as f:
        for name, ids in zip(names, units):
            f.write(json.dumps({"file": name, "units": ids.tolist()}) + "\n")
    if csv_file:
        written.append(folder / UNITS_CSV)
        with atomic_path(written[1]) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
            out = csv.writer(f)
            out.writerow(["file", "frame", "start_s", "unit"])
            for name, ids in zip(names, units):
                out.writerows((name, t, f"{t * hop_s:.3f}", int(u)) for t, u in enumerate(ids))
    return written


def read_units(path) -> dict[str, np.ndarray]:
    """The unit sequences of a ``units.jsonl`` file, by file name."""
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return {row["file"]: np.asarray(row["units"], dtype=np.int64) for row in rows}


def write_summary(folder, summary: dict) -> Path:
    path = Path(folder) / SUMMARY
    write_json(path, summary)
    return path
