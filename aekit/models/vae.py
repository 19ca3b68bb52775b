"""The variational auto-encoder: a generator you can sample, interpolate and score honestly."""

from __future__ import annotations

import logging
import math

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from torch import nn

from aekit import params as P
from aekit.base import (AE_TRAINING, INFERENCE_CHUNK, ArchitectureMixin, NeuralEstimator,
                        fixed_chunks, seeded_init)
from aekit.data.validation import check_features
from aekit.errors import ConfigError, InputError
from aekit.nn.gaussian import VAEModule, VAEObjective, gaussian_kl, log_prior_ratio
from aekit.preprocessing import SCALINGS, choose_scaling
from aekit.registry import ARCHITECTURES, ESTIMATORS, LIKELIHOODS
from aekit.train import resolve_device

logger = logging.getLogger(__name__)

ACTIVE_UNIT_THRESHOLD = 1e-2  # Burda et al. 2016: Cov_x(E_q[z_u]) > 0.01 means "active"
IW_ROWS = 32768  # decoder rows per pass when estimating log p(x): bounds the memory used
EPS_CHUNK = 1024  # importance samples drawn per pass; fixed, so scores never depend on batching
# epochs="auto": the ELBO converges far slower than a reconstruction loss (on 13,000 MNIST
# digits the conv VAE was still improving after 50 epochs; 89.12 nats after 100, BENCHMARKS.md)
AUTO_MIN_EPOCHS = 100
AUTO_WARMUP_EPOCHS = 10  # kl_warmup_epochs="auto": at most this many
_FINITE = P.finite(0.0)


@ESTIMATORS.register("vae")
class VAE(ArchitectureMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, NeuralEstimator):
    """A variational auto-encoder (Kingma & Welling 2014) with a N(0, I) prior.

    Parameters
    ----------
    architecture : {"auto", "mlp", "conv"}
        As in :class:`aekit.AutoEncoder`; the encoder ends in 2 * code_size values
        (posterior means and log-variances).
    hidden : sequence of int or None
        Hidden widths (mlp) or conv stage channels (conv); None: the architecture's default.
    code_size : int
        Number of latent dimensions.
    activation : str
        Hidden activation.
    likelihood : {"bernoulli", "gaussian"}
        p(x | z). "bernoulli" for binary data (or intensities in [0, 1], then scored by
        cross-entropy, which is a likelihood only for binary data); "gaussian" with one
        learned standard deviation per feature, shared by all samples, floored at 0.01 in
        the scaled units.
    beta : float
        Weight of the KL term; beta > 1 is the beta-VAE of Higgins et al. 2017.
    kl_warmup_epochs : int or "auto"
        The KL weight rises linearly from 0 to ``beta`` over this many epochs (0: none).
        "auto" (default): a fifth of the epochs, at most 10 (Bowman et al. 2016's annealing,
        which keeps the code from collapsing to the prior before the decoder has learned).
    free_bits : float
        Nats per latent dimension (batch-averaged) below which the KL is not penalised
        (Kingma et al. 2016); 0 turns it off. Only with ``iw_samples=1``.
    iw_samples : int
        Samples per input in training; k > 1 trains the importance-weighted bound (IWAE).
    binarize : {"auto", "dynamic", None}
        "dynamic" draws binary pixels from the [0, 1] intensities at every step (the
        standard protocol of binarized MNIST); needs ``likelihood="bernoulli"``. The
        Bernoulli loss is linear in the pixels, so the decoder still learns the
        intensities, while the encoder learns from binary inputs like those a Bernoulli
        likelihood scores; it also acts as augmentation. "auto" (default): "dynamic" for
        ``likelihood="bernoulli"``, None otherwise. None: train on the values as given.
    scaling : {"auto", "standard", "minmax", "none"}
        Preprocessing. "auto" maps data outside [0, 1] to [0, 1] (minmax) for
        "bernoulli" and follows :class:`aekit.AutoEncoder` for "gaussian".
    epochs : int or "auto"
        "auto" (default): at least 100 epochs and at least 5,000 optimizer steps (small
        data sets get several passes per epoch, as in :class:`aekit.AutoEncoder`, which
        needs half the epochs); an int: that many passes over the training rows.
    max_steps, batch_size, learning_rate, weight_decay, lr_schedule, validation_fraction, patience,
    device, mixed_precision, checkpoint_dir, checkpoint_every, verbose, random_state
        Settings of the shared training loop (:class:`aekit.train.TrainConfig`).
    encoder, decoder : torch.nn.Module or None
        Your own modules: the encoder maps inputs to (N, 2 * code_size), the decoder
        maps codes to the likelihood's parameters in the input's shape.

    Attributes
    ----------
    module_ : aekit.nn.gaussian.VAEModule
    latent_activity_ : ndarray of shape (code_size,)
        Variance over the training data of each dimension's posterior mean.
    active_units_ : int
        Dimensions whose activity exceeds 0.01 (Burda et al.); the rest collapsed to the prior.
    input_shape_, n_features_in_, scaler_, history_, best_epoch_, n_epochs_

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> import aekit
    >>> X = load_digits().data / 16
    >>> vae = aekit.VAE(hidden=(64,), code_size=4, epochs=2, random_state=0).fit(X)
    >>> vae.sample(3, random_state=0).shape
    (3, 64)
    >>> vae.log_likelihood(X[:2], k=10).shape
    (2,)
    """

    _rules: dict[str, P.Rule] = {
        "architecture": P.Rule(f"'auto' or one of {ARCHITECTURES.names()}",
                               lambda v: v == "auto" or v in ARCHITECTURES),
        "hidden": P.sizes(),
        "code_size": P.integer(1),
        "activation": P.Rule("a known activation name", lambda v: isinstance(v, str)),
        "likelihood": P.Rule(f"one of {LIKELIHOODS.names()}", lambda v: v in LIKELIHOODS),
        "beta": _FINITE,
        "kl_warmup_epochs": P.either(P.options("auto"), P.integer(0)),
        "free_bits": _FINITE,
        "iw_samples": P.integer(1),
        "binarize": P.options("auto", "dynamic", None),
        "scaling": P.options(*SCALINGS),
        **AE_TRAINING,
        "encoder": P.instance_of(nn.Module),
        "decoder": P.instance_of(nn.Module),
    }

    def __init__(self, architecture="auto", hidden=None, code_size=32, activation="relu",
                 likelihood="bernoulli", beta=1.0, kl_warmup_epochs="auto", free_bits=0.0,
                 iw_samples=1, binarize="auto", scaling="auto", epochs="auto", max_steps=None, batch_size=64,
                 learning_rate=1e-3, weight_decay=0.0, lr_schedule="cosine",
                 validation_fraction=0.1, patience=10, device="auto", mixed_precision="auto",
                 checkpoint_dir=None, checkpoint_every=5, verbose="auto", random_state=None,
                 encoder=None, decoder=None):
        self.architecture = architecture
        self.hidden = hidden
        self.code_size = code_size
        self.activation = activation
        self.likelihood = likelihood
        self.beta = beta
        self.kl_warmup_epochs = kl_warmup_epochs
        self.free_bits = free_bits
        self.iw_samples = iw_samples
        self.binarize = binarize
        self.scaling = scaling
        self.epochs = epochs
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.mixed_precision = mixed_precision
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.verbose = verbose
        self.random_state = random_state
        self.encoder = encoder
        self.decoder = decoder

    # Fitting ------------------------------------------------------------------------------
    def fit(self, X, y=None, *, resume: bool = False):
        """Train on ``X`` (labels ignored); ``resume=True`` continues from the last
        checkpoint in ``checkpoint_dir``. Logs the active units afterwards. Returns self."""
        self._check_params()
        raw = check_features(X)
        self.data_range_ = (float(raw.min()), float(raw.max()))
        Xs = self._fit_input(X, self._scaling_kind)
        if self.likelihood == "bernoulli" and not self.clip_:
            raise ConfigError("likelihood='bernoulli' needs data in [0, 1] after scaling; use "
                              "scaling='minmax' (or 'auto') or likelihood='gaussian'")
        seed = self._seed()
        self.device_ = resolve_device(self.device)
        self.module_ = self._build_module(seed)
        self._check_encoder_output()
        source, epochs = self._budgeted(torch.from_numpy(Xs), min_epochs=AUTO_MIN_EPOCHS)
        self._train(self.module_, self._objective(epochs), source, seed, resume=resume,
                    epochs=epochs)
        self.latent_activity_ = self._activity(Xs)
        self.active_units_ = int((self.latent_activity_ > ACTIVE_UNIT_THRESHOLD).sum())
        logger.info("VAE: %d of %d latent units active (posterior-mean variance > %g)",
                    self.active_units_, self.code_size, ACTIVE_UNIT_THRESHOLD)
        return self

    def _check_params(self) -> None:
        P.check_params(self, self._rules)
        self._check_module_pair()
        if self.binarize == "dynamic" and self.likelihood != "bernoulli":
            raise ConfigError(f"binarize={self.binarize!r} needs likelihood='bernoulli', "
                              f"got likelihood={self.likelihood!r}")
        if self.free_bits > 0 and self.iw_samples > 1:
            raise ConfigError("free_bits applies to the ELBO (iw_samples=1); with "
                              f"iw_samples={self.iw_samples} set free_bits=0")

    def _scaling_kind(self, X: np.ndarray, dtype) -> str:
        if self.scaling != "auto":
            return self.scaling
        if self.likelihood == "bernoulli":
            return "none" if X.min() >= 0 and X.max() <= 1 else "minmax"
        return choose_scaling(X, dtype)

    def _build_module(self, seed: int) -> VAEModule:
        likelihood = LIKELIHOODS.get(self.likelihood)(self.model_shape_)
        if self.encoder is not None:
            encoder, decoder = self._custom_modules()
        else:
            with seeded_init(seed):
                encoder = self._arch().build(self.model_shape_, self._hidden(), 2 * self.code_size,
                                             self.activation)[0]
                decoder = self._arch().build(self.model_shape_, self._hidden(), self.code_size,
                                             self.activation)[1]
        return VAEModule(encoder, decoder, likelihood, self.code_size).to(self.device_)

    def _check_encoder_output(self) -> None:
        width = self._encoder_width(self.module_.encoder)
        if width != 2 * self.code_size:
            raise ConfigError(f"the encoder must output 2 * code_size = {2 * self.code_size} "
                              f"values per sample (posterior means, then log-variances), "
                              f"got {width}")

    def _objective(self, epochs: int) -> VAEObjective:
        # the warm-up is counted in the trainer's steps, which it passes to the objective
        return VAEObjective(beta=float(self.beta), free_bits=float(self.free_bits),
                            warmup_epochs=self._warmup_epochs(epochs),
                            binarize=self._binarizes(), iw_samples=self.iw_samples)

    def _warmup_epochs(self, epochs: int) -> int:
        if self.kl_warmup_epochs != "auto":
            return self.kl_warmup_epochs
        return min(AUTO_WARMUP_EPOCHS, max(1, epochs // 5))

    def _binarizes(self) -> bool:
        if self.binarize == "auto":
            return self.likelihood == "bernoulli"
        return self.binarize == "dynamic"

    def _activity(self, Xs: np.ndarray) -> np.ndarray:
        means = self._run_batches(lambda b: self.module_.posterior(b)[0], Xs)
        return means.astype(np.float64).var(axis=0)

    # Codes and images ---------------------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Posterior means of ``X``, shape (n_samples, code_size)."""
        return self._run_batches(lambda b: self.module_.posterior(b)[0], self._prepare(X))

    def inverse_transform(self, X) -> np.ndarray:
        """The decoder's mean image for each code, in the original units and shape."""
        return self._decode(self._check_codes(X))

    def reconstruct(self, X) -> np.ndarray:
        """Decoded posterior means: ``inverse_transform(transform(X))``."""
        return self._decode(self.transform(X))

    def reconstruction_error(self, X) -> np.ndarray:
        """Mean squared error of each sample's reconstruction, in the scaled space."""
        Xs = self._prepare(X)
        recon = self._run_batches(
            lambda b: self._clip(self.module_.decode(self.module_.posterior(b)[0])), Xs)
        return ((recon - Xs) ** 2).reshape(len(Xs), -1).mean(axis=1)

    def sample(self, n: int, random_state=None) -> np.ndarray:
        """Decode ``n`` codes drawn from the N(0, I) prior: (n, *input_shape), the decoder's
        mean for each (pixel probabilities for "bernoulli"), in the original units."""
        check_is_fitted(self)
        P.check_argument("n", n, P.integer(1))
        gen = torch.Generator().manual_seed(_seed_of(random_state))
        codes = torch.randn((n, self.code_size), generator=gen).numpy()
        return self._decode(codes)

    def interpolate(self, a, b, steps: int = 10) -> np.ndarray:
        """Decode ``steps`` codes on the line from ``a``'s posterior mean to ``b``'s, ends
        included: (steps, *input_shape). ``a`` and ``b`` are single samples."""
        check_is_fitted(self)
        P.check_argument("steps", steps, P.integer(2))
        ends = self.transform(np.concatenate([self._one(a, "a"), self._one(b, "b")]))
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        return self._decode((1 - t) * ends[0] + t * ends[1])

    def traverse(self, dim: int, steps: int = 9, span: float = 3.0, base=None) -> np.ndarray:
        """Vary code dimension ``dim`` over ``linspace(-span, span, steps)`` with the others
        held at ``base``'s posterior mean (None: the prior mean, 0): (steps, *input_shape)."""
        check_is_fitted(self)
        P.check_argument("dim", dim, P.Rule(
            f"an integer in [0, {self.code_size - 1}] for a {self.code_size}-D code",
            lambda v: P.is_integer(v) and 0 <= v < self.code_size))
        P.check_argument("steps", steps, P.integer(2))
        P.check_argument("span", span, P.interval(0, math.inf, open_low=True, open_high=True))
        start = np.zeros(self.code_size, np.float32) if base is None else \
            self.transform(self._one(base, "base"))[0]
        codes = np.repeat(start[None], steps, axis=0)
        codes[:, dim] = np.linspace(-span, span, steps)
        return self._decode(codes)

    # Scores -------------------------------------------------------------------------------
    def score_samples(self, X, n_samples: int = 10, random_state=0) -> np.ndarray:
        """Per-sample ELBO in nats (higher = more probable): E_q[log p(x|z)] estimated with
        ``n_samples`` draws minus the exact KL(q(z|x) || p(z)). Every sample gets the same
        noise draws, so a score depends only on the sample and ``random_state``, not on the
        other samples, their order or the device."""
        P.check_argument("n_samples", n_samples, P.integer(1))
        return self._per_sample_bound(X, self._elbo_batch, n_samples, random_state)

    def score(self, X, y=None) -> float:
        """Mean ELBO per sample in nats (scikit-learn's higher-is-better ``score``)."""
        return float(np.mean(self.score_samples(X)))

    def log_likelihood(self, X, k: int = 1000, random_state=0) -> np.ndarray:
        """Importance-weighted estimate of log p(x) per sample, in nats (Burda et al. 2016):
        log (1/k) sum_i p(x, z_i) / q(z_i | x), z_i ~ q(z | x). A lower bound that tightens
        as k grows; deterministic for a given ``random_state`` (noise shared by all samples,
        as in ``score_samples``). The k samples are drawn in chunks and combined with a
        running logsumexp, so memory stays bounded for any k."""
        P.check_argument("k", k, P.integer(1))
        return self._per_sample_bound(X, self._iw_batch, k, random_state)

    def _per_sample_bound(self, X, bound_batch, n_draws: int, random_state) -> np.ndarray:
        """``bound_batch(batch, n_draws, seed)`` over X in batches sized so each holds about
        IW_ROWS sample-draw rows, in the units of the data as the user passed it."""
        Xs = self._prepare(X)
        self._warn_if_not_binary(Xs)
        seed = _seed_of(random_state)
        scores = self._batched_scores(Xs, lambda b: bound_batch(b, n_draws, seed),
                                      batch_size=max(1, IW_ROWS // min(n_draws, EPS_CHUNK)))
        return scores + self._log_jacobian()

    def latent_activity(self, X) -> np.ndarray:
        """Variance over ``X`` of each code dimension's posterior mean (Burda et al.'s
        activity; > 0.01 = active)."""
        return self.transform(X).astype(np.float64).var(axis=0)

    # Helpers ------------------------------------------------------------------------------
    def _elbo_batch(self, batch: torch.Tensor, n_samples: int, seed: int) -> torch.Tensor:
        mean, log_var = self.module_.posterior(batch)
        log_px = torch.zeros(batch.shape[0], device=batch.device, dtype=torch.float64)
        for eps in self._shared_noise(seed, n_samples, batch.shape[0]):
            log_w = self.module_.log_weights(batch, mean, log_var, eps)
            z = mean + torch.exp(0.5 * log_var) * eps
            log_px += (log_w - log_prior_ratio(z, eps, log_var)).double().sum(0)
        return log_px / n_samples - gaussian_kl(mean, log_var).sum(-1).double()

    def _iw_batch(self, batch: torch.Tensor, k: int, seed: int) -> torch.Tensor:
        mean, log_var = self.module_.posterior(batch)
        acc = torch.full((batch.shape[0],), -math.inf, device=batch.device, dtype=torch.float64)
        for eps in self._shared_noise(seed, k, batch.shape[0]):
            log_w = self.module_.log_weights(batch, mean, log_var, eps)
            acc = torch.logaddexp(acc, torch.logsumexp(log_w.double(), dim=0))
        return acc - math.log(k)

    def _shared_noise(self, seed: int, n_samples: int, batch_size: int):
        """The same ``n_samples`` standard-normal draws for every input (common random
        numbers), drawn on the CPU in fixed chunks: a sample's score does not depend on
        the batch it is in, the order of the data or the device. Yields (S, N, code) views."""
        gen = torch.Generator().manual_seed(seed)
        for start in range(0, n_samples, EPS_CHUNK):
            eps = torch.randn((min(EPS_CHUNK, n_samples - start), self.code_size), generator=gen)
            yield eps.to(self.device_)[:, None, :].expand(-1, batch_size, -1)

    def _batched_scores(self, Xs: np.ndarray, fn, batch_size: int = INFERENCE_CHUNK) -> np.ndarray:
        self.module_.eval()
        out = []
        with torch.no_grad():
            for chunk, n_valid in fixed_chunks(Xs, batch_size):
                out.append(fn(torch.from_numpy(chunk).to(self.device_))[:n_valid].cpu().numpy())
        return np.concatenate(out)

    def _log_jacobian(self) -> float:
        """log |d scaled / d x| summed over features: scores become densities of the data as
        given. Bernoulli probabilities are masses, which a relabelling does not change."""
        if self.likelihood == "bernoulli":
            return 0.0
        scale = np.broadcast_to(self.scaler_.scale, (self.n_features_in_,))
        return float(-np.log(scale.astype(np.float64)).sum())

    def _warn_if_not_binary(self, Xs: np.ndarray) -> None:
        if self.likelihood == "bernoulli" and np.any((Xs != 0) & (Xs != 1)):
            logger.warning("scoring non-binary data with a Bernoulli likelihood gives a "
                           "cross-entropy, not log p(x); binarize the data for likelihoods")

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        out = self._run_batches(lambda b: self._clip(self.module_.decode(b)),
                                np.ascontiguousarray(codes, dtype=np.float32))
        return self._unscale(out)

    def _check_codes(self, X) -> np.ndarray:
        check_is_fitted(self)
        codes = check_features(X, name="codes", allow_nd=False)
        if codes.shape[1] != self.code_size:
            raise InputError(f"codes have {codes.shape[1]} columns, but this VAE's code size "
                             f"is {self.code_size}")
        return codes

    def _one(self, a, name: str) -> np.ndarray:
        """One sample, given alone or as a batch of one, as a batch of one."""
        arr = np.asarray(a)
        squeeze = lambda shape: tuple(d for d in shape if d != 1)  # noqa: E731
        if arr.size == self.n_features_in_ and (
                squeeze(arr.shape) == squeeze(self.input_shape_) or not self._exact_shape()):
            return arr.reshape(1, *self.input_shape_)
        raise InputError(f"{name} must be one sample of shape {self.input_shape_} (the shape "
                         f"this VAE was fitted on), got an array of shape {arr.shape}")

    @property
    def _n_features_out(self) -> int:
        return self.code_size

    # Saving (used by aekit.io) ------------------------------------------------------------
    def _fitted_state(self):
        meta, tensors = self._input_meta()
        meta.update(self._training_meta())
        meta.update({"data_range": list(self.data_range_), "code_size": self.code_size,
                     "latent_activity": [float(v) for v in self.latent_activity_],
                     "active_units": self.active_units_})
        tensors.update(self._module_tensors(self.module_))
        return meta, tensors

    def _restore_fitted_state(self, meta, tensors) -> None:
        self._restore_input_meta(meta, tensors)
        self._restore_training_meta(meta)
        self.data_range_ = tuple(meta["data_range"])
        self.latent_activity_ = np.asarray(meta["latent_activity"], dtype=np.float64)
        self.active_units_ = meta["active_units"]
        self.module_ = self._load_module(self._build_module(seed=0), tensors)


def _seed_of(random_state) -> int:
    """A torch seed from None, an int or a RandomState (a local generator, never global)."""
    return int(check_random_state(random_state).randint(0, 2**31 - 1))
