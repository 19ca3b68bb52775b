"""Generated bad input for MaskedImputer: it fills, or fails with aekit's own error."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import aekit
from tests.test_bad_inputs import CELLS, ODD, seeded, survives


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60),
                          "kind": rng.choice(["x", "y"], 60)})
    frame = frame.mask(rng.random(frame.shape) < 0.2)
    small = dict(width=8, depth=1, max_steps=5, batch_size=32, random_state=0, verbose=False)
    return {"frame": aekit.MaskedImputer(**small, handle_unknown="ignore").fit(frame),
            "array": aekit.MaskedImputer(**small).fit(frame[["a", "b"]].to_numpy()),
            "small": small}


@seeded(150)
@given(X=ODD)
def test_any_array_is_filled_or_refused(fitted, X):
    for imputer in (fitted["array"], fitted["frame"]):
        out = survives(lambda: imputer.transform(X))
        if out is not None:
            assert not np.isnan(np.asarray(out, dtype=float)).any()


@seeded(150)
@given(columns=st.lists(st.sampled_from(["a", "b", "kind", "c", ""]), min_size=0, max_size=4),
       cells=st.lists(CELLS, min_size=0, max_size=12))
def test_any_frame_is_filled_or_refused(fitted, columns, cells):
    width = max(len(columns), 1)
    rows = [cells[i:i + width] for i in range(0, len(cells) - width + 1, width)]
    frame = survives(lambda: pd.DataFrame(rows, columns=columns or None))
    if frame is not None:
        survives(lambda: fitted["frame"].transform(frame))
        survives(lambda: fitted["frame"].sample(frame, 2))


@seeded(60)
@given(X=ODD)
def test_fit_takes_any_array(fitted, X):
    survives(lambda: aekit.MaskedImputer(**fitted["small"]).fit(X))
