"""Denoiser: a blind de-noiser for photos, fitted on clean images.

Each training step takes random crops of the clean images, corrupts every crop with
freshly drawn noise (Gaussian of a random sigma by default; Poisson-Gaussian, salt and
pepper, JPEG artefacts on request) and trains :class:`~aekit.image.modules.DenoiserNet`
to give the clean crop back: a de-noising auto-encoder (Vincent et al. 2008) whose code
is the image itself at half resolution. Training goes through aekit's one trainer with
its image-crop source; de-noising runs on whole images in overlapping tiles, so memory
stays bounded and the result does not depend on the tile size.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from aekit import params as P
from aekit.base import NeuralEstimator, seeded_init, training_rules
from aekit.errors import InputError
from aekit.image.modules import FOLD, NOISES, DenoiserNet, DenoisingObjective
from aekit.image.pixels import check_image, training_images
from aekit.registry import ESTIMATORS
from aekit.train import RepeatedSource, resolve_device
from aekit.train.sources import ImageCropSource

logger = logging.getLogger(__name__)

TILE = 512  # side of the part of the image each tile gives a result for (a multiple of FOLD)
MIN_STEPS_PER_EPOCH = 100  # crops repeat within an epoch so validation is not every few steps


def _noise_kinds(value) -> bool:
    kinds = [value] if isinstance(value, str) else value
    return isinstance(kinds, (list, tuple)) and len(kinds) > 0 and all(k in NOISES for k in kinds)


def _sigma_range(value) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 0 <= value <= 255
    return (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            and 0 <= value[0] <= value[1] <= 255)


@ESTIMATORS.register("denoiser")
class Denoiser(NeuralEstimator):
    """De-noise photos with a network trained on clean ones.

    Parameters
    ----------
    channels : {"auto", 1, 3}, default="auto"
        Grayscale or colour; "auto": colour if any training image is.
    width, depth : int, default=64, 12
        Channels per layer and number of 3x3 convolution layers.
    noise : str or list of str, default="gaussian"
        Corruptions drawn for training crops: "gaussian", "poisson_gaussian",
        "salt_pepper", "jpeg" (one drawn per batch from the list).
    sigma : float or (float, float), default=(0, 55)
        Gaussian sigma on the 0-255 scale: fixed, or drawn per crop in the range (a blind
        de-noiser copes with any level inside the range it was trained on).
    guided : float, default=0.5
        Share of training crops told their noise level (so ``denoise(sigma=...)`` can use
        a known level); the others are blind.
    crop : int, default=64
        Side of the square training crops; every image must be at least this large.
    warm_start : bool, default=False
        When fitted already (or loaded), ``fit`` goes on training the same network
        (a new budget of ``max_steps``) instead of starting from random weights.
    max_steps : int or None, default=None
        Optimizer steps; None: 5,000 (about 25 minutes on two CPU cores at the defaults).
    batch_size : int, default=32
    learning_rate, weight_decay, lr_schedule, validation_fraction, device,
    mixed_precision, checkpoint_dir, checkpoint_every, verbose, random_state
        As for every aekit model (see :class:`aekit.AutoEncoder`).

    Attributes
    ----------
    module_ : DenoiserNet
    channels_ : int
    history_ : list of dict

    Examples
    --------
    >>> import numpy as np, aekit
    >>> photos = [np.random.default_rng(i).uniform(0, 255, (64, 64)) for i in range(4)]
    >>> model = aekit.Denoiser(crop=32, max_steps=2, verbose=False).fit(photos)
    >>> model.denoise(photos[0], sigma=25).shape
    (64, 64)
    """

    _rules: dict[str, P.Rule] = {
        "channels": P.either(P.options("auto"), P.options(1, 3)),
        "width": P.integer(1),
        "depth": P.integer(2),
        "noise": P.Rule(f"one of {sorted(NOISES)} or a list of them", _noise_kinds),
        "sigma": P.Rule("a number or a (low, high) pair in [0, 255]", _sigma_range),
        "guided": P.interval(0.0, 1.0),
        "crop": P.integer(2 * FOLD),
        "warm_start": P.BOOLEAN,
        **training_rules("max_steps", "batch_size", "learning_rate", "weight_decay",
                         "lr_schedule", "validation_fraction", "device", "mixed_precision",
                         "checkpoint_dir", "checkpoint_every", "verbose", "random_state"),
    }

    def __init__(self, *, channels="auto", width=64, depth=12, noise="gaussian", sigma=(0, 55),
                 guided=0.5, crop=64, warm_start=False, max_steps=None, batch_size=32, learning_rate=1e-3,
                 weight_decay=0.0, lr_schedule="cosine", validation_fraction=0.05,
                 device="auto", mixed_precision="auto", checkpoint_dir=None,
                 checkpoint_every=1, verbose="auto", random_state=None):
        self.channels = channels
        self.width = width
        self.depth = depth
        self.noise = noise
        self.sigma = sigma
        self.guided = guided
        self.crop = crop
        self.warm_start = warm_start
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.validation_fraction = validation_fraction
        self.device = device
        self.mixed_precision = mixed_precision
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.verbose = verbose
        self.random_state = random_state

    DEFAULT_STEPS = 5000

    # Fitting ------------------------------------------------------------------------------
    def fit(self, X, y=None, *, resume: bool = False):
        """Learn to de-noise from clean images ``X``: a folder of image files, a list of
        files, a list of (H, W) or (H, W, 3) arrays on the 0-255 scale, or one array of
        such images stacked. ``y`` is ignored. Returns self."""
        P.check_params(self, self._rules)
        crop = int(self.crop) - int(self.crop) % FOLD
        warm = self.warm_start and hasattr(self, "module_")
        images = training_images(X, self.channels_ if warm else self.channels, crop)
        self.channels_ = images.channels
        seed = self._seed()
        self.device_ = resolve_device(self.device)
        if not warm:
            with seeded_init(seed):
                self.module_ = DenoiserNet(self.channels_, self.width, self.depth)
        self.module_.to(self.device_)
        steps = self.max_steps or self.DEFAULT_STEPS
        source = ImageCropSource(images.keys, (crop, crop), images.read, images.sizes)
        passes = max(1, math.ceil(MIN_STEPS_PER_EPOCH * self.batch_size / max(len(source), 1)))
        kinds = [self.noise] if isinstance(self.noise, str) else list(self.noise)
        sigma = (self.sigma, self.sigma) if isinstance(self.sigma, (int, float)) else tuple(self.sigma)
        objective = DenoisingObjective(kinds, sigma, self.guided)
        validation = self.validation_fraction if len(source) >= 20 else 0.0
        self._train(self.module_, objective, RepeatedSource(source, passes), seed, resume=resume,
                    epochs=None, max_steps=steps, validation_fraction=validation, patience=None)
        self.module_.eval()
        return self

    # De-noising ---------------------------------------------------------------------------
    def denoise(self, image, sigma=None) -> np.ndarray:
        """The de-noised ``image``: an (H, W) or (H, W, 3) array on the 0-255 scale, float
        or uint8 (float input is not clipped), returned as float32 of the same shape.
        ``sigma``: the noise level if known (0-255 scale); None: blind."""
        check_is_fitted(self)
        pixels = check_image(image, self.channels_)
        if sigma is not None:
            P.check_argument("sigma", sigma, P.real(0.0, 255.0))
        level = math.nan if sigma is None else float(sigma) / 255.0
        chw = pixels.reshape(pixels.shape[0], pixels.shape[1], -1).transpose(2, 0, 1)
        out = self._denoise_tiled(np.ascontiguousarray(chw, dtype=np.float32) / 255.0, level)
        return (out.transpose(1, 2, 0).reshape(pixels.shape) * 255.0).astype(np.float32)

    def _denoise_tiled(self, chw: np.ndarray, level: float) -> np.ndarray:
        """(C, H, W) on the 0-1 scale, de-noised tile by tile. Each tile is widened by the
        network's reach on every side (at even offsets, so the half-resolution grid lines
        up), and only its centre is kept: the result equals a whole-image pass."""
        c, h, w = chw.shape
        padded = np.pad(chw, ((0, 0), (0, -h % FOLD), (0, -w % FOLD)), mode="edge")
        H, W = padded.shape[1:]
        margin = self.module_.reach + self.module_.reach % FOLD
        out = np.empty_like(padded)
        level_t = torch.tensor([level], dtype=torch.float32, device=self.device_)
        self.module_.eval()
        with torch.no_grad():
            for top in range(0, H, TILE):
                for left in range(0, W, TILE):
                    y0, x0 = max(0, top - margin), max(0, left - margin)
                    y1, x1 = min(H, top + TILE + margin), min(W, left + TILE + margin)
                    tile = torch.from_numpy(padded[None, :, y0:y1, x0:x1]).to(self.device_)
                    result = self.module_(tile, level_t).x_hat[0].float().cpu().numpy()
                    bottom, right = min(H, top + TILE), min(W, left + TILE)
                    out[:, top:bottom, left:right] = result[:, top - y0:bottom - y0,
                                                            left - x0:right - x0]
        return out[:, :h, :w]

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "module_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    # Saving -------------------------------------------------------------------------------
    def _fitted_state(self):
        meta = {"channels": int(self.channels_)}
        meta.update(self._training_meta())
        return meta, self._module_tensors(self.module_)

    def _restore_fitted_state(self, meta, tensors) -> None:
        self.device_ = resolve_device(self.device)
        self.channels_ = int(meta["channels"])
        self._restore_training_meta(meta)
        self.module_ = self._load_module(DenoiserNet(self.channels_, self.width, self.depth),
                                         tensors)
