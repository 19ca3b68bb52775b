"""One-shot voice conversion to a speaker never heard in training, judged by models
independent of aekit.

    pip install webrtcvad-wheels && pip install --no-deps resemblyzer   # the judge
    python -m benchmarks.voice_conversion [--models DIR ...] [--out benchmarks/.cache/vc]

FSDD's speaker :data:`benchmarks.voices.LEFT_OUT` is never used in training. The other
four speakers' takes 0-4 of every digit (200 recordings) are converted to that speaker
from ONE of its recordings (``--reference``). Judged by:

- speaker moved: resemblyzer's GE2E embeddings; the share of conversions closer (cosine)
  to the target speaker's centroid than to the source speaker's (centroids from takes
  10-49, which are never converted nor used as the reference);
- content kept: a digit classifier (logistic regression on MFCC statistics, scikit-learn)
  trained on real takes 10-49 of all five speakers; its accuracy on the conversions
  against its accuracy on the unconverted sources (and on the sources re-synthesized
  through the same Griffin-Lim, which separates the vocoder's loss from the model's);
- disentanglement: a speaker probe (logistic regression, 5-fold) on content-code frames
  (10 per recording) and on speaker codes of FSDD recordings (chance 20%);
- reconstruction: mel-cepstral distortion (13 MFCC without c0) of each source
  re-synthesized with its own speaker code, against the source;
- speed: real-time factor of convert() (seconds of work per second of audio).

Rows: each model as it converts by default (its decoder, then the target's band
correction: what the decoder misses of the target recording), the first model's decoder
alone (``band_correction=0``), and a baseline with no network at all: the source's own log-mel
frames moved to the target's mean and spread of each band, then the same Griffin-Lim.
Writes WAVs and a spectrogram PNG of a few conversions to ``--out``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import aekit
from aekit.speech.audio_features import griffin_lim, log_mel, voiced
from aekit.speech.shipped import SHIPPED_DIR
from benchmarks.common import REPO_ROOT, print_table
from benchmarks.voices import LEFT_OUT, fsdd, fsdd_speakers

JUDGE_RATE = 16000


def mfcc_stats(samples: np.ndarray, rate: int) -> np.ndarray:
    import librosa

    m = librosa.feature.mfcc(y=samples, sr=rate, n_mfcc=20, n_fft=512, hop_length=160)
    thirds = np.array_split(m, 3, axis=1)  # coarse time shape of the word
    return np.concatenate([m.mean(1), m.std(1)] + [t.mean(1) for t in thirds])


def load(path, rate=JUDGE_RATE) -> np.ndarray:
    import librosa

    samples, _ = librosa.load(str(path), sr=rate)
    return samples


def digit_classifier():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train = fsdd(takes=range(10, 50))
    X = np.stack([mfcc_stats(load(p), JUDGE_RATE) for p in train.paths])
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, train.words)


def judge():
    from resemblyzer import VoiceEncoder

    return VoiceEncoder("cpu", verbose=False)


def embed(encoder, samples: np.ndarray) -> np.ndarray:
    from resemblyzer import preprocess_wav

    wav = preprocess_wav(samples, source_sr=JUDGE_RATE)
    return encoder.embed_utterance(wav if len(wav) > 1600 else samples)


def centroids(encoder) -> dict[str, np.ndarray]:
    out = {}
    for speaker in fsdd_speakers():
        ref = fsdd([speaker], takes=range(10, 50))
        e = np.stack([embed(encoder, load(p)) for p in ref.paths[::4]])
        c = e.mean(0)
        out[speaker] = c / np.linalg.norm(c)
    return out


def to_rate(samples, rate):
    import librosa

    return samples if rate == JUDGE_RATE else librosa.resample(samples, orig_sr=rate, target_sr=JUDGE_RATE)


def mcd(reference: np.ndarray, other: np.ndarray, rate: int) -> float:
    import librosa

    a = librosa.feature.mfcc(y=reference, sr=rate, n_mfcc=14, n_fft=512, hop_length=160)[1:]
    b = librosa.feature.mfcc(y=other, sr=rate, n_mfcc=14, n_fft=512, hop_length=160)[1:]
    n = min(a.shape[1], b.shape[1])
    diff = a[:, :n] - b[:, :n]
    # librosa's MFCCs are cepstra of dB mel energies: already on the dB scale of MCD
    return float(np.mean(np.sqrt(2 * (diff ** 2).sum(0))))


def probe(features: np.ndarray, labels) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return float(cross_val_score(clf, features, labels, cv=5).mean())


def evaluate(name: str, model, reference: Path, sources, encoder, centre, digits, out: Path) -> dict:
    rate = model.mel_.sample_rate
    moved, correct, seconds, work, dists = 0, 0, 0.0, 0.0, []
    for k, (path, speaker, word) in enumerate(zip(sources.paths, sources.speakers, sources.words)):
        start = time.perf_counter()
        audio = model.convert(path, [reference])
        work += time.perf_counter() - start
        seconds += len(audio) / rate
        converted = to_rate(audio, rate)
        e = embed(encoder, converted)
        moved += float(e @ centre[LEFT_OUT]) > float(e @ centre[speaker])
        correct += digits.predict(mfcc_stats(converted, JUDGE_RATE)[None])[0] == word
        if k % 20 == 0:
            own = model.convert_frames(path, model.speaker_embedding([path]))
            dists.append(mcd(voiced(load(path, rate), str(path)), model.synthesize(own), rate))
        if k < 4:
            import soundfile as sf

            sf.write(str(out / f"{name}-{model.resolved_vocoder()}-{Path(path).stem}-to-{LEFT_OUT}.wav"), audio, rate)
    n = len(sources.paths)
    fs = fsdd(takes=range(0, 50, 5))
    long_enough = [(p, s) for p, s in zip(fs.paths, fs.speakers) if _speech_s(model, p) >= 0.2]
    # per frame: a time average of an instance-normalized code is zero by construction
    rng = np.random.default_rng(0)
    content, frame_labels = [], []
    for p, speaker in long_enough:
        codes = model.content_codes(p)
        content.append(codes[rng.choice(len(codes), min(10, len(codes)), replace=False)])
        frame_labels += [speaker] * len(content[-1])
    content = np.concatenate(content)
    speaker_codes = np.stack([model.speaker_embedding([p]) for p, _ in long_enough])
    labels = [s for _, s in long_enough]
    return {"model": name, "vocoder": model.resolved_vocoder(), "speaker moved": f"{moved / n:.0%}", "digit acc.": round(correct / n, 3),
            "probe on content frames": f"{probe(content, frame_labels):.0%}",
            "probe on speaker code": f"{probe(speaker_codes, labels):.0%}",
            "MCD (dB)": round(float(np.mean(dists)), 2), "RTF": round(work / seconds, 3)}


def _speech_s(model, path) -> float:
    from aekit.speech.audio_features import voiced

    return len(voiced(load(path, model.mel_.sample_rate), str(path))) / model.mel_.sample_rate


def baselines(sources, digits, model) -> dict:
    """The digit classifier on the sources as they are, and through each vocoder ``model``
    can use (its frames of the sources, straight back to audio)."""
    mel, rate = model.mel_, model.mel_.sample_rate
    found = {"the sources": float(np.mean([digits.predict(mfcc_stats(load(p), JUDGE_RATE)[None])[0] == w
                                           for p, w in zip(sources.paths, sources.words)]))}
    vocoders = ["griffin-lim"] + (["hifigan"] if model.resolved_vocoder() == "hifigan" else [])
    for vocoder in vocoders:
        model.set_params(vocoder=vocoder)
        hits = [digits.predict(mfcc_stats(to_rate(model.synthesize(log_mel(load(p, rate), mel)),
                                                  rate), JUDGE_RATE)[None])[0] == w
                for p, w in zip(sources.paths, sources.words)]
        found[f"the sources through {vocoder} alone"] = float(np.mean(hits))
    model.set_params(vocoder="auto")
    return found


def statistics_only(reference: Path, sources, encoder, centre, digits, mel) -> dict:
    """No network: each source's log-mel frames given the reference's band statistics."""
    rate = mel.sample_rate
    target = log_mel(voiced(load(reference, rate), str(reference)), mel)
    mean, std = target.mean(1, keepdims=True), target.std(1, keepdims=True) + 1e-3
    moved, correct = 0, 0
    for path, speaker, word in zip(sources.paths, sources.speakers, sources.words):
        own = log_mel(voiced(load(path, rate), str(path)), mel)
        frames = (own - own.mean(1, keepdims=True)) / (own.std(1, keepdims=True) + 1e-3) * std + mean
        converted = to_rate(griffin_lim(frames, mel), rate)
        e = embed(encoder, converted)
        moved += float(e @ centre[LEFT_OUT]) > float(e @ centre[speaker])
        correct += digits.predict(mfcc_stats(converted, JUDGE_RATE)[None])[0] == word
    n = len(sources.paths)
    return {"model": "band statistics alone (no network)", "vocoder": "griffin-lim",
            "speaker moved": f"{moved / n:.0%}",
            "digit acc.": round(correct / n, 3)}


def spectrograms(model, reference: Path, source: Path, path: Path) -> None:
    import matplotlib.pyplot as plt

    frames = {"source": log_mel(load(source, model.mel_.sample_rate), model.mel_),
              f"target ({LEFT_OUT}, the one reference)": log_mel(load(reference, model.mel_.sample_rate), model.mel_),
              "converted": model.convert_frames(source, model.target_voice([reference]))}
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for ax, (title, f) in zip(axes, frames.items()):
        ax.imshow(f, origin="lower", aspect="auto", cmap="magma")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(f"frame ({1000 / model.mel_.frames_per_second:.1f} ms)")
    axes[0].set_ylabel("mel band")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", type=Path, default=[SHIPPED_DIR],
                        help="converter folders (default: the shipped one)")
    parser.add_argument("--reference", default=f"3_{LEFT_OUT}_0.wav",
                        help="the one recording of the target speaker")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / ".cache" / "vc")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    reference = fsdd([LEFT_OUT]).paths[0].parent / args.reference
    sources = fsdd([s for s in fsdd_speakers() if s != LEFT_OUT], takes=range(5))
    print(f"{len(sources.paths)} recordings of {sorted(set(sources.speakers))} converted to "
          f"{LEFT_OUT} (never in training) from {reference.name} alone\n")
    encoder, digits = judge(), digit_classifier()
    centre = centroids(encoder)
    models = [(p.name if p != SHIPPED_DIR else "shipped", aekit.load(p)) for p in args.models]
    rows = []
    for name, model in models:
        rows.append(evaluate(name, model, reference, sources, encoder, centre, digits, args.out))
        if model.resolved_vocoder() == "hifigan":  # the same frames through Griffin-Lim
            model.set_params(vocoder="griffin-lim")
            rows.append(evaluate(name, model, reference, sources, encoder, centre, digits,
                                 args.out))
            model.set_params(vocoder="auto")
    first_name, first = models[0]
    first.set_params(band_correction=0.0)
    rows.append(evaluate(f"{first_name}, decoder alone", first, reference, sources, encoder,
                         centre, digits, args.out))
    first.set_params(band_correction=1.0)
    rows.append(statistics_only(reference, sources, encoder, centre, digits, first.mel_))
    print_table(rows)
    hifi = [m for _, m in models if m.resolved_vocoder() == "hifigan"]
    base = baselines(sources, digits, hifi[0] if hifi else first)
    print("\ndigit classifier accuracy on " + "; on ".join(f"{k}: {v:.3f}" for k, v in base.items()))
    picture = REPO_ROOT / "docs" / "images" / "voice_conversion.png"
    spectrograms(models[0][1], reference, sources.paths[0], picture)
    print(f"wrote {picture} and WAVs under {args.out}")


if __name__ == "__main__":
    main()
