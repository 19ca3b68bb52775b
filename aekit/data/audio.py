"""Finding and reading WAV files: mono float32 samples at one common sample rate.

soundfile (libsndfile) reads the files; librosa resamples them (through soxr). Every
problem a user can fix names the file and raises aekit's DataError.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aekit.errors import DataError, MissingDataError

logger = logging.getLogger(__name__)

WAV_SUFFIXES = (".wav", ".wave")


@dataclass
class Recording:
    """One file's samples (float32, mono) and the rate they were recorded at."""

    name: str
    samples: np.ndarray
    sample_rate: int
    channels: int


def find_wavs(folder) -> list[Path]:
    """Every WAV file under ``folder`` (sub-folders too), in a stable sorted order."""
    folder = Path(folder)
    if not folder.exists():
        raise MissingDataError(f"no folder at {folder}")
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder; pass a folder of WAV files")
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in WAV_SUFFIXES and p.is_file())
    if not paths:
        raise DataError(f"no WAV files (*.wav) under {folder}")
    return paths


def read_wav(path, name: str | None = None) -> Recording:
    """Read one WAV file; several channels are averaged to mono by the caller's request
    (:func:`read_wavs` says so in one warning)."""
    import soundfile as sf

    path = Path(path)
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except FileNotFoundError:
        raise MissingDataError(f"no WAV file at {path}") from None
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        # libsndfile's message ("Format not recognised", "unimplemented format") is the why
        raise DataError(f"cannot read {path} as audio ({_first_line(exc)})") from None
    if data.shape[0] == 0:
        raise DataError(f"{path} holds no audio samples")
    if not np.isfinite(data).all():
        raise DataError(f"{path} holds NaN or infinite samples")
    return Recording(name or path.name, data.mean(axis=1), int(rate), data.shape[1])


def read_wavs(paths, *, names=None, sample_rate: int | None = None,
              progress: bool = False) -> tuple[list[Recording], int]:
    """Read ``paths`` as mono recordings at one rate: ``sample_rate`` when given, else
    the most common rate among the files. Others are resampled, and stereo files mixed
    to mono, each with one warning that says how many files it touched."""
    paths = [Path(p) for p in paths]
    names = names or [p.name for p in paths]
    recordings = [read_wav(p, n) for p, n in _progress(list(zip(paths, names)), progress, "reading WAV")]
    recordings = conform(recordings, sample_rate)
    return recordings, recordings[0].sample_rate


def most_common_rate(recordings: list[Recording]) -> int:
    # ties go to the higher rate: downsampling loses less than inventing a band
    counts = Counter(r.sample_rate for r in recordings)
    return max(counts, key=lambda rate: (counts[rate], rate))


def conform(recordings: list[Recording], sample_rate: int | None = None) -> list[Recording]:
    """Mono at ``sample_rate`` (default: the most common rate), saying what was changed."""
    if not recordings:
        raise DataError("no recordings to read")
    target = int(sample_rate) if sample_rate else most_common_rate(recordings)
    multi = [r.name for r in recordings if r.channels > 1]
    if multi:
        logger.warning("mixed %d multi-channel file(s) to mono (e.g. %s)", len(multi), multi[0])
    other = [r for r in recordings if r.sample_rate != target]
    if other:
        rates = sorted({r.sample_rate for r in other})
        logger.warning("resampled %d of %d file(s) from %s Hz to %d Hz (e.g. %s); pass a "
                       "sample rate to choose the common rate", len(other), len(recordings),
                       "/".join(map(str, rates)), target, other[0].name)
    return [_resampled(r, target) for r in recordings]


def _resampled(recording: Recording, target: int) -> Recording:
    if recording.sample_rate == target and recording.channels == 1:
        return recording
    samples = recording.samples
    if recording.sample_rate != target:
        import librosa

        samples = librosa.resample(samples, orig_sr=recording.sample_rate, target_sr=target,
                                   res_type="soxr_hq").astype(np.float32, copy=False)
    return Recording(recording.name, samples, target, 1)


def _progress(items, enabled: bool, desc: str):
    if not enabled:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="file", leave=False)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
