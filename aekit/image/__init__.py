"""Image capabilities: de-noising (:class:`Denoiser`, :func:`denoise`) and compression
(:class:`ImageCodec`)."""

from aekit.image.codec import ImageCodec
from aekit.image.denoiser import Denoiser
from aekit.image.shipped import denoise

__all__ = ["Denoiser", "ImageCodec", "denoise"]
