"""Where training batches come from: the trainer decides batching, shuffling and sharding.

Every source answers the same questions: how many rows, how to split off validation
rows, the batches of one epoch (shuffled by the trainer's generator) and the batches of
a fixed pass (validation), each for one process of ``shard.size``.

- :class:`TensorSource`: an in-memory tensor. The fast path: moved to the device once,
  batches taken by index, no per-sample Python work.
- :class:`ChunkedSource`: rows streamed from chunks (memory-mapped ``.npy`` blocks,
  Parquet row groups; see :mod:`aekit.data.chunks`) through a bounded shuffle buffer.
- :class:`ImageCropSource`: image files of any size, read lazily, a random crop of each
  per epoch (a centre crop for validation).
- :class:`SequenceSource`: sequences of different lengths, padded per batch, with their
  lengths (:class:`PaddedBatch`), bucketed by length to waste little padding.
- :class:`RepeatedSource`: another source, several passes per epoch (small data).

Batch semantics under DistributedDataParallel: ``batch_size`` is the global batch. Index
sources (tensors, images, sequences) draw one global order on every process and give
each process its slice of every global batch, so N processes see what one process sees;
with streamed chunks every process reads the chunks in the same order and keeps every
N-th row, ``batch_size / N`` rows at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator, NamedTuple, Protocol, Sequence

import numpy as np
import torch

from aekit.errors import InputError
from aekit.train.device import fits_on_device

VALIDATION_BATCH = 4096


@dataclass(frozen=True)
class Shard:
    """This process's place among the training processes."""

    rank: int = 0
    size: int = 1


class Batch(NamedTuple):
    data: Any  # a tensor, or a PaddedBatch
    n_local: int  # rows in this process's part
    n_global: int  # rows in the whole batch, over all processes


class PaddedBatch(NamedTuple):
    """Sequences padded to the longest in the batch."""

    values: torch.Tensor  # (B, T_max, *features), zeros after each sequence's end
    lengths: torch.Tensor  # (B,) int64

    def to(self, device, non_blocking: bool = False) -> "PaddedBatch":
        return PaddedBatch(self.values.to(device, non_blocking=non_blocking),
                           self.lengths.to(device, non_blocking=non_blocking))

    @property
    def mask(self) -> torch.Tensor:
        """(B, T_max) True where a step is real."""
        steps = torch.arange(self.values.shape[1], device=self.lengths.device)
        return steps[None, :] < self.lengths[:, None]


class Source(Protocol):
    def __len__(self) -> int: ...

    def split(self, fraction: float, seed: int) -> tuple["Source", "Source | None"]: ...

    def to(self, device: torch.device) -> "Source": ...

    @property
    def order_device(self) -> torch.device: ...

    def n_steps(self, batch_size: int, shard: Shard) -> int: ...

    def epoch(self, batch_size: int, generator: torch.Generator, shard: Shard) -> Iterator[Batch]: ...

    def in_order(self, shard: Shard) -> Iterator[Batch]: ...


def validation_rows(n: int, fraction: float) -> int:
    """Rows held out for validation: none below 10 samples."""
    return int(round(fraction * n)) if n >= 10 else 0


def _local_slice(n: int, shard: Shard) -> slice:
    """This process's contiguous part of ``n`` rows (parts differ by at most one row)."""
    return slice(shard.rank * n // shard.size, (shard.rank + 1) * n // shard.size)


def _global_batches(order: torch.Tensor, batch_size: int, shard: Shard) -> Iterator[tuple[torch.Tensor, int]]:
    """(this process's indices, global batch size) for each batch of ``order``; under
    several processes, a last batch too small to give every process a row is dropped."""
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        if len(idx) < shard.size:
            return
        yield idx[_local_slice(len(idx), shard)], len(idx)


def _n_index_steps(n: int, batch_size: int, shard: Shard) -> int:
    if batch_size < shard.size:
        return 0  # no batch can give every process a row
    steps = math.ceil(n / batch_size)
    if shard.size > 1 and n % batch_size and n % batch_size < shard.size:
        steps -= 1
    return steps


def _ordered_shard(n: int, shard: Shard, batch_size: int = VALIDATION_BATCH) -> Iterator[slice]:
    part = _local_slice(n, shard)
    for start in range(part.start, part.stop, batch_size):
        yield slice(start, min(start + batch_size, part.stop))


# In-memory tensors ---------------------------------------------------------------------------
class TensorSource:
    """Rows of an in-memory tensor (N, ...)."""

    def __init__(self, X: torch.Tensor):
        self.X = X

    def __len__(self) -> int:
        return self.X.shape[0]

    def split(self, fraction, seed):
        n = len(self)
        n_val = validation_rows(n, fraction)
        if not n_val:
            return self, None  # epochs shuffle anyway: no copy
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
        return TensorSource(self.X[order[n_val:]]), TensorSource(self.X[order[:n_val]])

    def to(self, device):
        if fits_on_device(self.X.element_size() * self.X.nelement(), device):
            return TensorSource(self.X.to(device))
        if device.type == "cuda":
            return _PinnedTensorSource(self.X.pin_memory(), device)  # async copies per batch
        return self

    @property
    def order_device(self):
        return self.X.device

    def n_steps(self, batch_size, shard):
        return _n_index_steps(len(self), batch_size, shard)

    def epoch(self, batch_size, generator, shard):
        order = torch.randperm(len(self), generator=generator, device=generator.device)
        for idx, n_global in _global_batches(order, batch_size, shard):
            yield Batch(self._take(idx.to(self.X.device)), len(idx), n_global)

    def in_order(self, shard):
        for part in _ordered_shard(len(self), shard):
            yield Batch(self._take_slice(part), part.stop - part.start, len(self))

    def _take(self, idx):
        return self.X[idx]

    def _take_slice(self, part):
        return self.X[part]


class _PinnedTensorSource(TensorSource):
    """Host memory too large for the GPU: batches gathered on the host, then copied."""

    def __init__(self, X, device):
        super().__init__(X)
        self.device = device

    def _take(self, idx):
        return self.X[idx].to(self.device, non_blocking=True)

    def _take_slice(self, part):
        return self.X[part].to(self.device, non_blocking=True)


class _HostBatches:
    """Sources that build each batch on the CPU from what they read, then move it."""

    def to(self, device):
        self.device = device
        return self

    @property
    def order_device(self):
        return torch.device("cpu")


class RepeatedSource:
    """Another source whose training epochs are ``passes`` passes over its rows (each
    pass shuffled anew); validation rows, split off before, are never repeated. Makes
    epochs of small data long enough for early stopping (see :mod:`aekit.train.budget`)."""

    def __init__(self, inner, passes: int):
        self.inner, self.passes = inner, passes

    def __len__(self) -> int:
        return len(self.inner)

    def split(self, fraction, seed):
        train, val = self.inner.split(fraction, seed)
        return RepeatedSource(train, self.passes), val

    def to(self, device):
        return RepeatedSource(self.inner.to(device), self.passes)

    @property
    def order_device(self):
        return self.inner.order_device

    def n_steps(self, batch_size, shard):
        return self.passes * self.inner.n_steps(batch_size, shard)

    def epoch(self, batch_size, generator, shard):
        for _ in range(self.passes):
            yield from self.inner.epoch(batch_size, generator, shard)

    def in_order(self, shard):
        return self.inner.in_order(shard)


# Streamed chunks -------------------------------------------------------------------------------
class ChunkReader(Protocol):
    """Rows stored in chunks (see :mod:`aekit.data.chunks`)."""

    sizes: list[int]  # rows per chunk
    row_shape: tuple[int, ...]

    def read(self, i: int) -> Iterator[np.ndarray]:
        """The rows of chunk ``i``, in pieces of bounded size."""


class ChunkedSource(_HostBatches):
    """Rows streamed from a :class:`ChunkReader`, ``transform`` applied to each piece.

    Validation rows are chosen per chunk by a seeded draw (no table of N entries is
    kept); an epoch deals the chunks out in a shuffled order and shuffles rows inside a
    buffer of ``buffer_rows``, so memory stays bounded whatever the number of rows.
    """

    def __init__(self, reader: ChunkReader, transform: Callable[[np.ndarray], np.ndarray],
                 *, part: str = "all", fraction: float = 0.0, seed: int = 0,
                 buffer_rows: int = 65_536):
        self.reader, self.transform = reader, transform
        self.part, self.fraction, self.seed, self.buffer_rows = part, fraction, seed, buffer_rows
        self.counts = [int(self._mask(i, n).sum()) for i, n in enumerate(reader.sizes)]

    def _mask(self, i: int, n: int) -> np.ndarray:
        if self.part == "all":
            return np.ones(n, dtype=bool)
        held_out = np.random.default_rng([self.seed, i]).random(n) < self.fraction
        return held_out if self.part == "validation" else ~held_out

    def __len__(self) -> int:
        return sum(self.counts)

    def split(self, fraction, seed):
        if validation_rows(sum(self.reader.sizes), fraction) == 0:
            return self, None
        make = lambda part: ChunkedSource(self.reader, self.transform, part=part,  # noqa: E731
                                          fraction=fraction, seed=seed, buffer_rows=self.buffer_rows)
        val = make("validation")
        return make("train"), (val if len(val) else None)

    def _rank_rows(self, shard: Shard) -> int:
        """Rows this process keeps: every ``shard.size``-th training row of each chunk."""
        return sum(max(0, -(-(c - shard.rank) // shard.size)) for c in self.counts)

    def _local_batch(self, batch_size: int, shard: Shard) -> int:
        if batch_size < shard.size:
            return 0
        return batch_size // shard.size

    def n_steps(self, batch_size, shard):
        local = self._local_batch(batch_size, shard)
        if not local:
            return 0
        if shard.size == 1:
            return math.ceil(len(self) / batch_size)
        # the same on every process, whatever the epoch's order: the fewest rows any
        # process keeps, in full batches
        return min(self._rank_rows(Shard(r, shard.size)) for r in range(shard.size)) // local

    def epoch(self, batch_size, generator, shard):
        order = torch.randperm(len(self.counts), generator=generator).tolist()
        steps, local = self.n_steps(batch_size, shard), self._local_batch(batch_size, shard)
        shuffle = np.random.default_rng(int(torch.randint(2**31, (1,), generator=generator)))
        rows = self._rows(order, shuffle, local, shard)
        for _ in range(steps):
            block = next(rows, None)
            if block is None:  # cannot happen with the counts above; a hang if it did
                raise RuntimeError("a chunk gave fewer rows than its metadata says")
            yield Batch(self._tensor(block), len(block), len(block) * shard.size)

    def _rows(self, chunks, shuffle, local, shard: Shard) -> Iterator[np.ndarray]:
        """Batches of ``local`` rows (the last may be short) from the chunks in order."""
        buffer: list[np.ndarray] = []
        held = 0
        for piece in self._pieces(chunks, shard):
            buffer.append(piece)
            held += len(piece)
            if held >= self.buffer_rows:
                pool = np.concatenate(buffer)
                pool = pool[shuffle.permutation(len(pool))]
                cut = len(pool) - len(pool) % local
                yield from (pool[i:i + local] for i in range(0, cut, local))
                buffer, held = [pool[cut:]], len(pool) - cut
        if held:
            pool = np.concatenate(buffer)
            pool = pool[shuffle.permutation(len(pool))]
            yield from (pool[i:i + local] for i in range(0, len(pool), local))

    def _pieces(self, chunks, shard: Shard) -> Iterator[np.ndarray]:
        """The kept rows of each chunk, transformed: this part's rows (train or
        validation), and of those every ``shard.size``-th, from ``shard.rank`` on (every
        process reads every chunk; memory stays bounded, and each keeps its own rows)."""
        for i in chunks:
            start = 0
            mask = self._mask(i, self.reader.sizes[i])
            if shard.size > 1:
                kept = np.flatnonzero(mask)
                mask = np.zeros_like(mask)
                mask[kept[shard.rank::shard.size]] = True
            for piece in self.reader.read(i):
                keep = mask[start:start + len(piece)]
                start += len(piece)
                if keep.any():
                    yield self.transform(piece[keep])

    def in_order(self, shard):
        total = len(self)
        for piece in self._pieces(range(len(self.counts)), shard):
            for start in range(0, len(piece), VALIDATION_BATCH):
                block = piece[start:start + VALIDATION_BATCH]
                yield Batch(self._tensor(block), len(block), total)

    def _tensor(self, block: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(np.ascontiguousarray(block, dtype=np.float32))
        device = getattr(self, "device", torch.device("cpu"))
        return tensor.pin_memory().to(device, non_blocking=True) if device.type == "cuda" else tensor


# Sources over a list of items (files, sequences) --------------------------------------------
class _ItemSource(_HostBatches):
    """What sources of separately stored items share: a seeded validation split by item,
    batches made on the CPU and moved to the device, one global order per epoch."""

    def __len__(self):
        raise NotImplementedError

    def _subset(self, idx):
        raise NotImplementedError

    def split(self, fraction, seed):
        n_val = validation_rows(len(self), fraction)
        order = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed)).tolist()
        return self._subset(order[n_val:]), (self._subset(order[:n_val]) if n_val else None)

    def n_steps(self, batch_size, shard):
        return _n_index_steps(len(self), batch_size, shard)


# Image crops ---------------------------------------------------------------------------------
class ImageCropSource(_ItemSource):
    """Image files of any size (at least ``crop``), read when a batch needs them.

    ``read(path) -> (C, H, W) array`` loads one image (e.g. :func:`aekit.data.load_image`
    and a scaling); every epoch takes one random ``crop`` (h, w) of each image, validation
    a centre crop, so a folder of photos far larger than memory trains as well.
    """

    def __init__(self, paths: Sequence, crop: tuple[int, int],
                 read: Callable[[Any], np.ndarray], sizes: Sequence[tuple[int, int]] | None = None):
        self.paths, self.crop, self.read = list(paths), (int(crop[0]), int(crop[1])), read
        self.sizes = list(sizes) if sizes is not None else [_image_size(p) for p in self.paths]
        for path, (h, w) in zip(self.paths, self.sizes):
            if h < self.crop[0] or w < self.crop[1]:
                raise InputError(f"{path} is {h}x{w} pixels, smaller than the {self.crop[0]}x"
                                 f"{self.crop[1]} crop; use a smaller crop or leave it out")

    def __len__(self):
        return len(self.paths)

    def _subset(self, idx) -> "ImageCropSource":
        return ImageCropSource([self.paths[i] for i in idx], self.crop, self.read,
                               [self.sizes[i] for i in idx])

    def epoch(self, batch_size, generator, shard):
        order = torch.randperm(len(self), generator=generator)
        corners = torch.rand((len(self), 2), generator=generator).numpy()  # same on every process
        for idx, n_global in _global_batches(order, batch_size, shard):
            crops = [self._crop(i, corners[i]) for i in idx.tolist()]
            yield Batch(self._tensor(crops), len(crops), n_global)

    def in_order(self, shard):
        for part in _ordered_shard(len(self), shard, batch_size=64):
            crops = [self._crop(i, (0.5, 0.5)) for i in range(part.start, part.stop)]
            yield Batch(self._tensor(crops), len(crops), len(self))

    def _crop(self, i: int, corner) -> np.ndarray:
        image = self.read(self.paths[i])
        h, w = image.shape[-2:]
        top = int(corner[0] * (h - self.crop[0] + 1 - 1e-9))
        left = int(corner[1] * (w - self.crop[1] + 1 - 1e-9))
        return image[..., top:top + self.crop[0], left:left + self.crop[1]]

    def _tensor(self, crops) -> torch.Tensor:
        tensor = torch.from_numpy(np.ascontiguousarray(np.stack(crops), dtype=np.float32))
        return tensor.to(getattr(self, "device", torch.device("cpu")))


def _image_size(path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:  # reads the header only
        return image.height, image.width


# Variable-length sequences ---------------------------------------------------------------------
class SequenceSource(_ItemSource):
    """Sequences (T_i, *features) of different lengths; batches are :class:`PaddedBatch`.

    With ``bucket=True`` each epoch sorts windows of 50 batches by length before cutting
    them into batches (and shuffles the batches), so a batch holds sequences of similar
    length; under several processes each gets its slice of every such batch.
    """

    def __init__(self, sequences: Sequence, *, bucket: bool = True):
        self.sequences = [torch.as_tensor(np.asarray(s, dtype=np.float32)) for s in sequences]
        if not self.sequences:
            raise InputError("no sequences given")
        if any(s.ndim == 0 or len(s) == 0 for s in self.sequences):
            raise InputError("every sequence needs at least one step")
        self.lengths = torch.tensor([len(s) for s in self.sequences])
        self.bucket = bucket

    def __len__(self):
        return len(self.sequences)

    def _subset(self, idx) -> "SequenceSource":
        return SequenceSource([self.sequences[i] for i in idx], bucket=self.bucket)

    def epoch(self, batch_size, generator, shard):
        order = torch.randperm(len(self), generator=generator)
        if self.bucket:
            order = self._bucketed(order, batch_size, generator)
        for idx, n_global in _global_batches(order, batch_size, shard):
            yield Batch(self._pad(idx.tolist()), len(idx), n_global)

    def _bucketed(self, order, batch_size, generator) -> torch.Tensor:
        window = 50 * batch_size
        batches = []
        for start in range(0, len(order), window):
            part = order[start:start + window]
            part = part[torch.argsort(self.lengths[part], stable=True)]
            batches += list(part.split(batch_size))
        # a short batch stays last, so global batches keep their size
        full = [b for b in batches if len(b) == batch_size]
        short = [b for b in batches if len(b) < batch_size]
        shuffled = [full[i] for i in torch.randperm(len(full), generator=generator).tolist()]
        return torch.cat(shuffled + short)

    def in_order(self, shard):
        for part in _ordered_shard(len(self), shard, batch_size=256):
            yield Batch(self._pad(list(range(part.start, part.stop))), part.stop - part.start, len(self))

    def _pad(self, idx: list[int]) -> PaddedBatch:
        seqs = [self.sequences[i] for i in idx]
        values = torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True)
        batch = PaddedBatch(values, self.lengths[idx].clone())
        return batch.to(getattr(self, "device", torch.device("cpu")))


def as_source(data) -> Source:
    """A tensor (or array) becomes a :class:`TensorSource`; sources pass through."""
    if isinstance(data, torch.Tensor):
        return TensorSource(data)
    if isinstance(data, np.ndarray):
        return TensorSource(torch.from_numpy(data))
    if isinstance(data, (TensorSource, ChunkedSource, ImageCropSource, SequenceSource,
                         RepeatedSource)):
        return data
    raise TypeError(f"cannot train on a {type(data).__name__}; pass a tensor or an aekit.train source")
