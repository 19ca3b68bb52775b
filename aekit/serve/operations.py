"""What the service can do with each kind of model, as data: for each registered model
type, its operations (``score``, ``explain``, ``encode``, ``reconstruct``).

An operation has two halves. ``prepare`` runs in the request's own thread: it turns the
request's rows into the model's input and checks them, so a bad request fails alone with
the model's own message. ``run`` takes the prepared inputs of several requests at once
(see :mod:`aekit.serve.batcher`), computes them as one batch and splits the results;
a request whose outputs are not finite gets an error of its own, never a 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from aekit.errors import InputError
from aekit.serve.rows import rows_to_array, rows_to_frame


@dataclass(frozen=True)
class Prepared:
    """One request's checked input: ``data`` for ``run``, ``n`` rows."""

    data: Any
    n: int


@dataclass(frozen=True)
class Operation:
    name: str
    summary: str
    prepare: Callable[[Any, list], Prepared]
    run: Callable[[Any, list[Prepared]], list]  # one dict (or an exception) per Prepared


def _rows_for(model, rows: list, *, named: bool, sample_shape: tuple[int, ...]):
    """Rows of objects as a DataFrame, rows of lists as an array of ``sample_shape``."""
    if isinstance(rows[0], dict):
        if not named:
            raise InputError("this model was fitted on an array, without column names: send "
                             "each row as a list of numbers")
        return rows_to_frame(rows)
    if named:
        names = ", ".join(repr(str(n)) for n in list(model.feature_names_in_)[:3])
        raise InputError(f"this model was fitted on named columns ({names}, ...): send each "
                         'row as an object, {"column": value, ...}')
    return rows_to_array(rows, sample_shape)


def _concat(parts: list[Prepared]):
    import pandas as pd

    data = [p.data for p in parts]
    if all(isinstance(d, np.ndarray) for d in data):
        return np.concatenate(data)
    return pd.concat(data, ignore_index=True)


def _split(values: np.ndarray, parts: list[Prepared], answer: Callable[[np.ndarray], dict]) -> list:
    """Cut one batch's outputs back into each request's answer."""
    out, start = [], 0
    for part in parts:
        chunk = values[start:start + part.n]
        start += part.n
        if not np.isfinite(chunk).all():
            row = int(np.argwhere(~np.isfinite(chunk.reshape(len(chunk), -1)))[0][0])
            out.append(InputError(f"row {row} gives a result that is not a finite number: its "
                                  "values lie far outside what the model was trained on"))
        else:
            out.append(answer(chunk))
    return out


# Anomaly detectors --------------------------------------------------------------------
def _detector_rows(det, rows) -> Any:
    named = det.encoder_ is not None and det.encoder_.from_frame
    return _rows_for(det, rows, named=named, sample_shape=tuple(det.input_shape_))


def _prepare_score(det, rows) -> Prepared:
    Z = det._prepare(_detector_rows(det, rows))  # the detector's checks and encoding
    return Prepared(Z, len(Z))


def _run_score(det, parts: list[Prepared]) -> list:
    scores = det._scores(np.concatenate([p.data for p in parts]))
    threshold = det.threshold_
    return _split(scores, parts, lambda s: {"anomaly_score": s.tolist(),
                                            "is_anomaly": (s > threshold).tolist(),
                                            "threshold": threshold})


def _prepare_explain(det, rows) -> Prepared:
    X = _detector_rows(det, rows)
    det._prepare(X)  # checked here, in the request's thread; explained in the batch
    return Prepared(X, len(X))


def _run_explain(det, parts: list[Prepared]) -> list:
    shares = det.explain(_concat(parts)).reshape(sum(p.n for p in parts), -1)
    columns = [str(c) for c in det.feature_names_in_]
    return _split(shares, parts, lambda s: {"columns": columns, "shares": s.tolist()})


# Auto-encoders ------------------------------------------------------------------------
def _prepare_samples(model, rows) -> Prepared:
    X = _rows_for(model, rows, named=getattr(model, "feature_names_in_", None) is not None,
                  sample_shape=tuple(model.input_shape_))
    model._prepare(X)  # the model's checks (columns, shape, finite values)
    return Prepared(X, len(X))


def _run_encode(model, parts: list[Prepared]) -> list:
    codes = model.transform(_concat(parts))
    return _split(codes.reshape(len(codes), -1), parts, lambda c: {"code": c.tolist()})


def _run_reconstruct(model, parts: list[Prepared]) -> list:
    rebuilt = model.reconstruct(_concat(parts))
    return _split(rebuilt.reshape(len(rebuilt), -1), parts,
                  lambda r: {"reconstruction": r.tolist()})


DETECTOR = {
    "score": Operation("score", "Anomaly score of each row (higher = more anomalous) and "
                                "whether it passes the detector's threshold.",
                       _prepare_score, _run_score),
    "explain": Operation("explain", "Each column's share of each row's reconstruction error "
                                    "(rows sum to 1).", _prepare_explain, _run_explain),
}
AUTOENCODER = {
    "encode": Operation("encode", "The code of each row.", _prepare_samples, _run_encode),
    "reconstruct": Operation("reconstruct", "Each row rebuilt from its code, in the input's "
                                            "units, flattened.", _prepare_samples,
                             _run_reconstruct),
}

# The operations of each servable model type (the ``type`` in config.json).
OPERATIONS: dict[str, dict[str, Operation]] = {
    "anomaly_detector": DETECTOR,
    "autoencoder": AUTOENCODER,
    "vae": AUTOENCODER,
}
