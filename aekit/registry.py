"""Stable names for the interchangeable parts, so nothing chains ``if/elif`` over names.

A registry maps a name used in configs, the CLI and saved models (``"mlp"``, ``"conv"``,
``"autoencoder"``) to the class or function that implements it. Parts register
themselves with a one-line decorator where they are defined.
"""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

from aekit.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """A named table of parts of one kind (architectures, corruptions, estimators...)."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def add(obj: T) -> T:
            if name in self._entries:
                raise RuntimeError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = obj
            return obj

        return add

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise ConfigError(
                f"unknown {self.kind} {name!r}; choose one of {', '.join(self.names())}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries


# Every registry of aekit, declared here so a reader finds them all in one place; the
# parts register themselves where they are defined.
ARCHITECTURES: Registry = Registry("architecture")
CORRUPTIONS: Registry = Registry("noise")
RECONSTRUCTION_LOSSES: Registry = Registry("objective")
ESTIMATORS: Registry = Registry("model type")
DATASETS: Registry = Registry("dataset")
EMBEDDINGS: Registry = Registry("embedding method")
ACTIVATIONS: Registry = Registry("activation")
BOTTLENECKS: Registry = Registry("bottleneck")
LIKELIHOODS: Registry = Registry("likelihood")
PRETRAINERS: Registry = Registry("pretrain")
OPTIMIZERS: Registry = Registry("optimizer")
LR_SCHEDULES: Registry = Registry("lr_schedule")
