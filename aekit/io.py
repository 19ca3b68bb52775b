"""Saving and loading fitted estimators as a folder: config.json + model.safetensors.

Never pickle: the config is JSON, the weights are safetensors, and config.json records
the SHA-256 of the weights so a truncated, swapped or tampered file is caught at load.
The weights are written first and config.json last, each through a temporary file that
is renamed into place, so an interrupted save never leaves a folder that loads wrongly.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from aekit._atomic import write_json, write_safetensors
from aekit._version import __version__
from aekit.errors import AekitError, ModelFileError
from aekit.registry import ESTIMATORS

FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "model.safetensors"


def save_model(estimator, path) -> Path:
    """Write ``estimator`` (fitted) to the folder ``path``; returns the folder."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ModelFileError(f"{folder} exists and is not a folder; choose another path")
    meta, tensors = estimator._fitted_state()
    write_safetensors(folder / WEIGHTS, tensors)
    write_json(folder / CONFIG, {
        "format_version": FORMAT_VERSION,
        "aekit_version": __version__,
        "type": _registered_name(type(estimator)),
        "params": _jsonable_params(estimator),
        # processes that trained it together (torchrun); 1 for a plain run
        "world_size": int(getattr(estimator, "world_size_", 1)),
        "fitted": meta,
        "weights_sha256": _sha256(folder / WEIGHTS),
    })
    return folder


def load_shipped(folder: Path, what: str, maker: str):
    """A model that ships inside the package (``what``: its name in words), or a clear
    error naming the command in the repo that makes it (``maker``)."""
    if not (Path(folder) / CONFIG).exists():
        raise ModelFileError(f"the shipped {what} is missing from {folder}; reinstall aekit "
                             f"or run {maker}")
    return load(folder)


def load(path, **overrides: Any):
    """Load a model folder written by ``save``.

    ``overrides`` replace saved parameters, e.g. ``device="cpu"``, or ``encoder=`` and
    ``decoder=`` modules for a model that was trained with custom modules.
    """
    folder = Path(path)
    config = read_config(folder)
    cls = ESTIMATORS.get(config["type"]) if config["type"] in ESTIMATORS else None
    if cls is None:
        raise ModelFileError(f"{folder / CONFIG}: unknown model type {config['type']!r}")
    tensors = _read_weights(folder, config)
    # JSON has no tuples; sequence parameters (hidden sizes) are tuples in aekit.
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in config["params"].items()}
    try:
        estimator = cls(**{**params, **overrides})
        estimator._restore_fitted_state(config["fitted"], tensors)
    except AekitError:
        raise
    except (KeyError, RuntimeError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelFileError(f"{folder / WEIGHTS} does not fit the model described in "
                             f"{CONFIG} ({exc.__class__.__name__}: {str(exc).splitlines()[0]})") from None
    return estimator


# What each required entry of config.json must be, checked before any is used.
CONFIG_TYPES = {"type": str, "params": dict, "fitted": dict, "weights_sha256": str}


def read_config(folder: Path) -> dict:
    """Read and check config.json; every problem names the file."""
    if not folder.is_dir():
        raise ModelFileError(f"no model folder at {folder}")
    path = folder / CONFIG
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(f"{path} is missing: {folder} is not an aekit model folder") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path} is not readable JSON ({exc})") from None
    missing = {"format_version", "type", "params", "fitted", "weights_sha256"} - set(config) \
        if isinstance(config, dict) else {"everything"}
    if missing:
        raise ModelFileError(f"{path} lacks {', '.join(sorted(missing))}")
    for key, kind in CONFIG_TYPES.items():
        if not isinstance(config[key], kind):
            raise ModelFileError(f"{path}: {key} is {type(config[key]).__name__}, not "
                                 f"{kind.__name__}: the file was changed or is not aekit's")
    if config["format_version"] != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has format version {config['format_version']!r}, but this aekit "
            f"({__version__}) reads version {FORMAT_VERSION}; use the aekit that wrote it "
            f"({config.get('aekit_version', 'unknown')})")
    return config


def _read_weights(folder: Path, config: dict) -> dict:
    path = folder / WEIGHTS
    if not path.is_file():
        raise ModelFileError(f"{path} is missing")
    if _sha256(path) != config["weights_sha256"]:
        raise ModelFileError(f"{path} does not match the checksum in {CONFIG}: "
                             "the file was changed, truncated or comes from another save")
    try:
        return load_file(str(path))
    except (OSError, SafetensorError) as exc:
        raise ModelFileError(f"{path} is not a readable safetensors file ({exc})") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _registered_name(cls: type) -> str:
    for name in ESTIMATORS.names():
        if ESTIMATORS.get(name) is cls:
            return name
    raise TypeError(f"{cls.__name__} is not registered in aekit.registry.ESTIMATORS")


def _jsonable_params(estimator) -> dict:
    """Hyper-parameters as JSON; custom modules are not stored (the weights are)."""
    out = {}
    for key, value in estimator.get_params(deep=False).items():
        if hasattr(value, "state_dict"):
            continue
        if isinstance(value, np.random.RandomState):
            value = None  # a generator's state is not a setting; the weights are saved
        elif isinstance(value, tuple):
            value = list(value)
        elif hasattr(value, "__fspath__"):
            value = str(value)
        out[key] = value
    return out


def fingerprint(estimator) -> str:
    """SHA-256 of a fitted estimator's tensors and fitted state: the same model gives the
    same fingerprint in memory and after a save and load, another model a different one."""
    meta, tensors = estimator._fitted_state()
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True, default=str).encode())
    for name in sorted(tensors):
        tensor = tensors[name].detach().to("cpu").contiguous()
        digest.update(name.encode())
        digest.update(tensor.view(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def read_index_json(folder: Path, *, type_tag: str, version: int, needed: set[str],
                    kind: str, command: str) -> dict:
    """The ``index.json`` of an index folder (image codes, text hashes), checked: the
    folder exists, the JSON reads, its type and format version are ours, and it holds
    the ``needed`` keys. ``kind`` names the index in messages ("text index"), ``command``
    is the one that builds it."""
    path = folder / "index.json"
    if not folder.is_dir():
        raise ModelFileError(f"no index folder at {folder}")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(f"{path} is missing: {folder} is not an aekit {kind} "
                             f"(build one with `{command}`)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path} is not readable JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("type") != type_tag:
        raise ModelFileError(f"{path} does not describe an aekit {kind}")
    if meta.get("format_version") != version:
        raise ModelFileError(f"{path} has format version {meta.get('format_version')!r}; this aekit "
                             f"reads version {version}")
    if needed - set(meta):
        raise ModelFileError(f"{path} lacks {', '.join(sorted(needed - set(meta)))}")
    return meta

