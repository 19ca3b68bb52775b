"""The summarizer that ships with aekit (trained by scripts/train_summarizer.py)."""

from __future__ import annotations

import functools
from pathlib import Path

SHIPPED_DIR = Path(__file__).parent / "weights" / "summarizer"


@functools.lru_cache(maxsize=1)
def shipped_summarizer():
    """The shipped :class:`~aekit.text.TextSummarizer`, loaded once."""
    from aekit.io import load_shipped

    return load_shipped(SHIPPED_DIR, "summarizer", "scripts/train_summarizer.py")
