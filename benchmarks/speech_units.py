"""Discrete speech units (issue 5): does the codebook carry what was said, or who said it?

    python -m benchmarks.speech_units [--epochs 20] [--codebook 64]

Data: the Free Spoken Digit Dataset in ``shared_data_dir()/fsdd/recordings`` (2,500 WAVs
at 8 kHz, ``{digit}_{speaker}_{take}.wav``, 5 speakers x 10 digits x 50 takes). Takes
0-39 train (2,000 files), takes 40-49 are held out (500 files, every speaker and digit).

Units: ``aekit.speech.SpeechUnits`` (40 log-mel bands, 25 ms windows every 10 ms, +-2
frames of context, mlp 200-256-16, VQ codebook of K vectors) trained on the training
files only. Baseline units: k-means (K clusters, faiss) on the same standardised,
stacked frames, without an auto-encoder. ``--file-mean`` subtracts each file's mean log-mel
frame before everything (units and k-means; the log-mel baselines stay plain).

(a) Linear probes (scikit-learn LogisticRegression on standardised features, fitted on
the training files, scored on the held-out files) predicting the digit and the speaker
from: the bag of units (per-file unit histogram), the bag of units + unit bigrams, and,
as the continuous baseline, the per-file mean (and mean + std) of the log-mel frames.
(b) Per-frame purity on the held-out frames: the uncertainty coefficient
U(label; unit) = I(unit; label) / H(label), the share of the label's entropy that
knowing one frame's unit removes (0: nothing, 1: the unit names the label).
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import mutual_info_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aekit.data.audio import read_wavs
from aekit.speech import SpeechUnits, log_mel, stack_context, unit_usage
from benchmarks.common import print_table, shared_data_dir

NAME = re.compile(r"(\d)_([a-z]+)_(\d+)\.wav$")
HELD_OUT_FROM_TAKE = 40


def load_fsdd():
    folder = shared_data_dir() / "fsdd" / "recordings"
    paths = sorted(folder.glob("*.wav"))
    if not paths:
        raise SystemExit(f"no FSDD recordings in {folder}")
    meta = [NAME.search(p.name).groups() for p in paths]
    digits = np.array([int(d) for d, _, _ in meta])
    speakers_names = sorted({s for _, s, _ in meta})
    speakers = np.array([speakers_names.index(s) for _, s, _ in meta])
    held_out = np.array([int(t) >= HELD_OUT_FROM_TAKE for _, _, t in meta])
    return paths, digits, speakers, held_out, speakers_names


def bag(units: list[np.ndarray], k: int, bigrams: bool = False) -> np.ndarray:
    """Per-file unit frequencies (and, with bigrams, frequencies of consecutive pairs)."""
    rows = []
    for u in units:
        row = np.bincount(u, minlength=k) / len(u)
        if bigrams:
            pairs = np.bincount(u[:-1] * k + u[1:], minlength=k * k) / max(len(u) - 1, 1)
            row = np.concatenate([row, pairs])
        rows.append(row)
    return np.array(rows)


def probe(X_train, y_train, X_test, y_test) -> float:
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000, C=1.0))
    return float(model.fit(X_train, y_train).score(X_test, y_test))


def uncertainty(units: list[np.ndarray], labels: np.ndarray) -> float:
    """I(unit; label) / H(label) over frames, each frame labelled with its file's label."""
    ids = np.concatenate(units)
    per_frame = np.repeat(labels, [len(u) for u in units])
    counts = np.bincount(per_frame) / len(per_frame)
    entropy = -(counts[counts > 0] * np.log(counts[counts > 0])).sum()
    return float(mutual_info_score(per_frame, ids) / entropy)


def kmeans_units(train_inputs: list[np.ndarray], test_inputs: list[np.ndarray], k: int, seed: int):
    import faiss

    X = np.ascontiguousarray(np.concatenate(train_inputs), dtype=np.float32)
    km = faiss.Kmeans(X.shape[1], k, niter=25, seed=seed, max_points_per_centroid=100_000)
    km.train(X)

    def assign(parts):
        _, ids = km.index.search(np.ascontiguousarray(np.concatenate(parts), dtype=np.float32), 1)
        return np.split(ids[:, 0].astype(np.int64), np.cumsum([len(p) for p in parts])[:-1])

    return assign(train_inputs), assign(test_inputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codebook", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--context", type=int, default=2)
    parser.add_argument("--file-mean", action=argparse.BooleanOptionalAction, default=True,
                        help="Subtract each file's mean log-mel frame first (SpeechUnits' "
                             "default); --no-file-mean: global standardisation only.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    paths, digits, speakers, held_out, names = load_fsdd()
    train, test = ~held_out, held_out
    print(f"FSDD: {len(paths)} files, speakers {', '.join(names)}; train {train.sum()} files "
          f"(takes 0-{HELD_OUT_FROM_TAKE - 1}), held out {test.sum()} files")
    start = time.perf_counter()
    recordings, _ = read_wavs(paths)
    train_rec = [r for r, t in zip(recordings, train) if t]
    test_rec = [r for r, t in zip(recordings, test) if t]

    su = SpeechUnits(codebook=args.codebook, context=args.context, file_mean=args.file_mean,
                     epochs=args.epochs,
                     random_state=args.seed, verbose=False)
    su.fit(train_rec)
    fit_s = time.perf_counter() - start
    vq_train, vq_test = su.transform(train_rec), su.transform(test_rec)
    print(f"SpeechUnits fit on {su.n_frames_} frames in {fit_s:.0f} s "
          f"(K={args.codebook}, {args.epochs} epochs, context {args.context}, "
          f"file_mean {args.file_mean}, "
          f"best epoch {su.autoencoder_.best_epoch_})")

    frames_train, frames_test = su.frame_features(train_rec), su.frame_features(test_rec)
    stacked = [[stack_context(f, args.context) for f in part] for part in (frames_train, frames_test)]
    km_train, km_test = kmeans_units(*stacked, args.codebook, args.seed)

    # the continuous baselines use the plain log-mel frames (with --file-mean the units'
    # frames average to zero per file); the probe standardises them itself
    mel_train = [log_mel(r.samples, su.frames_) for r in train_rec]
    mel_test = [log_mel(r.samples, su.frames_) for r in test_rec]
    y = {"digit": digits, "speaker": speakers}
    k = args.codebook
    features = {
        "VQ units: bag of units": (bag(vq_train, k), bag(vq_test, k)),
        "VQ units: bag + bigrams": (bag(vq_train, k, True), bag(vq_test, k, True)),
        "k-means units: bag of units": (bag(km_train, k), bag(km_test, k)),
        "k-means units: bag + bigrams": (bag(km_train, k, True), bag(km_test, k, True)),
        "log-mel mean (continuous)": (np.array([f.mean(0) for f in mel_train]),
                                      np.array([f.mean(0) for f in mel_test])),
        "log-mel mean + std (continuous)": (
            np.array([np.concatenate([f.mean(0), f.std(0)]) for f in mel_train]),
            np.array([np.concatenate([f.mean(0), f.std(0)]) for f in mel_test])),
    }
    rows = []
    for name, (X_train, X_test) in features.items():
        row = {"features": name, "dims": X_train.shape[1]}
        for label, values in y.items():
            row[f"{label} acc"] = round(probe(X_train, values[train], X_test, values[test]), 3)
        rows.append(row)
    rows.append({"features": "chance", "dims": "", "digit acc": 0.1, "speaker acc": 0.2})
    print("\n(a) Linear probes on held-out files (LogisticRegression)")
    print_table(rows)

    rows = []
    for name, (tr, te) in {"VQ units (SpeechUnits)": (vq_train, vq_test),
                           "k-means units": (km_train, km_test)}.items():
        usage_train, usage_test = unit_usage(tr, k), unit_usage(te, k)
        rows.append({
            "units": name,
            "U(digit; unit)": round(uncertainty(te, digits[test]), 3),
            "U(speaker; unit)": round(uncertainty(te, speakers[test]), 3),
            "used (train)": f"{usage_train['units_used']}/{k}",
            "perplexity (train)": round(usage_train["perplexity"], 1),
            "used (held out)": f"{usage_test['units_used']}/{k}",
            "perplexity (held out)": round(usage_test["perplexity"], 1),
        })
    print(f"\n(b) Per-frame purity on {sum(len(u) for u in vq_test)} held-out frames, and codebook use")
    print_table(rows)
    print(f"\nestimator's own report: codebook_usage_ {su.codebook_usage_:.3f}, "
          f"codebook_perplexity_ {su.codebook_perplexity_:.1f}; total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
