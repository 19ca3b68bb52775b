"""ImageCodec: a learned lossy image codec (quantized latents, a learned entropy model)
that writes real ``.aek`` files.

The encoder compresses, the decoder decompresses: an auto-encoder whose code is
quantized to integers and entropy coded under a learned probability model is an image
codec (Ballé et al. 2017, 2018). Fitting trains :class:`~aekit.image.codec_net.CodecNet`
on random crops through aekit's one trainer, with two optimizers (the rate-distortion
loss; the entropy model's quantiles), then freezes the coding tables. ``encode`` and
``decode`` turn a photo into the bytes of an .aek file and back
(:mod:`aekit.image.container`).
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from aekit import params as P
from aekit.base import NeuralEstimator, seeded_init, training_rules
from aekit.errors import InputError
from aekit.image import container
from aekit.image.codec_net import LAMBDAS, MODES, CodecNet, CodingError
from aekit.image.modules import random_flips
from aekit.image.pixels import training_images
from aekit.nn.objective import BaseObjective, LossTerms
from aekit.registry import ESTIMATORS
from aekit.train import OptimizerSpec, RepeatedSource, resolve_device
from aekit.train.sources import ImageCropSource

MIN_STEPS_PER_EPOCH = 100


class RateDistortion(BaseObjective):
    """Per crop: a quality level drawn at random, and the loss ``lambda * 255^2 * MSE +
    bits per pixel`` of that level; the entropy model's quantiles learn on their own
    optimizer ("aux")."""

    def __init__(self, lambdas):
        self.lambdas = torch.tensor(lambdas, dtype=torch.float32)

    def optimizers(self, module):
        quantiles = [p for n, p in module.named_parameters() if n.endswith("quantiles")]
        rest = [p for n, p in module.named_parameters() if not n.endswith("quantiles")]
        return [OptimizerSpec("main", rest, clip_grad_norm=1.0),
                OptimizerSpec("aux", quantiles, learning_rate=1e-3, lr_schedule="constant")]

    def __call__(self, module: CodecNet, batch: torch.Tensor, info) -> LossTerms:
        if info.optimizer == "aux":
            aux = module.aux_loss()
            return LossTerms(aux, {"aux": aux.detach()}, aux)
        g = info.generator
        x = random_flips(batch, g) if info.training else batch
        levels = torch.randint(0, module.levels, (len(x),), generator=g, device=x.device)
        out = module(x, levels, g if info.training else None)
        pixels = x.shape[-1] * x.shape[-2]
        bits = -torch.log2(out.likelihoods_y).flatten(1).sum(1)
        if out.likelihoods_z.numel():
            bits = bits - torch.log2(out.likelihoods_z).flatten(1).sum(1)
        bpp = bits / pixels
        mse = (out.x_hat.float() - x.float()).square().flatten(1).mean(1)
        lam = self.lambdas.to(x.device)[levels]
        loss = (lam * 255.0 ** 2 * mse + bpp).mean()
        psnr = (10 * torch.log10(1.0 / mse.clamp_min(1e-10))).mean()
        return LossTerms(loss, {"bpp": bpp.mean().detach(), "psnr": psnr.detach()}, loss)


def _levels_up_to(high: int) -> P.Rule:
    """Quality levels 1..high (the codec's number of levels, or a level of one)."""
    return P.Rule(f"an integer in [1, {high}]", lambda v: P.is_integer(v) and 1 <= v <= high)


@ESTIMATORS.register("image_codec")
class ImageCodec(NeuralEstimator):
    """A learned image codec for colour photos, one network for every quality level.

    Parameters
    ----------
    mode : {"hyperprior", "factorized"}, default="hyperprior"
        The entropy model: Ballé 2018's scale hyperprior (side information codes each
        latent's scale), or the factorized prior (one density per latent channel).
    channels, latent_channels : int, default=96, 128
        N (inside the transforms) and M (the latents).
    levels : int, default=8
        Quality levels 1..levels (1 = smallest file), with CompressAI's lambdas.
    crop : int, default=128
        Side of the square training crops (a multiple of 64).
    warm_start : bool, default=False
        When fitted already (or loaded), ``fit`` goes on training the same network.
    max_steps : int or None, default=None
        Optimizer steps; None: 8,000 (about half an hour on two CPU cores).
    batch_size : int, default=8
    learning_rate : float, default=3e-4
        Of the rate-distortion loss (the gradient norm is clipped to 1); the entropy
        model's quantiles learn at 1e-3.
    weight_decay, weight_decay, lr_schedule, validation_fraction, device,
    mixed_precision, checkpoint_dir, checkpoint_every, verbose, random_state
        As for every aekit model (see :class:`aekit.AutoEncoder`).

    Attributes
    ----------
    module_ : CodecNet
        With CompressAI's contract: ``forward``, ``compress``, ``decompress``, ``update``.
    model_id_ : str
        Names this network in every file it writes (a hash of its frozen weights).
    """

    _rules: dict[str, P.Rule] = {
        "mode": P.options(*MODES),
        "channels": P.integer(1),
        "latent_channels": P.integer(1),
        "levels": _levels_up_to(len(LAMBDAS)),
        "crop": P.integer(64),
        "warm_start": P.BOOLEAN,
        **training_rules("max_steps", "batch_size", "learning_rate", "weight_decay",
                         "lr_schedule", "validation_fraction", "device", "mixed_precision",
                         "checkpoint_dir", "checkpoint_every", "verbose", "random_state"),
    }
    DEFAULT_STEPS = 8000

    def __init__(self, *, mode="hyperprior", channels=96, latent_channels=128, levels=8,
                 crop=128, warm_start=False, max_steps=None, batch_size=8, learning_rate=3e-4,
                 weight_decay=0.0, lr_schedule="cosine", validation_fraction=0.05,
                 device="auto", mixed_precision="auto", checkpoint_dir=None,
                 checkpoint_every=1, verbose="auto", random_state=None):
        self.mode = mode
        self.channels = channels
        self.latent_channels = latent_channels
        self.levels = levels
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

    def _new_module(self) -> CodecNet:
        return CodecNet(self.mode, self.channels, self.latent_channels, self.levels)

    # Fitting ------------------------------------------------------------------------------
    def fit(self, X, y=None, *, resume: bool = False):
        """Learn from colour photos ``X``: a folder of image files, a list of files, or a
        list of (H, W, 3) arrays on the 0-255 scale. ``y`` is ignored. Returns self."""
        P.check_params(self, self._rules)
        crop = int(self.crop) - int(self.crop) % 64
        images = training_images(X, 3, crop)
        seed = self._seed()
        self.device_ = resolve_device(self.device)
        if not (self.warm_start and hasattr(self, "module_")):
            with seeded_init(seed):
                self.module_ = self._new_module()
        self.module_.to(self.device_).train()
        source = ImageCropSource(images.keys, (crop, crop), images.read, images.sizes)
        passes = max(1, math.ceil(MIN_STEPS_PER_EPOCH * self.batch_size / max(len(source), 1)))
        validation = self.validation_fraction if len(source) >= 20 else 0.0
        # the codec trains in float32: rounding and likelihoods of 1e-9 do not survive bf16
        self._train(self.module_, RateDistortion(LAMBDAS[:self.levels]),
                    RepeatedSource(source, passes), seed, resume=resume, epochs=None,
                    max_steps=self.max_steps or self.DEFAULT_STEPS,
                    validation_fraction=validation, patience=None, mixed_precision=False)
        self.update()
        return self

    # CompressAI's contract ------------------------------------------------------------------
    def forward(self, x: torch.Tensor, quality: int = 1):
        """The training path on a batch (B, 3, H, W) on the 0-1 scale: reconstruction and
        likelihoods (:class:`~aekit.image.codec_net.CodecOutput`)."""
        check_is_fitted(self)
        levels = torch.full((len(x),), self._level(quality), device=x.device)
        return self.module_(x, levels)

    def update(self) -> "ImageCodec":
        """Freeze the integer coding tables into the weights (done by ``fit``)."""
        self.module_.eval()
        self.module_.update()
        self.model_id_ = self._weights_hash()
        return self

    def compress(self, x: torch.Tensor, quality: int = 1) -> dict:
        """``{"strings": [...], "shape": (h, w)}`` for one image (1, 3, H, W) on the 0-1
        scale, H and W multiples of the stride."""
        check_is_fitted(self)
        strings, shape = self.module_.compress(x.to(self.device_), self._level(quality))
        return {"strings": strings, "shape": shape}

    def decompress(self, strings, shape, quality: int = 1) -> torch.Tensor:
        check_is_fitted(self)
        return self.module_.decompress(strings, shape, self._level(quality))

    def _level(self, quality) -> int:
        P.check_argument("quality", quality, _levels_up_to(self.levels))
        return int(quality) - 1

    # Files ----------------------------------------------------------------------------------
    def encode(self, image, quality: int) -> bytes:
        """The bytes of an .aek file for ``image``, an (H, W, 3) uint8 array."""
        check_is_fitted(self)
        pixels = container.check_pixels(image)
        h, w = pixels.shape[:2]
        s = self.module_.stride
        chw = torch.from_numpy(pixels.transpose(2, 0, 1).astype(np.float32) / 255.0)[None]
        padded = F.pad(chw, (0, -w % s, 0, -h % s), mode="replicate")
        coded = self.compress(padded, quality)
        header = container.Header(self.model_id_, h, w, 3, int(quality), self.mode)
        return container.pack(header, coded["strings"])

    def decode(self, data: bytes) -> np.ndarray:
        """The (H, W, 3) uint8 photo in an .aek file's bytes; a file from another model or
        format version, or a damaged one, is refused with :class:`InputError`."""
        check_is_fitted(self)
        header, strings = container.unpack(data)
        if header.model_id != self.model_id_:
            raise InputError(f"this file was made by codec {header.model_id}, not by this one "
                             f"({self.model_id_}); decode it with --model of that codec")
        if header.quality > self.levels or header.mode != self.mode:
            raise InputError("the file's quality or mode does not fit this codec")
        s = self.module_.stride
        shape = (math.ceil(header.height / s) * s // 16, math.ceil(header.width / s) * s // 16)
        x_hat = self.decompress(strings, shape, header.quality)
        pixels = x_hat[0, :, :header.height, :header.width].clamp(0, 1).mul(255).round()
        return pixels.to(torch.uint8).permute(1, 2, 0).cpu().numpy()

    def _weights_hash(self) -> str:
        digest = hashlib.sha256()
        for name, tensor in sorted(self.module_.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()[:16]

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "module_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    # Saving -------------------------------------------------------------------------------
    def _fitted_state(self):
        meta = {"model_id": self.model_id_}
        meta.update(self._training_meta())
        return meta, self._module_tensors(self.module_)

    def _restore_fitted_state(self, meta, tensors) -> None:
        self.device_ = resolve_device(self.device)
        self._restore_training_meta(meta)
        self.module_ = self._load_module(self._new_module(), tensors)
        self.model_id_ = str(meta["model_id"])
        if not self.module_.frozen:
            raise CodingError("the saved codec has no frozen coding tables")
