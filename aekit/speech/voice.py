"""VoiceConverter: one speaker's words in another speaker's voice, from one recording of
the target (one-shot), by an auto-encoder with separate content and speaker codes
(AdaIN-VC, Chou et al. 2019; see :mod:`aekit.speech.voice_net`).

>>> vc = VoiceConverter().fit(paths, speakers)                   # doctest: +SKIP
>>> audio = vc.convert("me.wav", ["someone-else.wav"])           # doctest: +SKIP
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from aekit import params as P
from aekit.base import NeuralEstimator, seeded_init, training_rules
from aekit.data.audio import Recording, conform, read_wav
from aekit.errors import DataError, InputError
from aekit.registry import ESTIMATORS
from aekit.speech import hifigan
from aekit.speech.audio_features import (
    MelSettings,
    clipped_share,
    griffin_lim,
    log_mel,
    voiced,
)
from aekit.speech.features import Standardizer
from aekit.speech.voice_bands import TargetVoice, correct_bands, measure_band_correction
from aekit.speech.voice_net import VoiceNet
from aekit.speech.voice_objective import VoiceReconstruction
from aekit.train import TensorSource, resolve_device

logger = logging.getLogger(__name__)

MIN_SOURCE_S = 0.1
MIN_TARGET_S = 0.2
TRAINING_ROWS = 40_000  # random (segment, reference) pairs drawn once per fit
VOCODERS = ("auto", "hifigan", "griffin-lim")


@ESTIMATORS.register("voice_converter")
class VoiceConverter(NeuralEstimator):
    """Split speech into a content code and a speaker code; convert voices one-shot.

    Parameters
    ----------
    sample_rate, n_fft, hop, n_mels, fmin, fmax
        Log-mel frames (every file is resampled to ``sample_rate``, stereo mixed). The
        HiFi-GAN vocoder reads only its own frames: ``sample_rate=22050, n_fft=1024,
        hop=256`` (:data:`aekit.speech.hifigan.HIFIGAN_MELS`). The defaults are 16 kHz
        frames every 10 ms, on which the shipped converter keeps more of the words
        (BENCHMARKS.md).
    channels, blocks : int, default=128, 4
        Width and depth of the convolutional encoders and decoder.
    content_dim, speaker_dim : int, default=16, 128
        Channels of the content code (per frame) and length of the speaker code.
    downsample : int, default=1
        Time steps per content vector (AutoVC's narrow bottleneck with 2 or more).
    adversarial_weight : float, default=0.0
        Weight of a speaker classifier on the content code (Chou et al. 2018); 0: none.
    segment_s : float, default=0.64
        Length of the training segments.
    griffin_lim_iters : int, default=48
        Iterations of the phase reconstruction when writing audio with Griffin-Lim.
    vocoder : {"auto", "hifigan", "griffin-lim"}, default="auto"
        How frames become a waveform. "hifigan": the HiFi-GAN neural vocoder
        (:mod:`aekit.speech.hifigan`; needs ``pip install aekit[vocoder]`` and a model
        trained on the vocoder's frames). "griffin-lim": phase
        reconstruction, which needs no weights and suits any frame settings. "auto":
        HiFi-GAN where both hold, else Griffin-Lim.
    perturbation : float, default=0.0
        In training, the content encoder reads each segment in a randomly changed voice
        (bands warped by up to this fraction, a random spectral tilt) and the decoder
        rebuilds the original, so the content code cannot carry the voice. 0: off (it
        moved voices further but kept fewer words, BENCHMARKS.md).
    band_correction : float, default=1.0
        How much of the target's band correction (:class:`TargetVoice`,
        :func:`correct_bands`) the converted frames get; 0: the decoder alone. The
        decoder knows only voices like the training speakers'; the correction is
        measured on the target recordings themselves (what the decoder fails to rebuild
        of them), so it carries an unseen voice further.
    max_steps : int or None, default=None
        Optimizer steps; None: 4,000.
    batch_size, learning_rate, weight_decay, lr_schedule, validation_fraction, device,
    mixed_precision, checkpoint_dir, checkpoint_every, verbose, random_state
        As for every aekit model ("bf16" trains under bfloat16 autocast on a CPU too,
        faster where the processor has AMX: 1.85x for this model, BENCHMARKS.md).

    Attributes
    ----------
    module_ : VoiceNet
    mel_ : MelSettings
    standardizer_ : Standardizer (per mel band)
    speakers_ : list of str (the training speakers, in label order)
    """

    _rules = {
        "sample_rate": P.integer(4000),
        "n_fft": P.integer(64),
        "hop": P.integer(16),
        "n_mels": P.integer(8),
        "fmin": P.real(0.0),
        "fmax": P.interval(0.0, 1e6, open_low=True),
        "channels": P.integer(8),
        "blocks": P.integer(1),
        "content_dim": P.integer(1),
        "speaker_dim": P.integer(1),
        "downsample": P.integer(1),
        "adversarial_weight": P.real(0.0),
        "segment_s": P.real(0.1, 10.0),
        "griffin_lim_iters": P.integer(1),
        "vocoder": P.options(*VOCODERS),
        "perturbation": P.real(0.0, 0.5),
        "band_correction": P.real(0.0),
        **training_rules("max_steps", "batch_size", "learning_rate", "weight_decay",
                         "lr_schedule", "validation_fraction", "device", "mixed_precision",
                         "checkpoint_dir", "checkpoint_every", "verbose", "random_state"),
    }
    DEFAULT_STEPS = 4000

    def __init__(self, *, sample_rate=16000, n_fft=512, hop=160, n_mels=80, fmin=0.0,
                 fmax=8000.0, channels=128, blocks=4, content_dim=16, speaker_dim=128,
                 downsample=1, adversarial_weight=0.0, segment_s=0.64, griffin_lim_iters=48,
                 vocoder="auto", perturbation=0.0, band_correction=1.0, max_steps=None,
                 batch_size=32, learning_rate=5e-4, weight_decay=0.0, lr_schedule="cosine",
                 validation_fraction=0.05, device="auto",
                 mixed_precision="auto", checkpoint_dir=None, checkpoint_every=1,
                 verbose="auto", random_state=None):
        self.sample_rate = sample_rate
        self.n_fft = n_fft
        self.hop = hop
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.channels = channels
        self.blocks = blocks
        self.content_dim = content_dim
        self.speaker_dim = speaker_dim
        self.downsample = downsample
        self.adversarial_weight = adversarial_weight
        self.segment_s = segment_s
        self.griffin_lim_iters = griffin_lim_iters
        self.vocoder = vocoder
        self.perturbation = perturbation
        self.band_correction = band_correction
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.validation_fraction = validation_fraction
        self.device = device
        self.mixed_precision = mixed_precision
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.verbose = verbose
        self.random_state = random_state

    def _new_module(self) -> VoiceNet:
        n_speakers = len(self.speakers_) if self.adversarial_weight > 0 else 0
        return VoiceNet(self.mel_.n_mels, self.channels, self.content_dim, self.speaker_dim,
                        self.blocks, self.downsample, n_speakers)

    # Fitting ------------------------------------------------------------------------------
    def fit(self, X, y, *, resume: bool = False):
        """Learn from recordings ``X`` (audio file paths, or 1-D arrays at
        ``sample_rate``) spoken by speakers ``y`` (one id per recording). Returns self."""
        P.check_params(self, self._rules)
        if self.fmax > self.sample_rate / 2:
            raise InputError(f"fmax={self.fmax:g} is above half the sample rate "
                             f"({self.sample_rate / 2:g} Hz)")
        items = list(X)
        labels = [str(s) for s in y]
        if len(items) != len(labels):
            raise InputError(f"{len(items)} recordings but {len(labels)} speaker ids")
        self.speakers_ = sorted(set(labels))
        counts = {s: labels.count(s) for s in self.speakers_}
        if len(self.speakers_) < 2 or min(counts.values()) < 2:
            raise DataError(f"a voice converter learns from at least 2 speakers with at least "
                            f"2 recordings each; got {counts}")
        self.mel_ = MelSettings(int(self.sample_rate), int(self.n_fft), int(self.hop),
                                int(self.n_mels), float(self.fmin), float(self.fmax))
        mels = [self._frames(r) for r in self._recordings(items)]
        self.standardizer_ = Standardizer.fit(np.concatenate([m.T for m in mels]))
        frames = max(8, round(self.segment_s * self.mel_.frames_per_second))
        frames -= frames % self.downsample
        bank, rows = self._training_rows(mels, labels, frames)
        self.n_recordings_ = len(mels)
        seed = self._seed()
        self.device_ = resolve_device(self.device)
        if not hasattr(self, "module_"):
            with seeded_init(seed):
                self.module_ = self._new_module()
        self.module_.to(self.device_).train()
        objective = VoiceReconstruction(bank, frames, float(self.adversarial_weight),
                                        float(self.perturbation))
        self._train(self.module_, objective, TensorSource(rows), seed, resume=resume, epochs=None,
                    max_steps=self.max_steps or self.DEFAULT_STEPS, patience=None)
        self.module_.eval()
        return self

    def _training_rows(self, mels, labels, frames):
        """One bank of standardized frames (every recording padded with its own quietest
        frame to at least ``frames``), and random rows (segment start, reference start,
        speaker) whose reference is another recording of the same speaker."""
        pieces, starts, lengths = [], [], []
        at = 0
        for m in mels:
            m = self._standardized(m)
            if m.shape[1] < frames:
                quiet = m[:, [int(m.mean(0).argmin())]]
                m = np.concatenate([m, np.repeat(quiet, frames - m.shape[1], 1)], 1)
            pieces.append(m)
            starts.append(at)
            lengths.append(m.shape[1])
            at += m.shape[1]
        bank = torch.from_numpy(np.concatenate(pieces, 1))
        rng = np.random.default_rng(self._seed())
        by_speaker = {s: [i for i, l in enumerate(labels) if l == s] for s in self.speakers_}
        label_ids = np.array([self.speakers_.index(s) for s in labels])
        files = rng.integers(0, len(mels), TRAINING_ROWS)
        rows = np.empty((TRAINING_ROWS, 3), dtype=np.int64)
        for r, i in enumerate(files):
            same = by_speaker[labels[i]]
            j = same[rng.integers(len(same))]
            while j == i:
                j = same[rng.integers(len(same))]
            rows[r] = (starts[i] + rng.integers(0, lengths[i] - frames + 1),
                       starts[j] + rng.integers(0, lengths[j] - frames + 1), label_ids[i])
        return bank, torch.from_numpy(rows)

    # Reading ------------------------------------------------------------------------------
    def _recordings(self, items) -> list[Recording]:
        recs = []
        for k, item in enumerate(items):
            if isinstance(item, (str, Path)):
                recs.append(read_wav(item))
            else:
                samples = np.asarray(item, dtype=np.float32)
                if samples.ndim != 1:
                    raise InputError(f"recording {k} must be a 1-D array of samples, got "
                                     f"shape {samples.shape}")
                if not np.isfinite(samples).all():
                    raise DataError(f"recording {k} holds NaN or infinite samples")
                recs.append(Recording(f"recording {k}", samples, int(self.mel_.sample_rate), 1))
        return conform(recs, self.mel_.sample_rate)

    def _frames(self, rec: Recording, minimum_s: float = 0.0) -> np.ndarray:
        if clipped_share(rec.samples) > 0.01:
            logger.warning("%s is clipped (%.1f%% of samples at full scale); the result will "
                           "sound worse", rec.name, 100 * clipped_share(rec.samples))
        samples = voiced(rec.samples, rec.name)
        seconds = len(samples) / rec.sample_rate
        if seconds < minimum_s:
            raise DataError(f"{rec.name} holds {seconds:.2f} s of speech; at least "
                            f"{minimum_s:g} s is needed")
        return log_mel(samples, self.mel_)

    def _standardized(self, mel: np.ndarray) -> np.ndarray:
        return self.standardizer_(mel.T).T.astype(np.float32)

    def _unstandardized(self, frames: np.ndarray) -> np.ndarray:
        return (frames.T * self.standardizer_.scale + self.standardizer_.mean).T

    def _tensor(self, mel: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(self._standardized(mel))[None].to(self.device_)

    # Using --------------------------------------------------------------------------------
    def speaker_embedding(self, recordings) -> np.ndarray:
        """The speaker code of one speaker from one or more recordings, (speaker_dim,)."""
        return self._speaker_code(self._target_mels(recordings)).cpu().numpy()

    def target_voice(self, recordings) -> TargetVoice:
        """The speaker code and band correction of one speaker, from one or more
        recordings (at least 0.2 s of speech in all)."""
        mels = self._target_mels(recordings)
        code = self._speaker_code(mels)
        with torch.no_grad():
            rebuilt = [self.module_.convert(self._tensor(m), code[None])[0].cpu().numpy()
                       for m in mels]
        rebuilt = np.concatenate([self._unstandardized(r) for r in rebuilt], 1)
        return measure_band_correction(np.concatenate(mels, 1), rebuilt, code.cpu().numpy())

    def _target_mels(self, recordings) -> list[np.ndarray]:
        check_is_fitted(self)
        items = [recordings] if isinstance(recordings, (str, Path)) else list(recordings)
        if not items:
            raise InputError("give at least one recording of the target speaker")
        mels = [self._frames(r) for r in self._recordings(items)]
        seconds = sum(m.shape[1] for m in mels) / self.mel_.frames_per_second
        if seconds < MIN_TARGET_S:
            raise DataError(f"the target recordings hold {seconds:.2f} s of speech; at least "
                            f"{MIN_TARGET_S:g} s is needed to estimate a speaker")
        return mels

    def _speaker_code(self, mels: list[np.ndarray]) -> torch.Tensor:
        """The recordings' speaker codes, averaged weighted by their frames."""
        with torch.no_grad():
            codes = [self.module_.speaker_encoder(self._tensor(m))[0] for m in mels]
            weights = torch.tensor([m.shape[1] for m in mels], dtype=torch.float32,
                                   device=self.device_)
            return (torch.stack(codes) * weights[:, None]).sum(0) / weights.sum()

    def content_codes(self, recording) -> np.ndarray:
        """(T', content_dim) content code of one recording."""
        check_is_fitted(self)
        (rec,) = self._recordings([recording])
        with torch.no_grad():
            code = self.module_.content_encoder(self._tensor(self._frames(rec, MIN_SOURCE_S)))
        return code[0].T.cpu().numpy()

    def convert_frames(self, recording, speaker) -> np.ndarray:
        """Log mel frames (n_mels, T) of ``recording`` said in the voice of ``speaker``: a
        :class:`TargetVoice` (with ``band_correction`` of its band correction), or a
        bare speaker code (the decoder alone)."""
        check_is_fitted(self)
        voice = speaker if isinstance(speaker, TargetVoice) else None
        code = voice.code if voice is not None else speaker
        (rec,) = self._recordings([recording])
        mel = self._frames(rec, MIN_SOURCE_S)
        s = torch.as_tensor(np.asarray(code, dtype=np.float32), device=self.device_)[None]
        with torch.no_grad():
            out = self.module_.convert(self._tensor(mel), s)[0].cpu().numpy()
        frames = self._unstandardized(out)
        if voice is not None and self.band_correction > 0:
            frames = correct_bands(frames, voice, float(self.band_correction))
        return frames

    def convert(self, source, targets) -> np.ndarray:
        """``source`` (a path or samples) in the voice of ``targets`` (one or more
        recordings of one speaker): float32 samples at ``mel_.sample_rate``."""
        return self.synthesize(self.convert_frames(source, self.target_voice(targets)))

    def synthesize(self, frames: np.ndarray) -> np.ndarray:
        """A waveform at ``mel_.sample_rate`` of log mel ``frames`` (n_mels, T), by the
        vocoder :meth:`resolved_vocoder` names, peak at 0.9."""
        check_is_fitted(self)
        if self.resolved_vocoder() == "hifigan":
            audio = hifigan.vocode(frames)
        else:
            audio = griffin_lim(frames, self.mel_, int(self.griffin_lim_iters))
        peak = float(np.abs(audio).max()) or 1.0
        return (audio * (0.9 / peak)).astype(np.float32)

    def resolved_vocoder(self) -> str:
        """The vocoder :meth:`synthesize` uses: ``vocoder`` with "auto" resolved; a
        HiFi-GAN that cannot serve this model is refused, saying why."""
        P.check_argument("vocoder", self.vocoder, P.options(*VOCODERS))
        if self.vocoder == "griffin-lim":
            return "griffin-lim"
        if self.vocoder == "auto":
            fits = self.mel_ == hifigan.HIFIGAN_MELS and hifigan.available()
            return "hifigan" if fits else "griffin-lim"
        hifigan.check_mels(self.mel_)
        hifigan.load_generator()  # says how to install it when it is missing
        return "hifigan"

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "module_")

    # Saving -------------------------------------------------------------------------------
    def _fitted_state(self):
        meta = {"mel": self.mel_.to_json(), "speakers": self.speakers_,
                "mean": self.standardizer_.mean.tolist(), "scale": self.standardizer_.scale.tolist(),
                "n_recordings": self.n_recordings_}
        meta.update(self._training_meta())
        return meta, self._module_tensors(self.module_)

    def _restore_fitted_state(self, meta, tensors) -> None:
        self.device_ = resolve_device(self.device)
        self._restore_training_meta(meta)
        self.mel_ = MelSettings(**meta["mel"])
        self.speakers_ = list(meta["speakers"])
        self.standardizer_ = Standardizer(np.array(meta["mean"]), np.array(meta["scale"]))
        self.n_recordings_ = int(meta["n_recordings"])
        self.module_ = self._load_module(self._new_module(), tensors)
        self.module_.eval()
