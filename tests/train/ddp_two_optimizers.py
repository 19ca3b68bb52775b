"""Run by tests/train/test_distributed.py under torchrun: an objective with two optimizers,
one of which sits every other step out, trains data-parallel; rank 0 saves the weights."""

import sys

import torch
from safetensors.torch import save_file

from aekit.train import TrainConfig, Trainer, is_main_process
from tests.train.test_optimizers_and_budgets import MainAndAux, TwoPart

torch.manual_seed(0)
module = TwoPart()
X = torch.rand(64, 3, generator=torch.Generator().manual_seed(1))
Trainer(TrainConfig(epochs=3, batch_size=16, validation_fraction=0.0, patience=None, verbose=False,
                    device="cpu", learning_rate=0.05, seed=0)).fit(module, MainAndAux(), X)
if is_main_process():
    save_file({k: v.contiguous() for k, v in module.state_dict().items()}, sys.argv[1])
