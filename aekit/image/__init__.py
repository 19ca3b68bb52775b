"""Image capabilities: de-noising (:class:`Denoiser`, :func:`denoise`)."""

from aekit.image.denoiser import Denoiser
from aekit.image.shipped import denoise

__all__ = ["Denoiser", "denoise"]
