"""Test set-up: keep caches and data homes off the user's home; small shared fixtures."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

# Set before any test imports scikit-learn, matplotlib or Hugging Face libraries.
_HOME = tempfile.mkdtemp(prefix="aekit-tests-")
for _var in ("SCIKIT_LEARN_DATA", "MPLCONFIGDIR", "XDG_CACHE_HOME", "HF_HOME"):
    os.environ[_var] = os.path.join(_HOME, _var.lower())
os.environ.setdefault("MPLBACKEND", "Agg")
# umap-learn's numba functions compile on first use (tens of seconds); cache them in one
# temporary folder so later test runs start at once
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(tempfile.gettempdir(), "aekit-numba-cache"))

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("AEKIT_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_path(*parts: str) -> Path:
    """A path in ../shared/data, or skip the test saying why."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (set AEKIT_SHARED_DATA to the shared data folder)")
    return path


def pytest_configure(config):
    # starlette's TestClient (service tests) warns that it will move to another httpx
    # package; not ours to fix
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture(scope="session")
def digits_X() -> np.ndarray:
    from sklearn.datasets import load_digits

    return load_digits().data.astype(np.float32)


@pytest.fixture(scope="session")
def digit_images() -> np.ndarray:
    from sklearn.datasets import load_digits

    return load_digits().images[:, None].astype(np.float32)  # (N, 1, 8, 8), values 0..16


def small_model(**overrides):
    """A model that trains in well under a second on the digits."""
    import aekit

    settings = dict(hidden=(32,), code_size=4, epochs=3, batch_size=64, random_state=0,
                    verbose=False)
    settings.update(overrides)
    return aekit.AutoEncoder(**settings)
