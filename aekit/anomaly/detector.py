"""``AnomalyDetector``: an ensemble of small auto-encoders that flags what it cannot rebuild."""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.base import OutlierMixin
from sklearn.utils.validation import check_is_fitted

from aekit import params as P
from aekit.anomaly.models import ImageModel, TableModel
from aekit.anomaly.scoring import ScoreStats
from aekit.anomaly.tabular import TableEncoder
from aekit.base import NeuralEstimator, fixed_chunks, training_rules
from aekit.errors import ConfigError, InputError
from aekit.registry import ESTIMATORS
from aekit.train import resolve_device



def _contamination_ok(v) -> bool:
    return P.is_real(v) and 0 < v <= 0.5


@ESTIMATORS.register("anomaly_detector")
class AnomalyDetector(OutlierMixin, NeuralEstimator):
    """Unsupervised anomaly detection by reconstruction: what the auto-encoders trained on
    (mostly) normal data cannot rebuild, or encode to an unusual code, is an anomaly.

    Tables (arrays, DataFrames, CSV/Parquet via :mod:`aekit.data`) train an ensemble of
    ``n_estimators`` small MLP auto-encoders, each on its own random subsample of at most
    ``max_samples`` rows for a fixed number of gradient ``steps``, run side by side as one
    batched network; images ``(N, C, H, W)`` or ``(N, H, W)`` train one convolutional
    auto-encoder. Each member keeps the weights that did best on its held-out
    validation rows, so training longer does not teach it the anomalies mixed into
    unlabeled data. The score combines reconstruction error and the distance of the code
    from the training codes (see :mod:`aekit.anomaly.scoring`).

    Sign convention, once: :meth:`anomaly_score` and ``decision_scores_`` are higher for
    more anomalous rows; :meth:`score_samples` (scikit-learn) is its negative, higher for
    more normal rows; :meth:`predict` gives 1 for normal and -1 for anomalous rows.

    Parameters
    ----------
    contamination : float in (0, 0.5]
        Expected share of anomalies in the training data; the threshold is that quantile
        of ``decision_scores_``. Can be changed after fitting: ``threshold_`` follows.
    threshold : float or None
        A fixed threshold on :meth:`anomaly_score` instead (overrides the others).
    false_alarm_rate : float in (0, 0.5] or None
        Set the threshold so this share of the held-out validation rows (rows no member
        trained on) is flagged; overrides ``contamination``.
    n_estimators : int
        Auto-encoders in the ensemble (tables).
    max_samples : int
        Rows each member trains on (a random subsample; all rows when fewer).
    hidden : sequence of int or None
        Hidden layer widths of each member (tables, default (64,)); conv channels
        (images, default (8, 16)).
    code_size : int or None
        Code length; None: ``round(sqrt(n_features))`` clipped to [2, 16] (tables), 16 (images).
    activation : str
        Hidden activation, e.g. "relu", "gelu", "tanh".
    scoring : {"combined", "reconstruction"}
        Add the code-distance part to the reconstruction part, or use reconstruction only.
    categorical : sequence of str or None
        Columns to one-hot encode even when numeric; text and bool columns always are.
    missing : {"error", "impute"}
        NaN/empty cells: refuse them, naming the column and row; or fill numeric cells
        with the training median and give categorical ones their own category.
    max_categories : int
        One-hot slots per categorical column; rarer values share an "other" slot.
    steps : int
        Gradient steps per member (a budget independent of the number of rows).
    ignore : sequence of str or None
        Columns of a DataFrame to leave out of the model (ids, labels): dropped at fit and
        wherever they appear when scoring; saved with the detector.
    batch_size, learning_rate, validation_fraction, patience, device, verbose, random_state
        Settings of the shared training loop (:class:`aekit.train.TrainConfig`);
        ``validation_fraction`` of the rows is also held out of training entirely to set
        ``false_alarm_rate`` thresholds.

    Attributes
    ----------
    decision_scores_ : ndarray of shape (n_samples,)
        Anomaly scores of the training rows (higher = more anomalous).
    threshold_ : float
        Scores above it are anomalies; derived from the current settings on access.
    labels_ : ndarray of shape (n_samples,)
        1 (normal) or -1 (anomaly) for the training rows, by ``threshold_``.
    feature_names_in_ : ndarray of str
        Input column names (``x0, x1, ...`` for arrays); the columns of :meth:`explain`.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np, aekit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 4)); X[:5] += 8
    >>> det = aekit.AnomalyDetector(contamination=0.01, steps=50, random_state=0).fit(X)
    >>> int((det.labels_[:5] == -1).sum())
    5
    """

    _rules: dict[str, P.Rule] = {
        "contamination": P.Rule("a number in (0, 0.5]", _contamination_ok),
        "threshold": P.either(P.NONE, P.finite()),
        "false_alarm_rate": P.either(P.NONE, P.Rule("a number in (0, 0.5]", _contamination_ok)),
        "n_estimators": P.integer(1),
        "max_samples": P.integer(2),
        "hidden": P.sizes(),
        "code_size": P.either(P.NONE, P.integer(1)),
        "activation": P.Rule("a known activation name", lambda v: isinstance(v, str)),
        "scoring": P.options("combined", "reconstruction"),
        "categorical": P.Rule("None or a list of column names",
                              lambda v: v is None or (isinstance(v, (list, tuple))
                                                      and all(isinstance(c, str) for c in v))),
        "missing": P.options("error", "impute"),
        "ignore": P.Rule("None or a list of column names",
                         lambda v: v is None or (isinstance(v, (list, tuple))
                                                 and all(isinstance(c, str) for c in v))),
        "max_categories": P.integer(2),
        **training_rules("steps", "batch_size", "learning_rate", "validation_fraction",
                         "patience", "device", "verbose", "random_state"),
    }

    def __init__(self, contamination=0.1, threshold=None, false_alarm_rate=None,
                 n_estimators=8, max_samples=2048, hidden=None, code_size=None,
                 activation="relu", scoring="combined", categorical=None, missing="error",
                 max_categories=50, steps=300, batch_size=128, learning_rate=3e-3,
                 validation_fraction=0.1, patience=None, device="auto", verbose=False,
                 random_state=None, ignore=None):
        self.contamination = contamination
        self.threshold = threshold
        self.false_alarm_rate = false_alarm_rate
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.hidden = hidden
        self.code_size = code_size
        self.activation = activation
        self.scoring = scoring
        self.categorical = categorical
        self.missing = missing
        self.max_categories = max_categories
        self.steps = steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.verbose = verbose
        self.random_state = random_state
        self.ignore = ignore

    # Fitting ------------------------------------------------------------------------------
    def fit(self, X, y=None):
        """Train on ``X`` (normal or unlabeled rows; ``y`` is ignored). Returns self."""
        P.check_params(self, self._rules)
        if self.threshold is not None and self.false_alarm_rate is not None:
            raise ConfigError("AnomalyDetector: set threshold or false_alarm_rate, not both")
        seed = self._seed()
        rng = np.random.default_rng(seed)
        self.device_ = resolve_device(self.device)
        if _is_image_batch(X):
            if self.ignore:
                raise ConfigError("AnomalyDetector: ignore names table columns; X holds images")
            self.encoder_ = None
            Z = _image_array(X)
            self.input_shape_ = tuple(Z.shape[1:])
            self.n_features_in_ = math.prod(self.input_shape_)
            self.feature_names_in_ = np.array([f"pixel{i}" for i in range(self.n_features_in_)],
                                              dtype=object)
            self.model_ = ImageModel.fit_scaling(Z, self, seed)
            Z = self.model_.scale(Z)  # train, score and threshold on what anomaly_score sees
        else:
            self.encoder_ = TableEncoder.fit(X, categorical=self.categorical, missing=self.missing,
                                             max_categories=self.max_categories, ignore=self.ignore)
            self.input_shape_ = (len(self.encoder_.columns),)
            self.n_features_in_ = len(self.encoder_.columns)
            self.feature_names_in_ = np.array(self.encoder_.names, dtype=object)
            Z = self.encoder_.transform(X)
            self.model_ = TableModel.for_data(Z.shape[1], self, seed)
        n = len(Z)
        if n < 2:
            raise InputError(f"X has {n} sample(s) while a minimum of 2 is required")
        n_holdout = int(round(self.validation_fraction * n)) if n >= 20 else 0
        order = rng.permutation(n)
        holdout, train = order[:n_holdout], order[n_holdout:]
        resid, code = self.model_.train(Z, train, rng, seed, self)
        self.stats_ = ScoreStats.fit(resid, code)
        self.decision_scores_ = self._scores(Z)
        self.validation_scores_ = self.decision_scores_[np.sort(holdout)]
        return self

    # Thresholds ---------------------------------------------------------------------------
    @property
    def threshold_(self) -> float:
        """Scores above this are anomalies; re-derived from the settings on each access."""
        check_is_fitted(self)
        if self.threshold is not None:
            return float(self.threshold)
        if self.false_alarm_rate is not None:
            if not _contamination_ok(self.false_alarm_rate):
                raise ConfigError(f"AnomalyDetector: false_alarm_rate must be a number in "
                                  f"(0, 0.5], got {self.false_alarm_rate!r}")
            scores = self.validation_scores_ if len(self.validation_scores_) else self.decision_scores_
            return float(np.quantile(scores, 1 - self.false_alarm_rate))
        if not _contamination_ok(self.contamination):
            raise ConfigError(f"AnomalyDetector: contamination must be a number in (0, 0.5], "
                              f"got {self.contamination!r}")
        return float(np.quantile(self.decision_scores_, 1 - self.contamination))

    def set_contamination(self, contamination: float) -> "AnomalyDetector":
        """Flag a different share of rows, without retraining. Returns self."""
        if not _contamination_ok(contamination):
            raise ConfigError(f"AnomalyDetector: contamination must be a number in (0, 0.5], "
                              f"got {contamination!r}")
        self.contamination = contamination
        self.threshold = self.false_alarm_rate = None
        return self

    @property
    def offset_(self) -> float:
        """scikit-learn's name: ``decision_function = score_samples - offset_``."""
        return -self.threshold_

    @property
    def labels_(self) -> np.ndarray:
        """1 (normal) or -1 (anomaly) for each training row, by the current ``threshold_``."""
        return np.where(self.decision_scores_ > self.threshold_, -1, 1)

    # Scoring ------------------------------------------------------------------------------
    def anomaly_score(self, X) -> np.ndarray:
        """Higher = more anomalous; the negative of :meth:`score_samples`."""
        return self._scores(self._prepare(X))

    def score_samples(self, X) -> np.ndarray:
        """scikit-learn's convention: higher = more normal."""
        return -self.anomaly_score(X)

    def decision_function(self, X) -> np.ndarray:
        """``threshold_ - anomaly_score``: negative for anomalies, as in scikit-learn."""
        return self.threshold_ - self.anomaly_score(X)

    def predict(self, X) -> np.ndarray:
        """1 for normal rows, -1 for anomalies."""
        return np.where(self.anomaly_score(X) > self.threshold_, -1, 1)

    def explain(self, X) -> np.ndarray:
        """Each input column's share of a row's reconstruction error.

        Returns an array (n_samples, n_features_in_) whose rows sum to 1, in the order of
        ``feature_names_in_``; one-hot slots of a categorical column are summed back into
        that column. For images, the shares have the images' shape. The code part of the
        score has no per-column split and is not included.
        """
        Z = self._prepare(X)
        parts = []
        for chunk, n_valid in fixed_chunks(Z):
            resid, _ = self.model_.forward(chunk, self.device_)
            parts.append(self.stats_.feature_errors(resid[:n_valid]).numpy())
        errors = np.concatenate(parts)
        if self.encoder_ is not None:
            per_column = np.zeros((len(errors), self.n_features_in_))
            np.add.at(per_column.T, self.encoder_.groups(), errors.T)
            errors = per_column
        total = errors.sum(axis=1, keepdims=True)
        shares = np.divide(errors, total, out=np.full_like(errors, 1 / errors.shape[1]),
                           where=total > 0)
        return shares.reshape(len(Z), *self.input_shape_)

    def _prepare(self, X) -> np.ndarray:
        check_is_fitted(self)
        if self.encoder_ is None:
            Z = _image_array(X)
            if Z.shape[1:] != self.input_shape_:
                raise InputError(f"X holds images of shape {Z.shape[1:]}, but the detector was "
                                 f"fitted on images of shape {self.input_shape_}")
            return self.model_.scale(Z)
        return self.encoder_.transform(X)

    def _scores(self, Z: np.ndarray) -> np.ndarray:
        out = []
        # fixed-size chunks: a row's score does not depend on what it is scored with
        for chunk, n_valid in fixed_chunks(Z):
            resid, code = self.model_.forward(chunk, self.device_)
            out.append(self.stats_.score(resid[:n_valid], code[:n_valid], self.scoring).numpy())
        scores = np.concatenate(out) if out else np.zeros(0)
        # float64 sums of finite float32 terms stay finite; this is the last line of defence
        return np.nan_to_num(scores, nan=np.finfo(np.float64).max, posinf=np.finfo(np.float64).max)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "stats_")

    # Saving (used by aekit.io) ------------------------------------------------------------
    def _fitted_state(self):
        meta = {"input_shape": list(self.input_shape_),
                "model": self.model_.to_json(),
                "table": None if self.encoder_ is None else self.encoder_.to_json()}
        meta.update(self._training_meta())
        tensors = self._module_tensors(self.model_.module)
        tensors.update(self.model_.tensors())
        tensors.update(self.stats_.tensors())
        tensors["decision_scores"] = torch.from_numpy(self.decision_scores_)
        tensors["validation_scores"] = torch.from_numpy(self.validation_scores_)
        if self.encoder_ is not None:
            tensors["table.center"] = torch.from_numpy(self.encoder_.center)
            tensors["table.scale"] = torch.from_numpy(self.encoder_.scale)
        return meta, tensors

    def _restore_fitted_state(self, meta, tensors) -> None:
        self.device_ = resolve_device(self.device)
        self.input_shape_ = tuple(meta["input_shape"])
        self.n_features_in_ = math.prod(self.input_shape_)
        if meta["table"] is None:
            self.encoder_ = None
            self.model_ = ImageModel.from_json(meta["model"], tensors)
            self.feature_names_in_ = np.array([f"pixel{i}" for i in range(self.n_features_in_)],
                                              dtype=object)
        else:
            self.encoder_ = TableEncoder.from_json(meta["table"], tensors["table.center"].numpy(),
                                                   tensors["table.scale"].numpy())
            self.model_ = TableModel.from_json(meta["model"], tensors)
            self.feature_names_in_ = np.array(self.encoder_.names, dtype=object)
        self._load_module(self.model_.module, tensors)
        if "history" in meta:  # absent in detectors saved before the shared trainer record
            self._restore_training_meta(meta)
        self.stats_ = ScoreStats.from_tensors(tensors)
        self.decision_scores_ = tensors["decision_scores"].numpy()
        self.validation_scores_ = tensors["validation_scores"].numpy()


def _is_image_batch(X) -> bool:
    shape = getattr(X, "shape", None)
    if shape is None or hasattr(X, "columns"):
        return False
    return len(shape) >= 3


def _image_array(X) -> np.ndarray:
    from aekit.data import check_features

    Z = check_features(X, name="X")
    if Z.ndim == 3:
        Z = Z[:, None]  # (N, H, W) -> (N, 1, H, W)
    if Z.ndim != 4:
        raise InputError(f"images must be (N, C, H, W) or (N, H, W); got shape {Z.shape}")
    return Z

