"""The shared training loop: checkpoints, resume after a kill, early stopping, history."""

import csv
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from aekit.errors import ConfigError, TrainingError
from aekit.nn.objective import LossTerms
from aekit.train import TrainConfig, Trainer
from tests.conftest import small_model


def _plain(**kw):
    return small_model(**kw)


def _vq(**kw):
    # a codebook larger than the digits need: dead codes restart from the VQ's ring of
    # recent outputs with its own generator, state that lives outside state_dict
    return small_model(bottleneck="vq", codebook_size=64, code_size=4, **kw)


def _vae(**kw):
    import aekit

    return aekit.VAE(hidden=(32,), code_size=4, batch_size=64, kl_warmup_epochs=4,
                     random_state=0, verbose=False, **kw)


@pytest.mark.parametrize("make", [_plain, _vq, _vae], ids=["autoencoder", "vq", "vae"])
def test_resume_continues_exactly_where_the_checkpoint_left_off(tmp_path, digits_X, monkeypatch, make):
    straight = make(epochs=6, checkpoint_dir=tmp_path / "a", checkpoint_every=2).fit(digits_X)
    # A first run that crashes in epoch 5 (after the epoch-4 checkpoint), then a resumed one.
    original = Trainer._train_epoch

    def crash_in_epoch_5(self, run, *args):
        if run.epoch == 4:
            raise KeyboardInterrupt
        return original(self, run, *args)

    monkeypatch.setattr(Trainer, "_train_epoch", crash_in_epoch_5)
    with pytest.raises(KeyboardInterrupt):
        make(epochs=6, checkpoint_dir=tmp_path / "b", checkpoint_every=2).fit(digits_X)
    monkeypatch.setattr(Trainer, "_train_epoch", original)
    resumed = make(epochs=6, checkpoint_dir=tmp_path / "b", checkpoint_every=2)
    resumed.fit(digits_X, resume=True)
    assert [r["epoch"] for r in resumed.history_] == [1, 2, 3, 4, 5, 6]
    if make is _vq:  # codes restarted after the checkpoint, from the restored state
        assert resumed.history_[4]["train_restarted"] > 0
    for key in straight.history_[0]:
        if key != "seconds":
            assert [r[key] for r in resumed.history_] == pytest.approx(
                [r[key] for r in straight.history_], rel=1e-6), key
    np.testing.assert_allclose(resumed.transform(digits_X), straight.transform(digits_X), rtol=1e-5, atol=1e-6)


def test_history_csv_has_a_row_per_epoch(tmp_path, digits_X):
    small_model(epochs=3, checkpoint_dir=tmp_path).fit(digits_X)
    with open(tmp_path / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert {"train_loss", "val_loss", "train_reconstruction", "seconds"} <= set(rows[0])


def test_resume_without_a_checkpoint_dir_is_refused(digits_X):
    with pytest.raises(ConfigError, match="checkpoint_dir"):
        small_model().fit(digits_X, resume=True)


def test_resume_with_another_architecture_is_refused(tmp_path, digits_X):
    small_model(epochs=2, checkpoint_dir=tmp_path).fit(digits_X)
    with pytest.raises(ConfigError, match="does not fit this model"):
        small_model(epochs=4, hidden=(16,), checkpoint_dir=tmp_path).fit(digits_X, resume=True)


def _constant_loss(module, batch, info):
    loss = module(batch).pow(2).mean() * 0 + 1.0  # never improves
    return LossTerms(loss, {})


def test_early_stopping_stops_after_patience_epochs():
    module = torch.nn.Linear(3, 3)
    config = TrainConfig(epochs=50, patience=3, verbose=False, device="cpu")
    result = Trainer(config).fit(module, _constant_loss, torch.rand(40, 3))
    assert result.stopped_early and len(result.history) == 4 and result.best_epoch == 1


def test_a_diverging_loss_is_reported():
    def nan_loss(module, batch, info):
        return LossTerms(module(batch).sum() * float("nan"), {})

    with pytest.raises(TrainingError, match="nan"):
        Trainer(TrainConfig(epochs=2, verbose=False)).fit(torch.nn.Linear(2, 2), nan_loss, torch.rand(8, 2))


def test_validation_split_is_held_out():
    seen = []

    def record(module, batch, info):
        if module.training:
            seen.append(batch.clone())
        return LossTerms(module(batch).pow(2).mean(), {})

    X = torch.arange(100, dtype=torch.float32)[:, None]
    Trainer(TrainConfig(epochs=1, batch_size=1000, validation_fraction=0.2, verbose=False)).fit(
        torch.nn.Linear(1, 1), record, X)
    assert seen[0].shape[0] == 80


# every kind of model the trainer checkpoints: a plain auto-encoder, a VAE, a VQ code
KILLED_KINDS = {"autoencoder": [], "vae": ["--kind", "vae"],
                "vq": ["--bottleneck", "vq", "--codebook-size", "16"]}


@pytest.mark.slow
def test_killed_cli_runs_of_every_kind_resume_from_their_last_checkpoint(tmp_path):
    import json

    import aekit

    # the kinds run side by side: one kill and one resume each, in the time of about one
    def command(kind, epochs):
        return [sys.executable, "-m", "aekit.cli.main", "train", "--data", "digits",
                "--out", str(tmp_path / kind), "--architecture", "mlp", "--hidden", "256,128",
                "--code-size", "4", "--epochs", str(epochs), "--patience", "400",
                "--checkpoint-every", "1", "--quiet", *KILLED_KINDS[kind]]

    # one thread each: three processes with two threads each on two cores crawl
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    procs = {kind: subprocess.Popen(command(kind, 400), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, env=env) for kind in KILLED_KINDS}
    index = {kind: tmp_path / kind / "checkpoints" / "checkpoint.json" for kind in KILLED_KINDS}
    deadline = time.time() + 90
    while not all(i.exists() for i in index.values()) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    for proc in procs.values():
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    done = {}
    for kind in KILLED_KINDS:
        assert index[kind].exists(), procs[kind].stderr.read().decode()
        done[kind] = json.loads(index[kind].read_text())["epoch"]
        assert 1 <= done[kind] < 400
    resumed = {kind: subprocess.Popen(command(kind, done[kind] + 2) + ["--resume"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      env=env)
               for kind in KILLED_KINDS}
    for kind, proc in resumed.items():
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, (kind, err.decode())
        history = aekit.load(tmp_path / kind).history_
        # nothing lost beyond the checkpoint interval: it continues at the epoch after it
        assert len(history) == done[kind] + 2 and history[-1]["epoch"] == done[kind] + 2
