"""Data sources: what each gives per epoch, per process, and in bounded memory."""

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

import aekit
from aekit.data.chunks import NpyChunks, ParquetChunks
from aekit.errors import DataError, InputError
from aekit.train import ChunkedSource, ImageCropSource, SequenceSource, TensorSource
from aekit.train.sources import Shard


def _rows(batches):
    return torch.cat([b.data for b in batches])


def test_two_shards_of_a_tensor_source_split_every_global_batch():
    X = torch.arange(20, dtype=torch.float32)[:, None]
    one = list(TensorSource(X).epoch(8, torch.Generator().manual_seed(0), Shard()))
    halves = [list(TensorSource(X).epoch(8, torch.Generator().manual_seed(0), Shard(r, 2)))
              for r in range(2)]
    assert [b.n_global for b in one] == [8, 8, 4]
    for whole, a, b in zip(one, *halves):
        assert torch.equal(torch.cat([a.data, b.data]), whole.data)
        assert a.n_local + b.n_local == whole.n_global


def test_npy_chunks_are_read_from_the_file_in_blocks(tmp_path):
    array = np.random.default_rng(0).random((1000, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", array)
    reader = NpyChunks(tmp_path / "x.npy", block_bytes=6 * 4 * 128)
    assert reader.sizes == [128] * 7 + [104] and reader.row_shape == (6,)
    np.testing.assert_array_equal(np.concatenate([next(reader.read(i)) for i in range(8)]), array)


def test_a_chunked_source_streams_each_training_row_once_an_epoch(tmp_path):
    array = np.arange(3000, dtype=np.float32).reshape(1000, 3)
    np.save(tmp_path / "x.npy", array)
    source = ChunkedSource(NpyChunks(tmp_path / "x.npy", block_bytes=3 * 4 * 100), lambda a: a,
                           buffer_rows=250)
    train, val = source.split(0.2, seed=0)
    assert len(train) + len(val) == 1000 and 150 < len(val) < 250
    seen = _rows(train.epoch(64, torch.Generator().manual_seed(0), Shard()))
    held = _rows(val.in_order(Shard()))
    assert len(seen) == len(train) and len(np.unique(seen[:, 0])) == len(train)
    assert not set(seen[:, 0].tolist()) & set(held[:, 0].tolist())
    assert train.n_steps(64, Shard()) == -(-len(train) // 64)
    # two processes: chunks dealt out, the same number of batches on each
    steps = [len(list(train.epoch(64, torch.Generator().manual_seed(0), Shard(r, 2)))) for r in range(2)]
    assert steps[0] == steps[1] > 0


def test_parquet_row_groups_stream_numeric_columns_and_refuse_text(tmp_path):
    frame = pd.DataFrame({"a": np.arange(300.0), "b": np.ones(300), "name": ["x"] * 300})
    frame.to_parquet(tmp_path / "t.parquet", row_group_size=100)
    reader = ParquetChunks(tmp_path / "t.parquet", columns=["a", "b"])
    assert reader.sizes == [100, 100, 100] and reader.row_shape == (2,)
    assert next(reader.read(2))[0].tolist() == [200.0, 1.0]
    with pytest.raises(DataError, match="'name' are not numeric"):
        ParquetChunks(tmp_path / "t.parquet")


def test_an_autoencoder_trains_on_a_streamed_table(tmp_path, digits_X):
    np.save(tmp_path / "digits.npy", digits_X)
    streamed = aekit.AutoEncoder(hidden=(32,), code_size=8, epochs=8, random_state=0,
                                 verbose=False).fit(NpyChunks(tmp_path / "digits.npy",
                                                              block_bytes=64 * 4 * 200))
    in_memory = aekit.AutoEncoder(hidden=(32,), code_size=8, epochs=8, random_state=0,
                                  verbose=False).fit(digits_X)
    assert streamed.scaler_.kind == in_memory.scaler_.kind == "standard"  # float32 table
    np.testing.assert_allclose(streamed.scaler_.scale, in_memory.scaler_.scale, rtol=1e-4)
    error = streamed.reconstruction_error(digits_X).mean()
    assert error < 0.7  # standardized units: the mean sample's error is about 0.95
    assert error < 1.5 * in_memory.reconstruction_error(digits_X).mean()


def test_image_crops_come_from_images_of_any_size(tmp_path):
    paths = []
    for i, (h, w) in enumerate([(40, 50), (32, 32), (60, 33)]):
        Image.fromarray(np.full((h, w), 10 * i, np.uint8)).save(tmp_path / f"{i}.png")
        paths.append(tmp_path / f"{i}.png")
    read = lambda p: np.asarray(Image.open(p), dtype=np.float32)[None] / 255.0  # noqa: E731
    source = ImageCropSource(paths, (32, 32), read)
    batch = next(source.epoch(3, torch.Generator().manual_seed(0), Shard()))
    assert batch.data.shape == (3, 1, 32, 32)
    assert sorted(round(float(v) * 255) for v in batch.data.mean((1, 2, 3))) == [0, 10, 20]
    with pytest.raises(InputError, match=r"1.png is 32x32 pixels, smaller than the 40x40 crop"):
        ImageCropSource(paths, (40, 40), read)


def test_sequences_are_padded_with_their_lengths_and_bucketed():
    rng = np.random.default_rng(0)
    sequences = [rng.random((n, 2)).astype(np.float32) for n in rng.integers(1, 30, 200)]
    source = SequenceSource(sequences)
    batches = list(source.epoch(16, torch.Generator().manual_seed(0), Shard()))
    assert sum(b.n_local for b in batches) == 200
    first = batches[0].data
    assert first.values.shape[0] == 16 and first.values.shape[1] == int(first.lengths.max())
    assert torch.all(first.values[~first.mask] == 0)
    spread = np.mean([float(b.data.lengths.max() - b.data.lengths.min()) for b in batches])
    assert spread < 5  # similar lengths together: little padding
    with pytest.raises(InputError, match="at least one step"):
        SequenceSource([np.zeros((0, 2))])
