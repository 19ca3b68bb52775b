"""Which kind of saved model each command takes, and what to say when it gets another.

Kinds are the names of :data:`aekit.registry.ESTIMATORS` (the ``type`` in config.json).
Both tables are data, read the same way for every command: given a model of the wrong
kind, a command says in one line what that model is and which commands use it, e.g.
``runs/det is an anomaly detector: use `aekit detect score|explain```.
"""

from __future__ import annotations

from pathlib import Path

from aekit.errors import ModelFileError
from aekit.io import CONFIG, load, read_config

# What a model of each registered kind is, in words (a new kind gets its line here;
# tests check that every registered kind has one).
DESCRIPTIONS = {
    "autoencoder": "an auto-encoder",
    "vae": "a VAE",
    "anomaly_detector": "an anomaly detector",
    "speech_units": "a speech-units model",
    "masked_imputer": "an imputer",
    "deep_clustering": "a clusterer",
    "code_manifold": "a 2-D embedding (auto-encoder + learned UMAP map)",
    "denoiser": "a de-noiser",
    "image_codec": "an image codec",
    "text_summarizer": "a text summarizer",
    "voice_converter": "a voice converter",
}

# The commands that take a saved model, and the kinds each accepts.
COMMAND_KINDS = {
    "encode": ("autoencoder", "vae", "code_manifold"),
    "cluster --model": ("deep_clustering",),
    "reconstruct": ("autoencoder", "vae"),
    "index": ("autoencoder", "vae"),
    "probe --model": ("autoencoder",),
    "sample": ("vae",),
    "interpolate": ("vae",),
    "traverse": ("vae",),
    "detect score": ("anomaly_detector",),
    "detect explain": ("anomaly_detector",),
    "speech units --model": ("speech_units",),
    "impute apply": ("masked_imputer",),
    "denoise --model": ("denoiser",),
    "compress --model": ("image_codec",),
    "decompress --model": ("image_codec",),
    "summarize --model": ("text_summarizer",),
    "voice convert --model": ("voice_converter",),
}

# How to make a model of each kind, for a message about a command that needs one.
MAKERS = {
    "autoencoder": "aekit train",
    "vae": "aekit train --kind vae",
    "anomaly_detector": "aekit detect fit",
    "speech_units": "aekit speech units",
    "masked_imputer": "aekit impute fit",
    "deep_clustering": "aekit cluster",
    "code_manifold": "aekit embed --save-model",
    "denoiser": "aekit train --kind denoiser",
    "image_codec": "aekit train --kind image_codec",
    "text_summarizer": "aekit summarize train",
    "voice_converter": "aekit voice train",
}


def describe(kind: str) -> str:
    return DESCRIPTIONS.get(kind, f"a {kind!r} model")


def uses_of(kind: str) -> str:
    """The commands that take ``kind``, grouped: ``aekit encode|reconstruct|index``."""
    groups: dict[str, list[str]] = {}
    for command, kinds in COMMAND_KINDS.items():
        if kind in kinds:
            words = command.split(" --")[0].split()
            groups.setdefault(" ".join(words[:-1]), []).append(words[-1])
    return ", ".join(f"`{' '.join(['aekit', prefix] if prefix else ['aekit'])} {'|'.join(leaves)}`"
                     for prefix, leaves in groups.items())


def check_model_folder(path) -> dict:
    """The checked config.json of the model folder ``path``; a file is named as one."""
    folder = Path(path)
    if folder.is_file():
        raise ModelFileError(f"{folder} is a file, not a model folder (aekit saves a model as a "
                             f"folder holding {CONFIG} and model.safetensors)")
    return read_config(folder)


def check_kind(path, command: str) -> dict:
    """The config of ``path`` if ``aekit COMMAND`` takes its kind of model; otherwise say
    what the model is, what to use it with, and what ``command`` needs."""
    config = check_model_folder(path)
    kind, wanted = config["type"], COMMAND_KINDS[command]
    if kind not in wanted:
        uses = uses_of(kind)
        hint = f": use {uses}" if uses else ""
        needs = " or ".join(describe(k) for k in wanted)
        make = " or ".join(f"`{MAKERS[k]}`" for k in wanted if k in MAKERS)
        raise ModelFileError(f"{path} is {describe(kind)}{hint}; `aekit {command}` needs "
                             f"{needs}" + (f" (make one with {make})" if make else ""))
    return config


def load_for(path, command: str, **overrides):
    """Load the model folder ``path`` for ``aekit COMMAND`` (see :func:`check_kind`)."""
    check_kind(path, command)
    return load(path, **overrides)
