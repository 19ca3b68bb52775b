"""Small saved models of every kind the CLI takes, fitted in Python in a few seconds."""

import numpy as np
import pandas as pd
import pytest

import aekit


@pytest.fixture(scope="module")
def models(tmp_path_factory, digits_X):
    """A folder with ``ae``, ``vae`` (digits /16), ``det`` (digit images as a table),
    ``tdet`` (fitted on ``few.csv``), ``x.npy`` (10 digits) and ``few.csv`` (50 rows)."""
    root = tmp_path_factory.mktemp("models")
    X = digits_X[:200]
    aekit.AnomalyDetector(steps=5, n_estimators=2, random_state=0).fit(X).save(root / "det")
    small = dict(architecture="mlp", hidden=(16,), code_size=4, epochs=1, verbose=False,
                 random_state=0)
    aekit.AutoEncoder(**small).fit(X).save(root / "ae")
    aekit.VAE(**small).fit(X / 16).save(root / "vae")
    np.save(root / "x.npy", X[:10])
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50)})
    table.to_csv(root / "few.csv", index=False)
    aekit.AnomalyDetector(steps=5, n_estimators=2, random_state=0).fit(table).save(root / "tdet")
    return root
