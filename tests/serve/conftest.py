"""Small saved models for the service and export tests, fitted in a few seconds."""

import numpy as np
import pandas as pd
import pytest

import aekit

pytest.importorskip("fastapi")



def transactions(n, seed=0):
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(3, 0.4, n)
    return pd.DataFrame({"amount": amount, "fee": amount * 0.02 + rng.normal(0, 0.05, n),
                         "kind": rng.choice(["card", "cash", "wire"], n)})


@pytest.fixture(scope="session")
def served(tmp_path_factory, digits_X):
    """Folders ``det`` (a table with a text column), ``adet`` (an array detector), ``ae``
    and ``vae`` (digits), ``idet`` (digit images), and ``new.csv`` (rows to score)."""
    root = tmp_path_factory.mktemp("served")
    aekit.AnomalyDetector(steps=30, n_estimators=2, random_state=0).fit(
        transactions(300)).save(root / "det")
    new = transactions(40, seed=1)
    new.loc[3, "amount"] = 1e4
    new.loc[5, "kind"] = "crypto"
    new.to_csv(root / "new.csv", index=False)
    X = digits_X[:300]
    aekit.AnomalyDetector(steps=10, n_estimators=2, random_state=0).fit(X).save(root / "adet")
    images = X.reshape(-1, 1, 8, 8)
    aekit.AnomalyDetector(steps=5, random_state=0).fit(images).save(root / "idet")
    small = dict(architecture="mlp", hidden=(16,), code_size=4, epochs=1, verbose=False,
                 random_state=0)
    aekit.AutoEncoder(**small).fit(X).save(root / "ae")
    aekit.VAE(**small).fit(X / 16).save(root / "vae")
    return root


@pytest.fixture(scope="session")
def client_for(served):
    """``client_for("det", max_body_mb=...)``: a TestClient of the service for that model."""
    from fastapi.testclient import TestClient

    from aekit.serve.app import create_app

    clients = {}

    def make(name, **settings):
        key = (name, tuple(sorted(settings.items())))
        if key not in clients:
            clients[key] = TestClient(create_app(served / name, **settings),
                                      raise_server_exceptions=False)
        return clients[key]

    return make
