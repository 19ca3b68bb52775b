"""The voice converter that ships with aekit (trained by scripts/train_voice.py)."""

from __future__ import annotations

import functools
from pathlib import Path

SHIPPED_DIR = Path(__file__).parent / "weights" / "voice"


@functools.lru_cache(maxsize=1)
def shipped_voice_converter():
    """The shipped :class:`~aekit.speech.VoiceConverter`, loaded once."""
    from aekit.io import load_shipped

    return load_shipped(SHIPPED_DIR, "voice converter", "scripts/train_voice.py")
