"""Python-side state of a module that training changes but ``state_dict`` does not hold.

The trainer saves it in every checkpoint and restores it on resume, so a resumed run
continues exactly: for example a VQ bottleneck's ring of recent encoder outputs, how far
it is filled, and the random generator that picks restart vectors.
"""

from __future__ import annotations

from typing import Any


class TrainingState:
    """Mixin for modules with such state: plain values, tensors and nested dicts only."""

    def training_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def load_training_state(self, state: dict[str, Any]) -> None:
        raise NotImplementedError
