"""The summarizer that ships with aekit (trained by scripts/train_summarizer.py)."""

from __future__ import annotations

import functools
from pathlib import Path

from aekit.errors import ModelFileError

SHIPPED_DIR = Path(__file__).parent / "weights" / "summarizer"


@functools.lru_cache(maxsize=1)
def shipped_summarizer():
    """The shipped :class:`~aekit.text.TextSummarizer`, loaded once."""
    from aekit.io import load

    if not (SHIPPED_DIR / "config.json").exists():
        raise ModelFileError(f"the shipped summarizer is missing from {SHIPPED_DIR}; "
                             "reinstall aekit or run scripts/train_summarizer.py")
    return load(SHIPPED_DIR)
