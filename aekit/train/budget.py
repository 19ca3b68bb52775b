"""Training budgets that do not shrink with the data: small data sets get as many
optimizer steps as large ones.

An epoch-based budget gives 360 images 300 steps where 8,000 images get 5,600, and the
small-data model stops long before it has learned (it rebuilds held-out faces worse
than PCA). :func:`plan_budget` keeps a floor of optimizer steps, and packs several passes
over a small data set into one epoch so that an epoch stays long enough for early
stopping's patience (counted in epochs) and for a short history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from aekit.train.sources import validation_rows

MIN_EPOCHS = 50  # epochs, whatever the number of samples
MIN_STEPS = 5000  # optimizer steps, whatever the number of samples
MIN_EPOCH_STEPS = 100  # steps per epoch: passes are repeated below this


@dataclass(frozen=True)
class Budget:
    epochs: int  # epochs to run (early stopping may end sooner)
    passes_per_epoch: int  # passes over the training rows in each epoch

    @property
    def description(self) -> str:
        if self.passes_per_epoch == 1:
            return f"{self.epochs} epochs"
        return f"{self.epochs} epochs of {self.passes_per_epoch} passes over the data"


def plan_budget(n_rows: int, batch_size: int, validation_fraction: float, *,
                min_epochs: int = MIN_EPOCHS, min_steps: int = MIN_STEPS,
                min_epoch_steps: int = MIN_EPOCH_STEPS) -> Budget:
    """At least ``min_epochs`` epochs and at least ``min_steps`` optimizer steps, with
    epochs of at least ``min_epoch_steps`` steps (a pass repeated as often as needed)."""
    n_train = max(1, n_rows - validation_rows(n_rows, validation_fraction))
    steps_per_pass = math.ceil(n_train / batch_size)
    passes = max(1, math.ceil(min_epoch_steps / steps_per_pass))
    epochs = max(min_epochs, math.ceil(min_steps / (passes * steps_per_pass)))
    return Budget(epochs, passes)
