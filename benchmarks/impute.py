"""Imputation on ADBench's tables: aekit's MaskedImputer against scikit-learn's imputers.

Protocol: each table (``X`` of ../shared/data/adbench; labels only for the downstream
check) loses its constant columns and, above ``--max-rows`` rows, is subsampled (seeded);
columns are standardised on the complete data, so errors are in standard deviations.
Then 20 % of the cells are hidden by one of three mechanisms, seeded:

* ``mcar``: every cell independently (missing completely at random);
* ``mar``: a third of the columns (at least one) stay complete; each other column loses
  cells with a probability that grows with one complete column's value (logistic,
  calibrated per column to the rate): missingness depends on what is observed;
* ``mnar``: each cell with a probability that grows with its own value (self-masking,
  logistic, calibrated per column): missingness depends on what is hidden.

Every imputer gets the holed table and fills it (fit_transform, as in practice: the
table to fill is the one learnt from). Reported per table: RMSE over the hidden cells,
seconds, and the balanced accuracy of a logistic regression (3-fold) on the filled
table with the anomaly labels. Peers, all scikit-learn: the column mean, KNNImputer (5
neighbours), IterativeImputer (BayesianRidge, its default), and IterativeImputer with
ExtraTreesRegressor (MissForest-like, as in scikit-learn's example: 10 trees,
max_iter=10). aekit: ``MaskedImputer(random_state=seed)``, its defaults.

Results are cached under ``benchmarks/.cache/impute`` (git-ignored), so the run can be
done in parts; ``--report`` prints the tables from the cache.

    python -m benchmarks.impute --mechanism mcar
    python -m benchmarks.impute --mechanism mar --sets 6_cardio,4_breastw
    python -m benchmarks.impute --report
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

try:
    from benchmarks.common import REPO_ROOT, print_table, shared_data_dir
except ImportError:  # run as a script: python benchmarks/impute.py
    from common import REPO_ROOT, print_table, shared_data_dir

CACHE = REPO_ROOT / "benchmarks" / ".cache" / "impute"
METHODS = ("mean", "knn", "iterative", "missforest", "aekit")
MECHANISMS = ("mcar", "mar", "mnar")
MAX_COLUMNS = 64  # wider tables take IterativeImputer (ExtraTrees) many minutes each
RATE = 0.2
# The tables MaskedImputer's defaults were compared on (every other one in name order);
# the report gives the means over them and over the rest apart, to show what that cost.
DEV_TABLES = ("10_cover", "14_glass", "16_http", "1_ALOI", "21_Lymphography", "26_optdigits",
              "28_pendigits", "32_shuttle", "35_SpamBase", "38_thyroid", "41_Waveform",
              "43_WDBC", "46_WPBC", "5_campaign", "8_celeba")


# Tables ------------------------------------------------------------------------------------
def table_names(max_columns: int = MAX_COLUMNS) -> list[str]:
    names = []
    for path in sorted((shared_data_dir() / "adbench").glob("*.npz")):
        X = np.load(path)["X"]
        if (X.std(axis=0) > 0).sum() <= max_columns:
            names.append(path.stem)
    return names


def load_table(name: str, max_rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    data = np.load(shared_data_dir() / "adbench" / f"{name}.npz")
    X, y = data["X"].astype(np.float64), data["y"].astype(int)
    if len(X) > max_rows:
        keep = np.random.default_rng(seed).choice(len(X), max_rows, replace=False)
        X, y = X[keep], y[keep]
    X = X[:, X.std(axis=0) > 0]
    return (X - X.mean(axis=0)) / X.std(axis=0), y


# Missingness -------------------------------------------------------------------------------
def hide(X: np.ndarray, mechanism: str, seed: int) -> np.ndarray:
    """A boolean mask of the cells to hide (about RATE of them)."""
    rng = np.random.default_rng(seed)
    if mechanism == "mcar":
        return rng.random(X.shape) < RATE
    mask = np.zeros(X.shape, dtype=bool)
    if mechanism == "mar":
        n_complete = max(1, X.shape[1] // 3)
        order = rng.permutation(X.shape[1])
        complete, others = order[:n_complete], order[n_complete:]
        rate = RATE * X.shape[1] / max(1, len(others))  # about RATE of all cells
        for j in others:
            driver = X[:, rng.choice(complete)]
            mask[:, j] = rng.random(len(X)) < _calibrated(2.0 * driver, min(rate, 0.9))
        return mask
    for j in range(X.shape[1]):  # mnar: self-masking
        mask[:, j] = rng.random(len(X)) < _calibrated(2.0 * X[:, j], RATE)
    return mask


def _calibrated(score: np.ndarray, rate: float) -> np.ndarray:
    """sigmoid(score + b) with b found by bisection so the mean probability is ``rate``."""
    low, high = -50.0, 50.0
    for _ in range(60):
        b = (low + high) / 2
        p = 1 / (1 + np.exp(-(score + b)))
        low, high = (b, high) if p.mean() < rate else (low, b)
    return p


# Imputers ----------------------------------------------------------------------------------
def impute(method: str, holed: np.ndarray, seed: int, settings: dict | None = None) -> np.ndarray:
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

    if method == "mean":
        return SimpleImputer().fit_transform(holed)
    if method == "knn":
        return KNNImputer(n_neighbors=5).fit_transform(holed)
    if method == "iterative":
        return IterativeImputer(random_state=seed).fit_transform(holed)
    if method == "missforest":
        from sklearn.ensemble import ExtraTreesRegressor

        trees = ExtraTreesRegressor(n_estimators=10, random_state=seed)
        return IterativeImputer(trees, max_iter=10, random_state=seed).fit_transform(holed)
    import aekit

    # settings: only for --try (comparing other settings); the reported runs use none
    return aekit.MaskedImputer(random_state=seed, verbose=False,
                               **(settings or {})).fit_transform(holed)


def downstream(filled: np.ndarray, y: np.ndarray, seed: int) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    folds = StratifiedKFold(3, shuffle=True, random_state=seed)
    return float(cross_val_score(LogisticRegression(max_iter=1000), filled, y, cv=folds,
                                 scoring="balanced_accuracy").mean())


def run_one(name: str, mechanism: str, method: str, args) -> dict:
    settings = json.loads(args.try_settings) if method == "aekit" and args.try_settings else None
    tag = f"{method}-{args.tag}" if settings else method
    path = CACHE / mechanism / f"{name}.{tag}.seed{args.seed}.json"
    if path.exists() and not args.fresh:
        return json.loads(path.read_text())
    X, y = load_table(name, args.max_rows, args.seed)
    mask = hide(X, mechanism, args.seed + 1)
    mask[mask.all(axis=1), 0] = False  # keep one cell per row: every imputer can take it
    holed = np.where(mask, np.nan, X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IterativeImputer's convergence warnings
        start = time.perf_counter()
        filled = impute(method, holed, args.seed, settings)
        seconds = time.perf_counter() - start
        accuracy = downstream(filled, y, args.seed)
    result = {"table": name, "method": tag, "rows": len(X), "columns": X.shape[1],
              "hidden": int(mask.sum()), "rmse": float(np.sqrt(((filled - X)[mask] ** 2).mean())),
              "seconds": seconds, "balanced_accuracy": accuracy}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result))
    return result


# Report ------------------------------------------------------------------------------------
def report(mechanism: str, seed: int) -> None:
    results: dict[str, dict[str, dict]] = {}
    for path in sorted((CACHE / mechanism).glob(f"*.seed{seed}.json")):
        r = json.loads(path.read_text())
        results.setdefault(r["table"], {})[r["method"]] = r
    tables = [t for t, by in results.items() if all(m in by for m in METHODS)]
    if not tables:
        return
    print(f"\n### {mechanism.upper()}, {RATE:.0%} of cells hidden, seed {seed}: RMSE over "
          "hidden cells (standard deviations)\n")
    rows, wins = [], {m: 0 for m in METHODS}
    for t in tables:
        by = results[t]
        best = min(METHODS, key=lambda m: by[m]["rmse"])
        wins[best] += 1
        rows.append({"table": t, "rows x cols": f"{by['aekit']['rows']} x {by['aekit']['columns']}",
                     **{m: f"{by[m]['rmse']:.3f}" + (" *" if m == best else "") for m in METHODS},
                     "aekit s": f"{by['aekit']['seconds']:.1f}",
                     "iterative s": f"{by['iterative']['seconds']:.1f}"})
    mean = {m: np.mean([results[t][m]["rmse"] for t in tables]) for m in METHODS}
    seconds = {m: sum(results[t][m]["seconds"] for t in tables) for m in METHODS}
    accuracy = {m: np.mean([results[t][m]["balanced_accuracy"] for t in tables]) for m in METHODS}
    rows.append({"table": f"**mean of {len(tables)}**", "rows x cols": "",
                 **{m: f"**{mean[m]:.3f}**" for m in METHODS},
                 "aekit s": f"{seconds['aekit']:.0f}", "iterative s": f"{seconds['iterative']:.0f}"})
    print_table(rows)
    print(f"\n* best on the table. Wins: " + ", ".join(f"{m} {wins[m]}" for m in METHODS))
    print("Seconds in all: " + ", ".join(f"{m} {seconds[m]:.0f}" for m in METHODS)
          + f"; aekit / iterative = {seconds['aekit'] / seconds['iterative']:.1f}x")
    for label, part in (("the defaults were chosen on", [t for t in tables if t in DEV_TABLES]),
                        ("not looked at in choosing", [t for t in tables if t not in DEV_TABLES])):
        if part:
            wins_part = sum(min(METHODS, key=lambda m: results[t][m]["rmse"]) == "aekit"
                            for t in part)
            print(f"Mean RMSE on the {len(part)} tables {label}: " + ", ".join(
                f"{m} {np.mean([results[t][m]['rmse'] for t in part]):.3f}" for m in METHODS)
                + f"; aekit best on {wins_part}")
    print("Downstream balanced accuracy (logistic regression, 3-fold, anomaly labels), mean: "
          + ", ".join(f"{m} {accuracy[m]:.3f}" for m in METHODS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mechanism", choices=MECHANISMS, default="mcar")
    parser.add_argument("--sets", default=None, help="comma-separated table names (default: all "
                                                     f"with at most {MAX_COLUMNS} columns)")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fresh", action="store_true", help="ignore cached results")
    parser.add_argument("--report", action="store_true", help="print the cached results only")
    parser.add_argument("--try", dest="try_settings", default=None,
                        help="JSON of MaskedImputer settings to compare (cached under --tag)")
    parser.add_argument("--tag", default="try")
    args = parser.parse_args()
    if not args.report:
        names = args.sets.split(",") if args.sets else table_names()
        for name in names:
            for method in args.methods.split(","):
                r = run_one(name, args.mechanism, method, args)
                print(f"{args.mechanism} {name:>18} {method:>10}: rmse {r['rmse']:.3f} "
                      f"({r['seconds']:.1f} s)", flush=True)
    for mechanism in (MECHANISMS if args.report else (args.mechanism,)):
        report(mechanism, args.seed)


if __name__ == "__main__":
    main()
