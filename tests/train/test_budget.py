"""Step budgets that do not shrink with the data, and sources repeated within an epoch."""

import torch

from aekit.train import RepeatedSource, TensorSource, TrainConfig, Trainer, plan_budget
from aekit.train.sources import Shard


def test_small_data_gets_the_step_floor_in_long_epochs():
    budget = plan_budget(360, 64, 0.1, min_epochs=50, min_steps=5000, min_epoch_steps=100)
    steps_per_pass = 6  # 324 training rows in batches of 64
    assert budget.passes_per_epoch == 17  # 102 steps per epoch
    assert budget.epochs * budget.passes_per_epoch * steps_per_pass >= 5000
    assert "passes" in budget.description


def test_large_data_keeps_its_epochs():
    budget = plan_budget(60_000, 64, 0.1, min_epochs=50)
    assert budget == type(budget)(50, 1)
    assert budget.description == "50 epochs"


def test_repeated_source_repeats_training_rows_but_not_validation_rows():
    source = RepeatedSource(TensorSource(torch.arange(20.0)[:, None]), passes=3)
    train, val = source.split(0.2, seed=0)
    assert len(val) == 4 and not isinstance(val, RepeatedSource)
    rows = torch.cat([b.data for b in train.epoch(5, torch.Generator().manual_seed(0), Shard())])
    assert len(rows) == 48 and train.n_steps(5, Shard()) == 12
    assert torch.equal(torch.bincount(rows[:, 0].long(), minlength=20)[val.X[:, 0].long()],
                       torch.zeros(4, dtype=torch.long))
    assert set(torch.bincount(rows[:, 0].long()).tolist()) <= {0, 3}


def test_validate_start_keeps_the_start_when_training_only_hurts():
    module = torch.nn.Linear(1, 1)
    torch.nn.init.zeros_(module.weight)
    torch.nn.init.zeros_(module.bias)

    def objective(m, x, info):  # training pulls the output to 1, validation wants 0
        from aekit.nn import LossTerms
        target = 1.0 if info.training else 0.0
        return LossTerms(((m(x) - target) ** 2).mean(), {})

    result = Trainer(TrainConfig(epochs=3, batch_size=4, validation_fraction=0.5, seed=0,
                                 learning_rate=0.1, validate_start=True, verbose=False)).fit(
        module, objective, torch.ones(20, 1))
    assert result.best_epoch == 0
    assert float(module.weight) == 0.0 and float(module.bias) == 0.0
