"""``aekit detect fit|score|explain``: anomaly detection on tables and images."""

from __future__ import annotations

import click
import numpy as np

from aekit.anomaly import AnomalyDetector
from aekit.anomaly.files import (FIT_IMPUTE, REFIT_IMPUTE, SCORE_COLUMN, check_missing,
                                 is_table_path, read_table, score_file, score_rows)
from aekit.cli.kinds import load_for
from aekit.cli.options import check_output, check_output_folder, overwrite_option
from aekit.data import load_data
from aekit.errors import DataError
from aekit.io import CONFIG

MODEL = click.argument("model", type=click.Path())
DEFAULTS = AnomalyDetector().get_params()
DATA = click.option("--data", required=True,
                    help="CSV/TSV/Parquet table (text columns are categorical), .npy/.npz, "
                         "an image folder or a built-in dataset name.")
IGNORE = click.option("--ignore", "ignore", multiple=True,
                      help="A column to leave out of the model (an id, a label); repeatable. "
                           "Saved with the detector: score and explain leave it out too.")
PASS_THROUGH = click.option("--ignore", "ignore", multiple=True,
                            help="Another column to leave out, beyond those the detector was "
                                 "fitted to ignore (which are left out already); repeatable.")


@click.group()
def detect() -> None:
    """Find anomalies: fit on normal (or unlabeled) data, then score and explain new rows."""


@detect.command()
@DATA
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Detector folder to write.")
@click.option("--contamination", type=float, default=DEFAULTS["contamination"], show_default=True,
              help="Expected share of anomalies in DATA; sets the threshold.")
@click.option("--threshold", type=float, default=None, help="A fixed score threshold instead.")
@click.option("--false-alarm-rate", type=float, default=None,
              help="Threshold flagging this share of held-out validation rows instead.")
@click.option("--categorical", default=None,
              help="Comma-separated numeric columns to treat as categories.")
@click.option("--missing", type=click.Choice(["error", "impute"]), default=DEFAULTS["missing"],
              show_default=True,
              help="Empty cells: refuse them, or use the median / a 'missing' category.")
@IGNORE
@click.option("--steps", type=int, default=DEFAULTS["steps"], show_default=True,
              help="Gradient steps per member.")
@click.option("--device", default=DEFAULTS["device"], show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace a model already in OUT.")
def fit(data, out, contamination, threshold, false_alarm_rate, categorical, missing, ignore,
        steps, device, seed, overwrite):
    """Fit a detector on DATA and save it to OUT; the --ignore columns are saved with it and
    left out when it scores or explains later."""
    check_output_folder(out, overwrite=overwrite, holds=CONFIG, what="a model")
    X, _ = _read(data, ignore)
    if is_table_path(data) and missing == "error":
        check_missing(X, data, columns=[c for c in X.columns if c not in ignore], fix=FIT_IMPUTE)
    det = AnomalyDetector(contamination=contamination, threshold=threshold,
                          false_alarm_rate=false_alarm_rate, missing=missing, steps=steps,
                          categorical=categorical.split(",") if categorical else None,
                          ignore=list(ignore) or None, device=device, random_state=seed)
    det.fit(X)
    det.save(out)
    click.echo(f"fitted on {len(det.decision_scores_)} rows of {data}: threshold "
               f"{det.threshold_:.4g} flags {int((det.labels_ == -1).sum())} of them")
    click.echo(f"saved detector to {out}")


@detect.command()
@MODEL
@DATA
@click.option("--out", required=True, help="CSV (or, for tables, Parquet) to write: the rows "
                                           "of DATA plus anomaly_score and is_anomaly (1 = "
                                           "anomaly); for images and arrays, a name (file name) "
                                           "or row column instead of the rows.")
@PASS_THROUGH
@click.option("--chunk-size", type=click.IntRange(1), default=100_000, show_default=True,
              help="Rows read, scored and written at a time (tables).")
@overwrite_option
def score(model, data, out, ignore, chunk_size, overwrite):
    """Score every row of DATA with the detector in MODEL (tables stream in chunks)."""
    table = is_table_path(data)
    check_output(out, overwrite=overwrite, inputs=(model, data),
                 suffixes=(".csv", ".csv.gz", ".parquet") if table else (".csv", ".csv.gz"),
                 what="CSV or Parquet files" if table else "CSV files")
    det = load_for(model, "detect score")
    if is_table_path(data):
        rows, flagged = score_file(det, data, out, chunk_size=chunk_size, passthrough=ignore)
    else:
        X, ids = _read(data, ignore)
        rows, flagged = score_rows(det, X, out, names=ids.get("name"))
    click.echo(f"scored {rows} rows: {flagged} anomalies (threshold {det.threshold_:.4g}); "
               f"wrote {out}")


@detect.command()
@MODEL
@DATA
@PASS_THROUGH
@click.option("--top", type=click.IntRange(1), default=3, show_default=True,
              help="Columns to name per row.")
@click.option("--out", default=None,
              help="Also write each row's id (the ignored columns, or its row number), score "
                   "and every column's share to this CSV.")
@overwrite_option
def explain(model, data, ignore, top, out, overwrite):
    """Say which columns make each row of DATA unusual (share of its reconstruction error)."""
    import pandas as pd

    from aekit._atomic import atomic_path

    check_output(out, overwrite=overwrite, inputs=(model, data), suffixes=(".csv",),
                 what="CSV files")
    det = load_for(model, "detect explain")
    X, ids = _read(data, ignore, det)
    if is_table_path(data) and det.missing == "error":
        check_missing(X, data, columns=det.feature_names_in_, fix=REFIT_IMPUTE)
    scores = det.anomaly_score(X)
    shares = det.explain(X).reshape(len(scores), -1)
    names = list(det.feature_names_in_)
    threshold = det.threshold_
    for i, (row_score, row) in enumerate(zip(scores, shares)):
        best = np.argsort(-row)[:top]
        parts = ", ".join(f"{names[j]} {row[j]:.0%}" for j in best)
        flag = "ANOMALY" if row_score > threshold else "normal"
        click.echo(f"row {i}: score {row_score:.4g} {flag}: {parts}")
    if out:
        table = pd.concat([pd.DataFrame(ids), pd.DataFrame({SCORE_COLUMN: scores}),
                           pd.DataFrame(shares, columns=names)], axis=1)
        with atomic_path(out) as tmp:
            table.to_csv(tmp, index=False, float_format="%.6g")
        click.echo(f"wrote {out}")


def _read(data: str, extra, det=None):
    """DATA as the detector takes it, and the rows' ids.

    Tables keep every column (the detector leaves out those it ignores) except the
    ``extra`` ones named with --ignore; their ids are the values of the ignored columns,
    or the row numbers. Arrays and images come with file names or row numbers.
    """
    if is_table_path(data):
        ignored = [*(det.ignore or ()), *extra] if det is not None else list(extra)
        frame = read_table(data, text_columns=det.encoder_.categorical_names
                           if det is not None and det.encoder_ is not None else ())
        unknown = [c for c in extra if c not in frame.columns]
        if unknown:
            raise DataError(f"--ignore names column(s) not in '{data}': {', '.join(map(repr, unknown))}")
        id_columns = [c for c in dict.fromkeys(ignored) if c in frame.columns]
        ids = {c: frame[c].to_numpy() for c in id_columns} or {"row": np.arange(len(frame))}
        return (frame if det is None else frame.drop(columns=list(extra))), ids
    if extra:
        raise DataError(f"--ignore applies to CSV/Parquet tables, not to '{data}'")
    loaded = load_data(data)
    ids = {"name": loaded.names} if loaded.names else {"row": np.arange(len(loaded.X))}
    return loaded.X, ids
