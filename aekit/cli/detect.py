"""``aekit detect fit|score|explain``: anomaly detection on tables and images."""

from __future__ import annotations


import click
import numpy as np

from aekit.anomaly import AnomalyDetector
from aekit.anomaly.files import is_table_path, read_table, score_file
from aekit.cli.kinds import load_for
from aekit.cli.options import check_output, check_output_folder, overwrite_option
from aekit.errors import DataError
from aekit.io import CONFIG

MODEL = click.argument("model", type=click.Path())
DEFAULTS = AnomalyDetector().get_params()
DATA = click.option("--data", required=True,
                    help="CSV/TSV/Parquet table (text columns are categorical), .npy/.npz, "
                         "an image folder or a built-in dataset name.")
IGNORE = click.option("--ignore", "ignore", multiple=True,
                      help="A column to leave out of the model (an id, a label); repeatable.")


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
    """Fit a detector on DATA and save it to OUT."""
    check_output_folder(out, overwrite=overwrite, holds=CONFIG, what="a model")
    X = _features(data, ignore)
    det = AnomalyDetector(contamination=contamination, threshold=threshold,
                          false_alarm_rate=false_alarm_rate, missing=missing, steps=steps,
                          categorical=categorical.split(",") if categorical else None,
                          device=device, random_state=seed)
    det.fit(X)
    det.save(out)
    click.echo(f"fitted on {len(det.decision_scores_)} rows of {data}: threshold "
               f"{det.threshold_:.4g} flags {int((det.labels_ == -1).sum())} of them")
    click.echo(f"saved detector to {out}")


@detect.command()
@MODEL
@DATA
@click.option("--out", required=True, help="CSV to write: the rows of DATA plus anomaly_score "
                                           "and is_anomaly (1 = anomaly).")
@IGNORE
@click.option("--chunk-size", type=click.IntRange(1), default=100_000, show_default=True,
              help="Rows read, scored and written at a time.")
@overwrite_option
def score(model, data, out, ignore, chunk_size, overwrite):
    """Score every row of DATA with the detector in MODEL, streaming in chunks."""
    check_output(out, overwrite=overwrite, inputs=(model, data), suffixes=(".csv", ".csv.gz"),
                 what="CSV files")
    det = load_for(model, "detect score")
    if not is_table_path(data):
        raise DataError(f"aekit detect score streams CSV/TSV/Parquet tables; got '{data}'")
    rows, flagged = score_file(det, data, out, chunk_size=chunk_size, passthrough=ignore)
    click.echo(f"scored {rows} rows: {flagged} anomalies (threshold {det.threshold_:.4g}); "
               f"wrote {out}")


@detect.command()
@MODEL
@DATA
@IGNORE
@click.option("--top", type=click.IntRange(1), default=3, show_default=True,
              help="Columns to name per row.")
@click.option("--out", default=None, help="Also write every column's share per row to this CSV.")
@overwrite_option
def explain(model, data, ignore, top, out, overwrite):
    """Say which columns make each row of DATA unusual (share of its reconstruction error)."""
    from aekit._atomic import atomic_path

    check_output(out, overwrite=overwrite, inputs=(model, data), suffixes=(".csv",),
                 what="CSV files")
    det = load_for(model, "detect explain")
    X = _features(data, ignore)
    scores = det.anomaly_score(X)
    shares = det.explain(X).reshape(len(scores), -1)
    names = list(det.feature_names_in_) if det.encoder_ is not None else \
        [f"pixel{i}" for i in range(shares.shape[1])]
    threshold = det.threshold_
    for i, (row_score, row) in enumerate(zip(scores, shares)):
        best = np.argsort(-row)[:top]
        parts = ", ".join(f"{names[j]} {row[j]:.0%}" for j in best)
        flag = "ANOMALY" if row_score > threshold else "normal"
        click.echo(f"row {i}: score {row_score:.4g} {flag}: {parts}")
    if out:
        import pandas as pd

        with atomic_path(out) as tmp:
            pd.DataFrame(shares, columns=names).to_csv(tmp, index=False, float_format="%.6g")
        click.echo(f"wrote {out}")


def _features(data: str, ignore):
    """The table (with text columns) or array of DATA, without the ignored columns."""
    if is_table_path(data):
        frame = read_table(data)
        unknown = [c for c in ignore if c not in frame.columns]
        if unknown:
            raise DataError(f"--ignore names column(s) not in '{data}': {', '.join(map(repr, unknown))}")
        return frame.drop(columns=list(ignore))
    if ignore:
        raise DataError(f"--ignore applies to CSV/Parquet tables, not to '{data}'")
    from aekit.data import load_data

    return load_data(data).X

