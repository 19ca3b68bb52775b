"""aekit: auto-encoders as practical tools.

>>> import aekit
>>> ae = aekit.AutoEncoder(code_size=30).fit(X)      # doctest: +SKIP
>>> codes = ae.transform(X); ae.save("runs/model")   # doctest: +SKIP
>>> same = aekit.load("runs/model")                  # doctest: +SKIP
"""

from aekit._version import __version__
from aekit.anomaly import AnomalyDetector
from aekit.errors import AekitError
from aekit.image import Denoiser, ImageCodec, denoise
from aekit.impute import MaskedImputer
from aekit.io import load
from aekit.models import VAE, AutoEncoder
from aekit.nn.mlp import HINTON_2006_HIDDEN
from aekit.represent import DeepClustering, compare_embeddings, linear_probe
from aekit.search import CodeIndex
from aekit import speech  # registers SpeechUnits, so aekit.load reads saved units
from aekit import text  # aekit.text.SemanticHashIndex: semantic hashing of documents
from aekit.text import TextSummarizer

__all__ = ["AekitError", "AnomalyDetector", "AutoEncoder", "CodeIndex", "DeepClustering", "Denoiser", "HINTON_2006_HIDDEN", "ImageCodec", "TextSummarizer", "__version__",
           "MaskedImputer", "VAE", "compare_embeddings", "denoise", "linear_probe", "load"]
