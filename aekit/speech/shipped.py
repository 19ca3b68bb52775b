"""The voice converter that ships with aekit (trained by scripts/train_voice.py)."""

from __future__ import annotations

import functools
from pathlib import Path

from aekit.errors import ModelFileError

SHIPPED_DIR = Path(__file__).parent / "weights" / "voice"


@functools.lru_cache(maxsize=1)
def shipped_voice_converter():
    """The shipped :class:`~aekit.speech.VoiceConverter`, loaded once."""
    from aekit.io import load

    if not (SHIPPED_DIR / "config.json").exists():
        raise ModelFileError(f"the shipped voice converter is missing from {SHIPPED_DIR}; "
                             "reinstall aekit or run scripts/train_voice.py")
    return load(SHIPPED_DIR)
