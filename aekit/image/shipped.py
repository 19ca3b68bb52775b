"""The de-noisers that ship with aekit (trained by scripts/train_denoisers.py), and
:func:`denoise`, which picks the right one for an image."""

from __future__ import annotations

import functools
from pathlib import Path

from aekit.errors import ModelFileError

WEIGHTS = Path(__file__).parent / "weights"
SHIPPED = {"gray": "denoiser-gray", "colour": "denoiser-colour", "codec": "codec"}


@functools.lru_cache(maxsize=2)
def shipped_denoiser(kind: str):
    """The shipped de-noiser for "gray" or "colour" images, loaded once."""
    from aekit.io import load_shipped

    return load_shipped(WEIGHTS / SHIPPED[kind], f"{kind} de-noiser",
                        f"scripts/train_denoisers.py {kind}")


@functools.lru_cache(maxsize=1)
def shipped_codec():
    """The shipped image codec (scripts/train_codec.py), loaded once."""
    from aekit.io import load_shipped

    return load_shipped(WEIGHTS / SHIPPED["codec"], "image codec", "scripts/train_codec.py")


def denoise(image, sigma=None, model=None):
    """De-noise ``image``, an (H, W) or (H, W, 3) array on the 0-255 scale (float or
    uint8; float input is not clipped); returns float32 of the same shape.

    ``sigma``: the noise level on the 0-255 scale if known; None: blind. ``model``: a
    fitted :class:`~aekit.image.Denoiser`, a saved one's folder, or None for the shipped
    de-noiser (grayscale for (H, W), colour for (H, W, 3)).
    """
    from aekit.image.denoiser import Denoiser
    from aekit.image.pixels import check_image
    from aekit.io import load

    if model is None:
        pixels = check_image(image)
        model = shipped_denoiser("gray" if pixels.ndim == 2 else "colour")
    elif isinstance(model, (str, Path)):
        model = load(model)
    if not isinstance(model, Denoiser):
        raise ModelFileError(f"model must be a Denoiser or the folder of a saved one, got "
                             f"{type(model).__name__}")
    return model.denoise(image, sigma=sigma)
