"""A tiny fitted codec for the tests (seconds to train; its pictures are poor)."""

import functools

import numpy as np

from aekit.image.codec import ImageCodec


def photos(n=3, size=(72, 80), seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        # smooth colour gradients plus texture: something a codec can learn a little of
        y, x = np.mgrid[0:size[0], 0:size[1]]
        base = np.stack([x * 2.0, y * 2.0, (x + y) * 1.0], axis=-1) + rng.normal(0, 20, (*size, 3))
        out.append(np.clip(base + rng.uniform(0, 80, 3), 0, 255).astype(np.uint8))
    return out


@functools.lru_cache(maxsize=2)
def tiny_codec(mode="hyperprior"):
    return ImageCodec(mode=mode, channels=8, latent_channels=8, levels=4, crop=64, max_steps=12,
                      batch_size=2, verbose=False, random_state=0).fit(photos())
