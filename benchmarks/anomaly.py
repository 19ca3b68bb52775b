"""Anomaly detection on ADBench's classical sets: aekit vs PyOD's AutoEncoder, IsolationForest, PCA.

Protocol (ADBench's): for each set, the same seeded 70/30 stratified splits; the
detectors train on the 70 % without labels (``unsupervised``: anomalies included) or on
its normal rows only (``oneclass``), and score the 30 %. Reported: ROC-AUC and PR-AUC
(average precision) per set, their means, the mean rank by ROC-AUC, and fit + score
seconds. Every detector runs with its library's defaults; aekit with its one default
configuration (``AnomalyDetector(random_state=split)``).

Results are cached per (setting, set, detector) under ``benchmarks/.cache/anomaly``
(git-ignored), so the run can be done in chunks (``--sets``) and the table printed from
the cache at the end (``--report``). PyOD's AutoEncoder runs one split on sets of more
than ``--pyod-max-rows`` rows (it takes minutes there); the table marks those sets.

    python -m benchmarks.anomaly --sets 4_breastw,42_WBC --splits 5
    python -m benchmarks.anomaly --report
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split

try:
    from benchmarks.common import REPO_ROOT, print_table, shared_data_dir
except ImportError:  # run as a script: python benchmarks/anomaly.py
    from common import REPO_ROOT, print_table, shared_data_dir

CACHE = REPO_ROOT / "benchmarks" / ".cache" / "anomaly"
DETECTORS = ("aekit", "pyod_ae", "iforest", "pca")


def aekit_scores(X_train, X_test, seed):
    import aekit

    det = aekit.AnomalyDetector(random_state=seed).fit(X_train)
    return det.anomaly_score(X_test)


def pyod_ae_scores(X_train, X_test, seed):
    from pyod.models.auto_encoder import AutoEncoder  # pip install -e '.[bench]'

    det = AutoEncoder(verbose=0)  # its defaults (random_state=42, 10 epochs, batch 32)
    det.fit(X_train)
    return det.decision_function(X_test)


def iforest_scores(X_train, X_test, seed):
    from sklearn.ensemble import IsolationForest

    return -IsolationForest(random_state=seed).fit(X_train).score_samples(X_test)


def pca_scores(X_train, X_test, seed):
    """Squared reconstruction error of a PCA keeping 90 % of the variance of standardized
    data (constant columns are left unscaled, so no score is ever inf or NaN)."""
    from sklearn.decomposition import PCA

    mean, std = X_train.mean(0), X_train.std(0)
    std = np.where(std > 0, std, 1.0)
    pca = PCA(n_components=0.9, svd_solver="full", random_state=seed).fit((X_train - mean) / std)
    Z = (X_test - mean) / std
    return ((Z - pca.inverse_transform(pca.transform(Z))) ** 2).sum(1)


SCORERS = {"aekit": aekit_scores, "pyod_ae": pyod_ae_scores, "iforest": iforest_scores,
           "pca": pca_scores}


def run_one(name, X, y, detector, setting, splits):
    results = []
    for seed in splits:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, random_state=seed, stratify=y)
        if setting == "oneclass":
            X_train = X_train[y_train == 0]
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scores = np.asarray(SCORERS[detector](X_train, X_test, seed), dtype=np.float64)
        seconds = time.perf_counter() - start
        finite = bool(np.isfinite(scores).all())
        scores = np.nan_to_num(scores, nan=0.0, posinf=1e300, neginf=-1e300)
        results.append({"split": seed, "roc": roc_auc_score(y_test, scores),
                        "pr": average_precision_score(y_test, scores), "seconds": seconds,
                        "finite": finite})
        print(f"{setting} {name} {detector} split {seed}: ROC {results[-1]['roc']:.3f} "
              f"PR {results[-1]['pr']:.3f} {seconds:.2f}s" + ("" if finite else " NON-FINITE"),
              flush=True)
    return results


def cache_file(setting, name, detector) -> Path:
    return CACHE / setting / name / f"{detector}.json"


def run(sets, detectors, settings, n_splits, pyod_max_rows, force):
    for path in sets:
        data = np.load(path)
        X, y = data["X"].astype(np.float64), data["y"].astype(int)
        name = path.stem
        for setting in settings:
            for detector in detectors:
                splits = list(range(n_splits))
                if detector == "pyod_ae" and len(X) > pyod_max_rows:
                    splits = splits[:1]
                out = cache_file(setting, name, detector)
                if out.exists() and not force:
                    cached = json.loads(out.read_text())
                    if [r["split"] for r in cached["results"]] == splits:
                        continue
                results = run_one(name, X, y, detector, setting, splits)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps({"rows": len(X), "features": X.shape[1],
                                           "results": results}, indent=1))


def report(setting, detectors, sets):
    rows, per_set = [], {}
    for path in sets:
        entry = {}
        for detector in detectors:
            f = cache_file(setting, path.stem, detector)
            if f.exists():
                entry[detector] = json.loads(f.read_text())
        if len(entry) == len(detectors):
            per_set[path.stem] = entry
    if not per_set:
        print(f"(no complete results for {setting})")
        return
    ranks = {d: [] for d in detectors}
    for name, entry in per_set.items():
        mean = {d: np.mean([r["roc"] for r in entry[d]["results"]]) for d in detectors}
        order = sorted(detectors, key=lambda d: -mean[d])
        for d in detectors:  # average ranks for ties
            tied = [i + 1 for i, o in enumerate(order) if mean[o] == mean[d]]
            ranks[d].append(float(np.mean(tied)))
        any_entry = next(iter(entry.values()))
        row = {"set": name, "rows": any_entry["rows"]}
        for d in detectors:
            res = entry[d]["results"]
            most = max(len(e["results"]) for e in entry.values())
            mark = "*" if len(res) < most else ""  # fewer splits (PyOD's AE on big sets)
            row[f"{d} ROC"] = f"{np.mean([r['roc'] for r in res]):.3f}{mark}"
        for d in detectors:
            row[f"{d} PR"] = f"{np.mean([r['pr'] for r in entry[d]['results']]):.3f}"
        rows.append(row)
    summary = {"set": f"mean ({len(per_set)} sets)", "rows": ""}
    rank_row = {"set": "mean rank (ROC)", "rows": ""}
    time_row = {"set": "fit+score s, all splits", "rows": ""}
    split_time = {"set": "fit+score s, split 0 only", "rows": ""}
    finite_row = {"set": "non-finite score runs", "rows": ""}
    for d in detectors:
        roc = [np.mean([r["roc"] for r in per_set[n][d]["results"]]) for n in per_set]
        pr = [np.mean([r["pr"] for r in per_set[n][d]["results"]]) for n in per_set]
        summary[f"{d} ROC"], summary[f"{d} PR"] = f"{np.mean(roc):.3f}", f"{np.mean(pr):.3f}"
        rank_row[f"{d} ROC"] = f"{np.mean(ranks[d]):.2f}"
        time_row[f"{d} ROC"] = f"{sum(r['seconds'] for n in per_set for r in per_set[n][d]['results']):.1f}"
        split_time[f"{d} ROC"] = f"{sum(per_set[n][d]['results'][0]['seconds'] for n in per_set):.1f}"
        finite_row[f"{d} ROC"] = str(sum(not r["finite"] for n in per_set
                                         for r in per_set[n][d]["results"]))
    print(f"\n### {setting}\n")
    print_table(rows + [summary, rank_row, time_row, split_time, finite_row])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="all", help="comma-separated set names, or 'all'")
    parser.add_argument("--exclude", default="", help="comma-separated set names to leave out")
    parser.add_argument("--detectors", default=",".join(DETECTORS))
    parser.add_argument("--settings", default="unsupervised,oneclass")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--pyod-max-rows", type=int, default=100_000)
    parser.add_argument("--force", action="store_true", help="recompute cached results")
    parser.add_argument("--report", action="store_true", help="only print tables from the cache")
    parser.add_argument("--smallest-first", action="store_true",
                        help="run the sets in order of size, so a cut-short run keeps the most")
    args = parser.parse_args(argv)
    folder = shared_data_dir() / "adbench"
    sets = sorted(folder.glob("*.npz"), key=lambda p: int(p.stem.split("_")[0]))
    if args.sets != "all":
        wanted = set(args.sets.split(","))
        sets = [p for p in sets if p.stem in wanted]
    sets = [p for p in sets if p.stem not in set(args.exclude.split(","))]
    if not sets:
        raise SystemExit(f"no ADBench sets found in {folder}")
    detectors = [d for d in args.detectors.split(",") if d]
    settings = [s for s in args.settings.split(",") if s]
    if not args.report:
        order = sorted(sets, key=lambda p: p.stat().st_size) if args.smallest_first else sets
        run(order, detectors, settings, args.splits, args.pyod_max_rows, args.force)
    for setting in settings:
        report(setting, detectors, sets)


if __name__ == "__main__":
    main()
