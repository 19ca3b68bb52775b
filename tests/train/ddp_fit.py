"""Run by tests/train/test_distributed.py, under torchrun or alone: fit, then save (rank 0
writes). Arguments: OUT [EPOCHS [CHECKPOINT_DIR [resume]]]."""

import sys

import numpy as np
from sklearn.datasets import load_digits

import aekit

out = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
checkpoints = sys.argv[3] if len(sys.argv) > 3 else None
X = load_digits().data[:512].astype(np.float32)
model = aekit.AutoEncoder(hidden=(32,), code_size=4, epochs=epochs, batch_size=128,
                          validation_fraction=0.0, patience=None, lr_schedule="constant",
                          random_state=0, verbose=False, device="cpu", checkpoint_dir=checkpoints,
                          checkpoint_every=1)
model.fit(X, resume=len(sys.argv) > 4)
model.save(out)  # only rank 0 writes
