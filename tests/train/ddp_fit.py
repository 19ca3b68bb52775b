"""Run by tests/train/test_distributed.py under torchrun: fit, then save from rank 0."""

import sys

import numpy as np
from sklearn.datasets import load_digits

import aekit

out = sys.argv[1]
X = load_digits().data[:512].astype(np.float32)
model = aekit.AutoEncoder(hidden=(32,), code_size=4, epochs=2, batch_size=128,
                          validation_fraction=0.0, patience=None, lr_schedule="constant",
                          random_state=0, verbose=False, device="cpu").fit(X)
model.save(out)  # only rank 0 writes
