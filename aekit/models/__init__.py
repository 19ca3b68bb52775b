"""The general estimators: auto-encoders with any code, the VAE, layer-wise pre-training.

Every capability room builds on these; they import the shared core only.
"""

from aekit.models.autoencoder import AutoEncoder
from aekit.models.pretrain import PRETRAINERS
from aekit.models.vae import VAE

__all__ = ["AutoEncoder", "PRETRAINERS", "VAE"]
