"""Several optimizers in one step, step budgets, the step passed to objectives, and
checkpoints that hold all of it."""

import pytest
import torch
from torch import nn

from aekit.nn.objective import BaseObjective, LossTerms
from aekit.train import OptimizerSpec, TrainConfig, Trainer


class TwoPart(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Linear(3, 1)
        self.aux = nn.Linear(3, 1)


class MainAndAux(BaseObjective):
    """Each part fits its own target with its own optimizer; the aux one every other step."""

    def __init__(self):
        self.seen = []

    def optimizers(self, module):
        return [OptimizerSpec("main", params=module.main.parameters()),
                OptimizerSpec("aux", params=module.aux.parameters(), algorithm="sgd",
                              learning_rate=0.05, momentum=0.9, lr_schedule="constant")]

    def __call__(self, module, x, info):
        self.seen.append((info.optimizer, info.step))
        if info.optimizer == "aux" and info.step % 2:
            return None  # sits this step out
        part = module.main if info.optimizer == "main" else module.aux
        target = x.sum(1, keepdim=True) * (1.0 if info.optimizer == "main" else -1.0)
        loss = (part(x) - target).pow(2).mean()
        return LossTerms(loss, {"fit": loss.detach()})


def _fit(objective, module, X, **config):
    settings = dict(epochs=30, batch_size=16, validation_fraction=0.0, patience=None,
                    verbose=False, device="cpu", learning_rate=0.05)
    settings.update(config)
    return Trainer(TrainConfig(**settings)).fit(module, objective, X)


def test_two_optimizers_each_train_their_own_parameters():
    torch.manual_seed(0)
    X = torch.rand(64, 3)
    module, objective = TwoPart(), MainAndAux()

    def errors():
        with torch.no_grad():
            target = X.sum(1, keepdim=True)
            return ((module.main(X) - target).abs().mean(), (module.aux(X) + target).abs().mean())

    before = errors()
    result = _fit(objective, module, X, epochs=60)
    after = errors()
    assert after[0] < 0.2 * before[0] and after[1] < 0.2 * before[1]
    assert {"train_fit", "train_aux_loss", "train_aux_fit"} <= set(result.history[-1])
    assert ("aux", 1) in objective.seen and ("main", 1) in objective.seen


def test_max_steps_stops_mid_epoch_and_objectives_see_the_step():
    X = torch.rand(100, 3)
    objective = MainAndAux()
    result = _fit(objective, TwoPart(), X, epochs=None, max_steps=10)  # 7 steps an epoch
    assert result.steps == 10 and len(result.history) == 2
    steps = [step for name, step in objective.seen if name == "main"]
    assert steps == list(range(10))


def test_giving_neither_epochs_nor_max_steps_is_refused():
    from aekit.errors import ConfigError

    with pytest.raises(ConfigError, match="epochs, max_steps or both"):
        _fit(MainAndAux(), TwoPart(), torch.rand(8, 3), epochs=None)


def test_checkpoints_hold_every_optimizer_and_resume_exactly(tmp_path):
    X = torch.rand(64, 3)
    torch.manual_seed(1)
    straight = TwoPart()
    start = {k: v.clone() for k, v in straight.state_dict().items()}
    settings = dict(keep_best=False)  # compare the last weights, not each run's best epoch
    full = _fit(MainAndAux(), straight, X, epochs=6, checkpoint_dir=str(tmp_path / "a"), **settings)
    first = TwoPart()
    first.load_state_dict(start)
    _fit(MainAndAux(), first, X, epochs=3, checkpoint_dir=str(tmp_path / "b"), checkpoint_every=3,
         **settings)
    resumed = TwoPart()
    resumed.load_state_dict(start)
    result = Trainer(TrainConfig(epochs=6, batch_size=16, validation_fraction=0.0, patience=None,
                                 verbose=False, device="cpu", learning_rate=0.05, keep_best=False,
                                 checkpoint_dir=str(tmp_path / "b"))).fit(
        resumed, MainAndAux(), X, resume=True)
    assert result.resumed_from == 3 and len(result.history) == 6
    assert [r["epoch"] for r in result.history] == [r["epoch"] for r in full.history]
    # the constant-rate aux part continues exactly where it was
    torch.testing.assert_close(resumed.aux.weight, straight.aux.weight, rtol=1e-5, atol=1e-6)
    # the cosine-decayed main part ended its 3 epochs at rate 0; given 6 now, the closed-form
    # schedule resumes at the rate of epoch 3 of 6, so it keeps learning
    losses = [r["train_loss"] for r in result.history]
    assert losses[5] < losses[2]


class Clipped(BaseObjective):
    """One SGD step on a loss with a huge gradient, clipped to norm ``limit``."""

    def __init__(self, limit):
        self.limit = limit

    def optimizers(self, module):
        return [OptimizerSpec("main", algorithm="sgd", learning_rate=1.0, lr_schedule="constant",
                              clip_grad_norm=self.limit)]

    def __call__(self, module, x, info):
        loss = 1e6 * module(x).sum()
        return LossTerms(loss, {})


@pytest.mark.parametrize("limit", [None, 0.5])
def test_clip_grad_norm_bounds_each_step(limit):
    torch.manual_seed(0)
    module = nn.Linear(3, 1)
    before = torch.cat([p.detach().flatten().clone() for p in module.parameters()])
    _fit(Clipped(limit), module, torch.rand(16, 3), epochs=1, batch_size=16)
    moved = float((torch.cat([p.detach().flatten() for p in module.parameters()]) - before).norm())
    if limit is None:
        assert moved > 1e3
    else:
        assert moved == pytest.approx(limit, rel=1e-4)  # SGD at rate 1: the clipped gradient
