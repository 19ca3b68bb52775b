"""Discrete speech units: a VQ auto-encoder on standardised log-mel frames.

Each 10 ms frame of speech (with a few neighbouring frames as context) is encoded by an
mlp and replaced by the nearest of ``codebook`` vectors (VQ-VAE, van den Oord et al.
2017); the index of that vector is the frame's unit. A file becomes a sequence of unit
ids, one per frame — the discrete tokens that "textless" speech models build on.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from aekit import params as P
from aekit.base import NeuralEstimator, training_rules
from aekit.errors import InputError, ModelFileError
from aekit.registry import ESTIMATORS
from aekit.train.trainer import show_progress
from aekit.data.audio import Recording, conform, find_wavs, read_wav, _progress
from aekit.speech.features import FrameSettings, Standardizer, log_mel, stack_context

logger = logging.getLogger(__name__)

_AE = "autoencoder."  # prefix of the inner auto-encoder's tensors in the saved file


@ESTIMATORS.register("speech_units")
class SpeechUnits(NeuralEstimator):
    """Learn a codebook of speech units from WAV files and map audio to unit sequences.

    Parameters
    ----------
    codebook : int
        Number of units K (codebook vectors); ids are 0..K-1.
    code_size : int
        Length of each codebook vector.
    hidden : sequence of int
        Widths of the mlp encoder's hidden layers (the decoder mirrors them).
    context : int
        Frames stacked either side of each frame as its input (2: 5 frames, 50 ms).
    file_mean : bool
        Subtract each file's own mean log-mel frame before the standardisation (mean
        normalisation, as in cepstral mean normalisation): removes what is constant over a
        file, such as the microphone and part of the voice's colour. On by default: units
        are for content, and without it FSDD's units told the speaker apart better than
        the digit (BENCHMARKS.md, "Speech units").
    sample_rate : int or None
        Rate every file is resampled to; None: the most common rate of the training files.
        Arrays (instead of file paths) need it.
    window_ms, hop_ms, n_mels, fmin, fmax, top_db
        Log-mel frames: hann windows of ``window_ms`` every ``hop_ms``, ``n_mels`` mel
        bands from ``fmin`` to ``fmax`` (None: half the rate), in dB floored at the
        file's loudest value minus ``top_db``.
    epochs, batch_size, learning_rate, device, verbose, random_state
        Training of the auto-encoder (see :class:`aekit.AutoEncoder`).

    Attributes
    ----------
    autoencoder_ : aekit.AutoEncoder (bottleneck="vq")
    frames_ : FrameSettings (the sample rate used, window and hop in samples)
    standardizer_ : Standardizer (per-mel-band mean and scale of the training frames)
    codebook_usage_, codebook_perplexity_ : float
        Share of the K units used on the training frames, and exp(entropy) of their use.
    n_files_, n_frames_ : int
    """

    _rules = {
        "codebook": P.integer(2),
        "code_size": P.integer(1),
        "hidden": P.sizes(),
        "context": P.integer(0),
        "file_mean": P.BOOLEAN,
        "sample_rate": P.either(P.NONE, P.integer(1)),
        "window_ms": P.real(1.0, 1000.0),
        "hop_ms": P.real(1.0, 1000.0),
        "n_mels": P.integer(1),
        "fmin": P.real(0.0),
        "fmax": P.either(P.NONE, P.real(0.0, open_high=True)),
        "top_db": P.real(1.0),
        **training_rules("epochs", "batch_size", "learning_rate", "device", "verbose",
                         "random_state"),
    }

    def __init__(self, codebook=64, code_size=16, hidden=(256,), context=2, file_mean=True,
                 sample_rate=None,
                 window_ms=25.0, hop_ms=10.0, n_mels=40, fmin=20.0, fmax=None, top_db=80.0,
                 epochs=20, batch_size=256, learning_rate=1e-3, device="auto", verbose="auto",
                 random_state=None):
        self.codebook = codebook
        self.code_size = code_size
        self.hidden = hidden
        self.context = context
        self.file_mean = file_mean
        self.sample_rate = sample_rate
        self.window_ms = window_ms
        self.hop_ms = hop_ms
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.top_db = top_db
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    # Fitting ------------------------------------------------------------------------------
    def fit(self, X, y=None):
        """Learn the units from ``X``: a folder, WAV paths, or 1-D sample arrays (with
        ``sample_rate``). Returns self."""
        from aekit.models.autoencoder import AutoEncoder

        P.check_params(self, self._rules)
        recordings = conform(self._read(X, self.sample_rate), self.sample_rate)
        self.frames_ = FrameSettings(recordings[0].sample_rate, float(self.window_ms),
                                     float(self.hop_ms), self.n_mels, float(self.fmin),
                                     None if self.fmax is None else float(self.fmax),
                                     float(self.top_db))
        mels = [self._mel(r) for r in self._bar(recordings, "log-mel")]
        self.n_files_, self.n_frames_ = len(mels), sum(len(m) for m in mels)
        if self.codebook > self.n_frames_:
            seconds = self.n_frames_ * self.frames_.hop / self.frames_.sample_rate
            raise InputError(f"a codebook of {self.codebook} units needs at least {self.codebook} "
                             f"training frames, but the {self.n_files_} file(s) give {self.n_frames_} "
                             f"({seconds:.2f} s at a {self.hop_ms:g} ms hop); use a smaller codebook "
                             "or more audio")
        self.standardizer_ = Standardizer.fit(np.concatenate(mels))
        inputs = np.concatenate([self._inputs(m) for m in mels])
        self.autoencoder_ = AutoEncoder(
            architecture="mlp", hidden=tuple(self.hidden), code_size=self.code_size,
            bottleneck="vq", codebook_size=self.codebook, scaling="none",  # standardised above
            epochs=self.epochs, batch_size=self.batch_size, learning_rate=self.learning_rate,
            device=self.device, verbose=self.verbose, random_state=self.random_state,
        ).fit(inputs)
        self.codebook_usage_ = float(self.autoencoder_.codebook_usage_)
        self.codebook_perplexity_ = float(self.autoencoder_.codebook_perplexity_)
        return self

    def fit_transform(self, X, y=None) -> list[np.ndarray]:
        recordings = self._read(X, self.sample_rate)  # read once, not in fit and transform
        return self.fit(recordings).transform(recordings)

    # Using the units ----------------------------------------------------------------------
    def transform(self, X) -> list[np.ndarray]:
        """Each file's (or array's) unit ids, int64 of shape (n_frames,), in input order."""
        check_is_fitted(self)
        recordings = conform(self._read(X, self.frames_.sample_rate), self.frames_.sample_rate)
        inputs = [self._inputs(self._mel(r)) for r in self._bar(recordings, "log-mel")]
        # one pass over all frames: batched inference is much faster than file by file
        ids = self.autoencoder_.predict(np.concatenate(inputs))
        return np.split(ids, np.cumsum([len(x) for x in inputs])[:-1])

    def frame_features(self, X) -> list[np.ndarray]:
        """The standardised log-mel frames (without context) the units are computed from."""
        check_is_fitted(self)
        recordings = conform(self._read(X, self.frames_.sample_rate), self.frames_.sample_rate)
        return [self.standardizer_(self._mel(r)) for r in recordings]

    def frame_times(self, n_frames: int) -> np.ndarray:
        """Start time in seconds of each of ``n_frames`` frames."""
        check_is_fitted(self)
        return np.arange(n_frames) * self.frames_.hop / self.frames_.sample_rate

    def _mel(self, recording: Recording) -> np.ndarray:
        mel = log_mel(recording.samples, self.frames_, recording.name)
        return mel - mel.mean(axis=0) if self.file_mean else mel

    def _inputs(self, mel: np.ndarray) -> np.ndarray:
        return stack_context(self.standardizer_(mel), self.context).astype(np.float32, copy=False)

    # Input --------------------------------------------------------------------------------
    def _read(self, X, rate: int | None) -> list[Recording]:
        """Recordings from a folder, a list of paths or arrays, or recordings already read."""
        if isinstance(X, (str, os.PathLike)):
            X = find_wavs(X) if Path(X).is_dir() else [X]
        if isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype != object:
            X = [X]  # one signal
        items = list(X)
        if not items:
            raise InputError("no audio given: pass a folder, WAV paths or sample arrays")
        return [_recording(item, i, rate) for i, item in enumerate(self._bar(items, "reading"))]

    def _bar(self, items, desc: str):
        return _progress(items, show_progress(self.verbose) and len(items) > 50, desc)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "autoencoder_")

    # Saving (used by aekit.io) ------------------------------------------------------------
    @classmethod
    def load(cls, path, **overrides) -> "SpeechUnits":
        """Read a folder written by :meth:`save`; ``overrides`` e.g. ``device="cpu"``."""
        from aekit.io import CONFIG, load, read_config

        kind = read_config(Path(path))["type"]
        if kind != "speech_units":
            raise ModelFileError(f"{path} holds a {kind!r} model, not speech units; "
                                 f"train them with `aekit speech units` ({CONFIG})")
        return load(path, **overrides)

    def _fitted_state(self):
        ae_meta, ae_tensors = self.autoencoder_._fitted_state()
        ae_params = {k: list(v) if isinstance(v, tuple) else v
                     for k, v in self.autoencoder_.get_params(deep=False).items()
                     if k not in ("encoder", "decoder", "random_state", "checkpoint_dir")}
        meta = {"frames": self.frames_.to_json(), "n_files": self.n_files_,
                "n_frames": self.n_frames_, "codebook_usage": self.codebook_usage_,
                "codebook_perplexity": self.codebook_perplexity_,
                "autoencoder": {"params": ae_params, "fitted": ae_meta}}
        tensors = {_AE + k: v for k, v in ae_tensors.items()}
        tensors["features.mean"] = torch.from_numpy(self.standardizer_.mean)
        tensors["features.scale"] = torch.from_numpy(self.standardizer_.scale)
        return meta, tensors

    def _restore_fitted_state(self, meta, tensors) -> None:
        from aekit.models.autoencoder import AutoEncoder

        self.frames_ = FrameSettings(**meta["frames"])
        self.standardizer_ = Standardizer(tensors["features.mean"].numpy(),
                                          tensors["features.scale"].numpy())
        params = {k: tuple(v) if isinstance(v, list) else v
                  for k, v in meta["autoencoder"]["params"].items()}
        params["device"] = self.device  # a load-time device override reaches the net
        ae = AutoEncoder(**params)
        ae._restore_fitted_state(meta["autoencoder"]["fitted"],
                                 {k[len(_AE):]: v for k, v in tensors.items() if k.startswith(_AE)})
        self.autoencoder_ = ae
        self.n_files_, self.n_frames_ = meta["n_files"], meta["n_frames"]
        self.codebook_usage_ = meta["codebook_usage"]
        self.codebook_perplexity_ = meta["codebook_perplexity"]


def unit_usage(units: list[np.ndarray], codebook: int) -> dict:
    """Share of the ``codebook`` units that occur in ``units`` and the perplexity
    exp(entropy) of their frequencies (``codebook`` for even use, 1 for a single unit)."""
    from aekit.models.discrete import code_usage

    ids = np.concatenate(units) if units else np.zeros(0, dtype=np.int64)
    if not len(ids):
        return {"frames": 0, "units_used": 0, "usage": 0.0, "perplexity": 0.0}
    usage, perplexity = code_usage(ids, codebook)
    return {"frames": len(ids), "units_used": round(usage * codebook), "usage": usage,
            "perplexity": perplexity}


def _recording(item, i: int, rate: int | None) -> Recording:
    """A path is read; an array (samples,) or (samples, channels) is taken at ``rate``."""
    if isinstance(item, Recording):
        return item
    if isinstance(item, (str, os.PathLike)):
        return read_wav(item)
    if rate is None:
        raise InputError("sample arrays need sample_rate=...: pass it to SpeechUnits, or "
                         "pass WAV file paths")
    samples = np.asarray(item, dtype=np.float32)
    if samples.ndim == 2:  # (samples, channels) as soundfile reads it
        samples, channels = samples.mean(axis=1), samples.shape[1]
    elif samples.ndim == 1:
        channels = 1
    else:
        raise InputError(f"signal {i} has shape {samples.shape}; expected (samples,) or "
                         "(samples, channels)")
    if len(samples) == 0 or not np.isfinite(samples).all():
        raise InputError(f"signal {i} is empty or holds NaN or infinite samples")
    return Recording(f"signal {i}", samples, int(rate), channels)
