"""Generated bad input for the de-noiser: any array to ``denoise``, any bytes as a photo
file; each works or fails with aekit's own one-line error."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aekit.image import Denoiser
from aekit.image.files import read_photo
from tests.cli.helpers import run
from tests.test_bad_inputs import ODD, _crashed, seeded, survives


@pytest.fixture(scope="module")
def tiny_denoiser():
    photos = [np.random.default_rng(i).uniform(0, 255, (16, 16)) for i in range(2)]
    return Denoiser(width=4, depth=2, crop=8, max_steps=1, verbose=False, random_state=0).fit(photos)


@seeded(150)
@given(X=ODD, sigma=st.one_of(st.none(), st.floats(), st.integers(-5, 300)))
def test_denoise_takes_any_array(tiny_denoiser, X, sigma):
    out = survives(lambda: tiny_denoiser.denoise(X, sigma=sigma))
    if out is not None:
        assert np.isfinite(out).all() and out.shape[:2] == np.asarray(X).shape[:2]


PNG = b"\x89PNG\r\n\x1a\n"


@seeded(120)
@given(content=st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(lambda b: PNG + b)),
       suffix=st.sampled_from([".png", ".jpg", ".tif", ".webp"]))
def test_photo_files_of_any_content_read_or_fail_clearly(tmp_path_factory, content, suffix):
    path = tmp_path_factory.mktemp("photo") / f"in{suffix}"
    path.write_bytes(content)
    survives(lambda: read_photo(path))
    result = run("denoise", path, "--out", path.parent / "out.png")
    assert result.exit_code in (0, 2) and not _crashed(result), result.output
