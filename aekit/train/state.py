"""Nested training state (optimizer, RNG, counters) <-> safetensors + JSON, without pickle.

``flatten`` walks dicts and lists: tensors go to a flat ``{key: tensor}`` table and are
replaced by ``{"__tensor__": key}``; tuples are tagged so they come back as tuples.
"""

from __future__ import annotations

from typing import Any

import torch


def flatten(obj: Any, tensors: dict[str, torch.Tensor], prefix: str = "") -> Any:
    if isinstance(obj, torch.Tensor):
        tensors[prefix] = obj
        return {"__tensor__": prefix}
    if isinstance(obj, dict):
        if not all(isinstance(k, (str, int)) for k in obj):
            raise TypeError(f"cannot store dict keys of types {[type(k) for k in obj]}")
        return {
            "__dict__": [[k, flatten(v, tensors, f"{prefix}.{k}")] for k, v in obj.items()]
        }
    if isinstance(obj, tuple):
        return {"__tuple__": [flatten(v, tensors, f"{prefix}.{i}") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [flatten(v, tensors, f"{prefix}.{i}") for i, v in enumerate(obj)]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot store a {type(obj).__name__} in a checkpoint")


def unflatten(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return tensors[obj["__tensor__"]]
        if "__tuple__" in obj:
            return tuple(unflatten(v, tensors) for v in obj["__tuple__"])
        # Keys keep their type (the optimizer's state is keyed by integer parameter ids).
        return {k: unflatten(v, tensors) for k, v in obj["__dict__"]}
    if isinstance(obj, list):
        return [unflatten(v, tensors) for v in obj]
    return obj
