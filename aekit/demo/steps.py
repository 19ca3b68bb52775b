"""What a demo step gives back, and what steps share while the demo runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class StepResult:
    title: str
    lines: list[str]  # what the demo tells the user
    files: list[Path]
    # what a later step may reuse (e.g. the trained model and its data), so the demo
    # trains each model once
    shared: dict[str, Any] = field(default_factory=dict)
