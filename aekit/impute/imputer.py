"""MaskedImputer: fill the missing cells of a table with a masked auto-encoder.

BERT's idea on a table: hide part of what is known, learn to give it back, then ask the
network for what is really missing (MIDA, Gondara & Wang 2018; ReMasker, Du et al.
2023). The network and its objective are in :mod:`aekit.impute.modules`, the column
handling in :mod:`aekit.impute.table`; training goes through aekit's one trainer.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils.validation import check_is_fitted

from aekit import params as P
from aekit.base import NeuralEstimator, seeded_init, training_rules
from aekit.errors import InputError
from aekit.impute.modules import ImputerNet, MaskedImputationObjective
from aekit.impute.table import Encoded, TableSchema
from aekit.registry import ESTIMATORS
from aekit.train import TensorSource, resolve_device

logger = logging.getLogger(__name__)

MIN_ROWS = 10  # fewer rows than this hold too little to learn how columns relate
INDICATOR_SUFFIX = "_missing"
EPOCH_ROWS = 51_200  # rows per training epoch at least (100 steps of 512)


@ESTIMATORS.register("masked_imputer")
class MaskedImputer(TransformerMixin, NeuralEstimator):
    """Impute missing values (NaN, None, pandas NA) with a masked auto-encoder.

    Parameters
    ----------
    mask_ratio : float, default=0.25
        Average share of a row's observed cells hidden in training (each row draws its
        own share uniformly in [0, 2 * mask_ratio]).
    width, depth : int, default=128, 2
        Units per layer and residual blocks of the network.
    dropout : float, default=0.0
    visible_weight : float, default=0.1
        Weight of the error on the cells left visible, beside the hidden ones (1).
    categorical : list of str, optional
        Columns to treat as categories although they hold numbers; text, ``category`` and
        ``bool`` columns always are.
    max_categories : int, default=100
        A categorical column with more distinct values is refused (ids, or numbers with
        stray text).
    handle_unknown : {"error", "ignore"}, default="error"
        A category never seen in fit: refused, or left as it is and not used.
    add_indicator : bool, default=False
        Append one 0/1 column per column that had missing cells in fit, like
        scikit-learn's imputers.
    max_steps : int or None, default=None
        Optimizer steps; None: 1,000 of 512 rows (the budget does not shrink on small
        tables, where epochs would; more steps fill some tables better, at their cost).
    batch_size : int, default=512
    learning_rate, weight_decay, lr_schedule, device, verbose, random_state,
    checkpoint_dir, checkpoint_every
        As for every aekit model (see :class:`aekit.AutoEncoder`).

    Attributes
    ----------
    schema_ : TableSchema
        Columns, their kinds, categories and scaling.
    n_features_in_ : int, feature_names_in_ : ndarray of str (DataFrames)
    module_ : ImputerNet, history_ : list of dict
    missing_columns_ : ndarray of str
        Columns that had missing cells in fit (the ``add_indicator`` columns).

    Examples
    --------
    >>> import numpy as np, aekit
    >>> X = np.random.default_rng(0).normal(size=(200, 4)); X[::7, 1] = np.nan
    >>> imp = aekit.MaskedImputer(max_steps=50, random_state=0).fit(X)
    >>> np.isnan(imp.transform(X)).any()
    np.False_
    """

    _rules: dict[str, P.Rule] = {
        "mask_ratio": P.interval(0.0, 0.5, open_low=True),
        "width": P.integer(1),
        "depth": P.integer(0),
        "dropout": P.interval(0.0, 1.0, open_high=True),
        "visible_weight": P.real(0.0),
        "categorical": P.Rule("None or a list of column names",
                              lambda v: v is None or (not isinstance(v, str) and all(
                                  isinstance(c, str) for c in v))),
        "max_categories": P.integer(2),
        "handle_unknown": P.options("error", "ignore"),
        "add_indicator": P.BOOLEAN,
        **training_rules("max_steps", "batch_size", "learning_rate", "weight_decay",
                         "lr_schedule", "device", "checkpoint_dir", "checkpoint_every",
                         "verbose", "random_state"),
    }

    def __init__(self, *, mask_ratio=0.25, width=128, depth=2, dropout=0.0, visible_weight=0.1,
                 categorical=None, max_categories=100, handle_unknown="error",
                 add_indicator=False, max_steps=None, batch_size=512, learning_rate=2e-3,
                 weight_decay=1e-4, lr_schedule="cosine", device="auto", checkpoint_dir=None,
                 checkpoint_every=1000, verbose="auto", random_state=None):
        self.mask_ratio = mask_ratio
        self.width = width
        self.depth = depth
        self.dropout = dropout
        self.visible_weight = visible_weight
        self.categorical = categorical
        self.max_categories = max_categories
        self.handle_unknown = handle_unknown
        self.add_indicator = add_indicator
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.device = device
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.verbose = verbose
        self.random_state = random_state

    DEFAULT_STEPS = 1000

    # Fitting ------------------------------------------------------------------------------
    def fit(self, X, y=None, *, resume: bool = False):
        """Learn to fill ``X``'s cells from its observed ones (``y`` is ignored). Returns
        self. ``resume=True`` continues from ``checkpoint_dir``."""
        P.check_params(self, self._rules)
        self.schema_ = TableSchema.fit(X, categorical=self.categorical,
                                       max_categories=self.max_categories)
        encoded = self.schema_.encode(X, handle_unknown="error")
        n = len(encoded.values)
        if n < MIN_ROWS:
            raise InputError(f"X has {n} sample(s) (rows); MaskedImputer needs at least "
                             f"{MIN_ROWS} to learn how its columns relate")
        self._record_columns(encoded)
        seed = self._seed()
        self.device_ = resolve_device(self.device)
        self.module_ = self._build_module(seed)
        objective = MaskedImputationObjective(self.schema_.n_features, self.mask_ratio,
                                              self.visible_weight)
        # Small tables repeat in each epoch (each copy of a row gets its own mask), so an
        # epoch is many steps and the history a few rows, whatever the table's size.
        packed = np.tile(encoded.packed(), (-(-EPOCH_ROWS // n), 1))
        self._train(self.module_, objective, TensorSource(torch.from_numpy(packed)), seed,
                    resume=resume, epochs=None, max_steps=self.max_steps or self.DEFAULT_STEPS,
                    batch_size=self.batch_size, validation_fraction=0.0, patience=None)
        self.module_.eval()
        return self

    def _record_columns(self, encoded: Encoded) -> None:
        names = np.asarray(self.schema_.names, dtype=object)
        self.n_features_in_ = len(names)
        if self.schema_.from_frame:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.missing_columns_ = names[(~encoded.observed).any(axis=0)]
        empty_rows = int((~encoded.observed).all(axis=1).sum())
        if empty_rows:
            logger.warning("%d row(s) of X have no observed cell; they are filled with what "
                           "the network expects of a row it knows nothing about", empty_rows)

    def _build_module(self, seed: int) -> ImputerNet:
        schema = self.schema_
        groups = torch.from_numpy(schema.groups())
        offsets = np.cumsum([0] + [c.width for c in schema.columns])
        numeric = [offsets[j] for j, c in enumerate(schema.columns) if c.kind == "numeric"]
        categorical = [list(range(offsets[j], offsets[j + 1]))
                       for j, c in enumerate(schema.columns) if c.kind == "categorical"]
        with seeded_init(seed):
            module = ImputerNet(groups, torch.tensor(numeric, dtype=torch.long), categorical,
                                self.width, self.depth, self.dropout)
        return module.to(self.device_)

    # Imputing -----------------------------------------------------------------------------
    def transform(self, X):
        """``X`` with its missing cells filled: a DataFrame (same columns, order and kinds)
        for a DataFrame, a float array for an array."""
        encoded, as_frame_out = self._encode(X)
        predicted, _ = self._predict(encoded)
        filled = self.schema_.decode(X, predicted, encoded, as_frame_out=as_frame_out)
        return self._with_indicator(filled, encoded)

    def sample(self, X, n: int = 5, *, random_state=None) -> list:
        """``n`` completions of ``X`` drawn from the network's predictive distribution
        (multiple imputation): numbers from a normal around the imputed value with the
        learned spread, categories from their predicted probabilities. Cells are drawn
        independently of each other given the observed ones. Returns a list of ``n``
        tables like :meth:`transform`'s."""
        P.check_argument("n", n, P.integer(1))
        encoded, as_frame_out = self._encode(X)
        rng = np.random.default_rng(random_state)
        mean, log_var = self._predict(encoded)
        draws = []
        for _ in range(n):
            drawn = self._draw(mean, log_var, rng)
            filled = self.schema_.decode(X, drawn, encoded, as_frame_out=as_frame_out)
            draws.append(self._with_indicator(filled, encoded))
        return draws

    def _encode(self, X) -> tuple[Encoded, bool]:
        check_is_fitted(self)
        was_frame = hasattr(X, "columns") and hasattr(X, "dtypes")
        return self.schema_.encode(X, handle_unknown=self.handle_unknown), was_frame

    def _predict(self, encoded: Encoded) -> tuple[np.ndarray, np.ndarray]:
        """What the network gives for every cell, in encoded space: values (numbers
        standardised, category scores) and the numbers' log-variances."""
        n_features, n_numeric = self.schema_.n_features, len(self.module_.numeric)

        def both(batch: torch.Tensor) -> torch.Tensor:
            out = self.module_(batch[:, :n_features], batch[:, n_features:] > 0.5)
            return torch.cat([out.values, out.log_var], dim=1)

        answer = self._run_batches(both, encoded.packed())
        answer = answer.reshape(len(encoded.values), n_features + n_numeric)
        return answer[:, :n_features], answer[:, n_features:]

    def _draw(self, mean: np.ndarray, log_var: np.ndarray, rng) -> np.ndarray:
        drawn = mean.copy()
        numeric = self.module_.numeric.cpu().numpy()
        spread = np.exp(0.5 * np.clip(log_var, -10, 10))
        drawn[:, numeric] = mean[:, numeric] + spread * rng.standard_normal(spread.shape)
        for slots in self.module_.categorical:
            logits = mean[:, slots].astype(np.float64)
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            choice = (p.cumsum(axis=1) > rng.random((len(p), 1))).argmax(axis=1)
            drawn[:, slots] = np.eye(len(slots), dtype=np.float32)[choice]
        return drawn

    def _with_indicator(self, filled, encoded: Encoded):
        if not self.add_indicator or not len(self.missing_columns_):
            return filled
        which = [self.schema_.names.index(c) for c in self.missing_columns_]
        flags = (~encoded.observed[:, which]).astype(np.float64)
        if hasattr(filled, "columns"):
            out = filled.copy()
            for name, column in zip(self.missing_columns_, flags.T):
                out[f"{name}{INDICATOR_SUFFIX}"] = column.astype(np.int8)
            return out
        return np.hstack([filled, flags])

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self)
        names = list(self.schema_.names)
        if self.add_indicator:
            names += [f"{c}{INDICATOR_SUFFIX}" for c in self.missing_columns_]
        return np.asarray(names, dtype=object)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "module_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.non_deterministic = self.random_state is None
        return tags

    # Saving -------------------------------------------------------------------------------
    def _fitted_state(self):
        meta = {"schema": self.schema_.to_json(),
                "missing_columns": [str(c) for c in self.missing_columns_]}
        meta.update(self._training_meta())
        tensors = self._module_tensors(self.module_)
        tensors["schema.mean"] = torch.from_numpy(np.atleast_1d(self.schema_.mean).astype(np.float64))
        tensors["schema.std"] = torch.from_numpy(np.atleast_1d(self.schema_.std).astype(np.float64))
        return meta, tensors

    def _restore_fitted_state(self, meta, tensors) -> None:
        self.device_ = resolve_device(self.device)
        self.schema_ = TableSchema.from_json(meta["schema"], tensors["schema.mean"].numpy(),
                                             tensors["schema.std"].numpy())
        names = np.asarray(self.schema_.names, dtype=object)
        self.n_features_in_ = len(names)
        if self.schema_.from_frame:
            self.feature_names_in_ = names
        self.missing_columns_ = np.asarray(meta["missing_columns"], dtype=object)
        self._restore_training_meta(meta)
        self.module_ = self._load_module(self._build_module(0), tensors)
