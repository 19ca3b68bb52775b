"""Speech for the voice converter: FSDD's 5 real speakers, synthetic speakers made
offline by Debian's espeak-ng and flite (installed by scripts/dev.sh when root), and
pseudo-speakers made from the real ones by the WORLD vocoder (``pyworld``, bench extra):
each real voice re-synthesized with its pitch and its formants moved.

Four real voices are too few for a speaker code that reaches a voice it never heard:
trained on them alone, the decoder renders an unseen speaker as the nearest training
one. The pseudo-speakers fill the space between and around the real voices with voices
that are still human (the synthetic ones are not).

FSDD is recorded at 8 kHz; the synthetic voices are band-limited the same way (written
at 8 kHz), so that the speaker code cannot tell real from synthetic by bandwidth alone.
One FSDD speaker (:data:`LEFT_OUT`) is never used in training: the benchmark converts
the others' recordings to that speaker from one of its recordings.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.common import REPO_ROOT, shared_data_dir

LEFT_OUT = "theo"
RATE = 8000
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
SENTENCES = ["the cat sat on the mat", "please call me back tomorrow", "open the window now",
             "it is raining again today", "we will meet at noon", "turn left at the corner",
             "my phone number is seven two one", "good morning everyone", "how are you doing",
             "the train leaves at eight"]
ESPEAK_VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
                   "croak", "klatt", "klatt2", "klatt3"]
ESPEAK_BASES = {"en-us": 55, "en-gb": 40}  # base voice: pitch (0-99)
FLITE_VOICES = ["kal", "kal16", "awb", "rms", "slt"]
CACHE = REPO_ROOT / "benchmarks" / ".cache" / "voices"
# pseudo-speakers: (formant factor, pitch factor) pairs applied to every real speaker
PSEUDO_WARPS = [(a, b) for a in (0.88, 0.94, 1.06, 1.12) for b in (0.8, 1.0, 1.25)]
PSEUDO_TAKES = range(0, 50, 6)  # of each digit: 9 takes, 90 recordings per pseudo-speaker


@dataclass
class Speech:
    paths: list[Path]
    speakers: list[str]
    words: list[str]  # what is said (FSDD: the digit's word)


def fsdd(speakers=None, takes=range(50)) -> Speech:
    folder = shared_data_dir() / "fsdd" / "recordings"
    out = Speech([], [], [])
    takes = set(takes)
    for path in sorted(folder.glob("*.wav")):
        digit, speaker, take = path.stem.split("_")
        if (speakers is None or speaker in speakers) and int(take) in takes:
            out.paths.append(path)
            out.speakers.append(speaker)
            out.words.append(DIGITS[int(digit)])
    return out


def fsdd_speakers() -> list[str]:
    return sorted({p.stem.split("_")[1] for p in (shared_data_dir() / "fsdd" / "recordings").glob("*.wav")})


def synthetic(cache: Path = CACHE) -> Speech:
    """Every synthetic speaker saying each digit at 3 speeds and each sentence once
    (written once to ``cache``; empty when neither synthesizer is installed)."""
    out = Speech([], [], [])
    for speaker, make in _synthesizers():
        folder = cache / speaker
        texts = [(w, w, rate) for w in DIGITS for rate in (130, 165, 200)] + \
                [(s, s, 165) for s in SENTENCES]
        for k, (words, text, rate) in enumerate(texts):
            path = folder / f"{k:02d}.wav"
            if not path.exists():
                folder.mkdir(parents=True, exist_ok=True)
                make(text, rate, path)
            out.paths.append(path)
            out.speakers.append(speaker)
            out.words.append(words)
    return out


def _synthesizers():
    if shutil.which("espeak-ng"):
        for base, pitch in ESPEAK_BASES.items():
            for variant in ESPEAK_VARIANTS:
                yield f"espeak-{base}-{variant}", _espeak(f"{base}+{variant}", pitch)
    if shutil.which("flite"):
        for voice in FLITE_VOICES:
            yield f"flite-{voice}", _flite(voice)


def _espeak(voice: str, pitch: int):
    def make(text, rate, path):
        _run_to(path, lambda tmp: ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(rate),
                                   "-w", str(tmp), text])
    return make


def _flite(voice: str):
    def make(text, rate, path):
        stretch = f"{165 / rate:.2f}"
        _run_to(path, lambda tmp: ["flite", "-voice", voice, "--setf", f"duration_stretch={stretch}",
                                   "-t", text, "-o", str(tmp)])
    return make


def _run_to(path: Path, command) -> None:
    """Synthesize into a temporary file, then write it band-limited at 8 kHz."""
    import librosa
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(command(raw), check=True, capture_output=True)
        samples, rate = sf.read(str(raw), dtype="float32", always_2d=True)
        samples = librosa.resample(samples.mean(1), orig_sr=rate, target_sr=RATE)
        peak = float(np.abs(samples).max()) or 1.0
        sf.write(str(path), samples * (0.7 / peak), RATE, subtype="PCM_16")


def pseudo_speakers(real: Speech, cache: Path = CACHE / "pseudo") -> Speech:
    """Each real speaker of ``real`` re-synthesized by WORLD under every (formant, pitch)
    factor of :data:`PSEUDO_WARPS`, on takes :data:`PSEUDO_TAKES` (written once to
    ``cache``; empty without pyworld)."""
    try:
        import pyworld  # noqa: F401
    except ImportError:
        print("benchmarks.voices: pyworld is not installed (pip install -e .[bench]): "
              "training without the pseudo-speakers")
        return Speech([], [], [])
    out = Speech([], [], [])
    takes = set(PSEUDO_TAKES)
    for path, speaker, word in zip(real.paths, real.speakers, real.words):
        if int(path.stem.split("_")[-1]) not in takes:
            continue
        analysis = None
        for formant, pitch in PSEUDO_WARPS:
            name = f"{speaker}-f{formant:g}-p{pitch:g}"
            dest = cache / name / path.name
            if not dest.exists():
                analysis = analysis or _world_analysis(path)
                dest.parent.mkdir(parents=True, exist_ok=True)
                _world_write(analysis, formant, pitch, dest)
            out.paths.append(dest)
            out.speakers.append(name)
            out.words.append(word)
    return out


def _world_analysis(path: Path):
    import pyworld
    import soundfile as sf

    samples, rate = sf.read(str(path), dtype="float64", always_2d=True)
    x = np.ascontiguousarray(samples.mean(1))
    f0, t = pyworld.dio(x, rate, frame_period=5.0)
    f0 = pyworld.stonemask(x, f0, t, rate)
    return rate, f0, pyworld.cheaptrick(x, f0, t, rate), pyworld.d4c(x, f0, t, rate)


def _world_write(analysis, formant: float, pitch: float, dest: Path) -> None:
    """Pitch times ``pitch``; the spectral envelope stretched along frequency by
    ``formant`` (above 1: a shorter vocal tract, higher formants)."""
    import pyworld
    import soundfile as sf

    rate, f0, envelope, aperiodicity = analysis
    bins = np.arange(envelope.shape[1], dtype=np.float64)
    source = np.clip(bins / formant, 0, bins[-1])
    warped = np.stack([np.interp(source, bins, frame) for frame in envelope])
    y = pyworld.synthesize(f0 * pitch, np.ascontiguousarray(warped), aperiodicity, rate,
                           frame_period=5.0)
    peak = float(np.abs(y).max()) or 1.0
    sf.write(str(dest), (y * (0.7 / peak)).astype(np.float32), rate, subtype="PCM_16")


def training_speech() -> Speech:
    """FSDD without :data:`LEFT_OUT`, the synthetic speakers, and pseudo-speakers made
    from the same four real speakers."""
    real = fsdd([s for s in fsdd_speakers() if s != LEFT_OUT])
    synth, pseudo = synthetic(), pseudo_speakers(real)
    return Speech(real.paths + synth.paths + pseudo.paths,
                  real.speakers + synth.speakers + pseudo.speakers,
                  real.words + synth.words + pseudo.words)


def word_of(path: Path) -> str:
    match = re.match(r"(\d)_", path.name)
    return DIGITS[int(match.group(1))] if match else ""
