"""Data-parallel training under torchrun: 2 gloo processes on the CPU train the same
weights as one process on the same global batch, and only rank 0 writes the model."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import aekit

HERE = Path(__file__).parent


def _torchrun(args, tmp_path, nproc=2):
    env = {**os.environ, "GLOO_SOCKET_IFNAME": "lo", "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(HERE.parents[1])}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc-per-node={nproc}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=240, env=env,
                          cwd=tmp_path)


@pytest.mark.slow
def test_two_gloo_processes_train_what_one_process_trains(tmp_path):
    result = _torchrun([str(HERE / "ddp_fit.py"), str(tmp_path / "ddp")], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    X = load_digits().data[:512].astype(np.float32)
    single = aekit.AutoEncoder(hidden=(32,), code_size=4, epochs=2, batch_size=128,
                               validation_fraction=0.0, patience=None, lr_schedule="constant",
                               random_state=0, verbose=False, device="cpu").fit(X)
    ddp = aekit.load(tmp_path / "ddp")
    for name, tensor in single.module_.state_dict().items():
        torch.testing.assert_close(ddp.module_.state_dict()[name], tensor, rtol=1e-4, atol=1e-5)
    config = json.loads((tmp_path / "ddp" / "config.json").read_text())
    assert config["world_size"] == 2 and single.world_size_ == 1
    # the history is the same on every process: losses reduced over both halves
    np.testing.assert_allclose([r["train_loss"] for r in ddp.history_],
                               [r["train_loss"] for r in single.history_], rtol=1e-4)


@pytest.mark.slow
def test_a_run_of_one_process_resumes_on_two(tmp_path):
    first = subprocess.run([sys.executable, str(HERE / "ddp_fit.py"), str(tmp_path / "one"), "2",
                            str(tmp_path / "ckpt")], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "PYTHONPATH": str(HERE.parents[1])})
    assert first.returncode == 0, first.stderr[-3000:]
    result = _torchrun([str(HERE / "ddp_fit.py"), str(tmp_path / "two"), "4", str(tmp_path / "ckpt"),
                        "resume"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    resumed = aekit.load(tmp_path / "two")
    assert [r["epoch"] for r in resumed.history_] == [1, 2, 3, 4]
    assert resumed.world_size_ == 2
    saved = json.loads((tmp_path / "ckpt" / "checkpoint.json").read_text())
    assert saved["epoch"] == 4


@pytest.mark.slow
def test_two_optimizers_one_skipping_steps_train_data_parallel(tmp_path):
    from safetensors.torch import load_file

    from aekit.train import TrainConfig, Trainer
    from tests.train.test_optimizers_and_budgets import MainAndAux, TwoPart

    result = _torchrun([str(HERE / "ddp_two_optimizers.py"), str(tmp_path / "w.safetensors")], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    torch.manual_seed(0)
    module = TwoPart()
    X = torch.rand(64, 3, generator=torch.Generator().manual_seed(1))
    Trainer(TrainConfig(epochs=3, batch_size=16, validation_fraction=0.0, patience=None,
                        verbose=False, device="cpu", learning_rate=0.05, seed=0)).fit(module, MainAndAux(), X)
    for name, tensor in load_file(str(tmp_path / "w.safetensors")).items():
        torch.testing.assert_close(tensor, module.state_dict()[name], rtol=1e-4, atol=1e-5)
