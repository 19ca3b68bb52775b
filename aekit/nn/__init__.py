"""Pure ``torch.nn`` parts: encoders, decoders, the composite auto-encoder and its losses.

Nothing in this package touches files, numpy, optimizers or printing.
"""

from aekit.nn.autoencoder import AEOutput, AutoEncoderModule
from aekit.nn.conv import ConvDecoder, ConvEncoder
from aekit.nn.corruption import corrupt
from aekit.nn.mlp import MLP, mlp_decoder, mlp_encoder
from aekit.nn.objective import LossTerms, ReconstructionObjective

__all__ = [
    "AEOutput",
    "AutoEncoderModule",
    "ConvDecoder",
    "ConvEncoder",
    "LossTerms",
    "MLP",
    "ReconstructionObjective",
    "corrupt",
    "mlp_decoder",
    "mlp_encoder",
]
