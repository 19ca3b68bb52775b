"""Loss history: kept in memory, written as CSV each epoch, and to TensorBoard if installed."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from aekit._atomic import write_bytes

logger = logging.getLogger(__name__)


def _tensorboard_writer(folder: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is optional
        return None
    return SummaryWriter(log_dir=str(folder / "tensorboard"))


class HistoryLog:
    """Rows of ``{"epoch": ..., "train_loss": ..., ...}``; ``folder=None`` keeps them in memory."""

    def __init__(self, folder: str | Path | None, rows: list[dict] | None = None):
        self.rows: list[dict] = list(rows or [])
        self.folder = Path(folder) if folder is not None else None
        self._tensorboard = _tensorboard_writer(self.folder) if self.folder else None

    def append(self, row: dict) -> None:
        self.rows.append(row)
        if self.folder is None:
            return
        # Rewriting the whole file keeps it consistent with the checkpoint after a resume.
        write_bytes(self.folder / "history.csv", self.to_csv().encode())
        if self._tensorboard is not None:
            for key, value in row.items():
                if key != "epoch" and isinstance(value, (int, float)):
                    self._tensorboard.add_scalar(key, value, row["epoch"])
            self._tensorboard.flush()

    def to_csv(self) -> str:
        columns: list[str] = []
        for row in self.rows:
            columns += [c for c in row if c not in columns]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()

    def close(self) -> None:
        if self._tensorboard is not None:
            self._tensorboard.close()
