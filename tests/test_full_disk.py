"""A full disk, a file size limit or a read-only folder: one line, exit status 2, and the
files written before left exactly as they were (every write goes through aekit._atomic)."""

import errno
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import aekit
from aekit.errors import OutputError
from aekit.io import fingerprint
from tests.cli.helpers import one_line_error, run

LIMIT = 48 * 1024  # bytes any one file may have in the limited process


def limited_run(*args):
    """The CLI in a process whose files may not grow past LIMIT (RLIMIT_FSIZE): a write
    past it fails with EFBIG, as on a full disk (Python ignores the SIGXFSZ it raises)."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "aekit.cli.main", *map(str, args)],
                          capture_output=True, text=True, timeout=120, preexec_fn=limit, env=env)


def leftovers(folder):
    return [p.name for p in folder.rglob(".*.tmp")]


@pytest.mark.slow
def test_a_full_disk_while_saving_a_model_keeps_the_earlier_model(tmp_path, digits_X):
    out = tmp_path / "model"
    aekit.AutoEncoder(architecture="mlp", hidden=(8,), code_size=2, epochs=1,
                      random_state=0).fit(digits_X[:100]).save(out)
    before = fingerprint(aekit.load(out))
    # a wider net's weights (64*256*2 floats, 130 kB) do not fit under the limit
    done = limited_run("train", "--data", "digits", "--out", out, "--overwrite", "--architecture",
                       "mlp", "--hidden", "256", "--code-size", "2", "--epochs", "1", "--quiet")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aekit: error: cannot write"), done.stderr
    assert "File too large" in lines[0] and "left as they were" in lines[0]
    assert fingerprint(aekit.load(out)) == before
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_a_full_disk_while_scoring_keeps_the_earlier_output(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(0)
    table = pd.DataFrame({"a": rng.normal(size=4000), "b": rng.normal(size=4000)})
    table.to_csv(tmp_path / "rows.csv", index=False)  # about 150 kB scored: over the limit
    aekit.AnomalyDetector(steps=5, n_estimators=2, random_state=0).fit(table).save(tmp_path / "det")
    (tmp_path / "scored.csv").write_text("earlier results\n")
    done = limited_run("detect", "score", tmp_path / "det", "--data", tmp_path / "rows.csv",
                       "--out", tmp_path / "scored.csv", "--overwrite")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("aekit: error: cannot write") and done.stderr.count("\n") == 1
    assert (tmp_path / "scored.csv").read_text() == "earlier results\n"
    assert leftovers(tmp_path) == []


def test_a_read_only_folder_is_one_line_and_changes_nothing(tmp_path, monkeypatch, digits_X):
    model = tmp_path / "model"
    aekit.AutoEncoder(architecture="mlp", hidden=(8,), code_size=2, epochs=1,
                      random_state=0).fit(digits_X[:100]).save(model)
    np.save(tmp_path / "x.npy", digits_X[:5])
    (tmp_path / "codes.npy").write_bytes(b"earlier")

    def read_only(*args, **kwargs):  # what a read-only mount answers (root ignores chmod)
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    message = one_line_error(run("encode", model, "--data", tmp_path / "x.npy",
                                 "--out", tmp_path / "codes.npy", "--overwrite"))
    assert message == (f"cannot write '{tmp_path / 'codes.npy'}': Read-only file system; files "
                       "already there are left as they were")
    assert (tmp_path / "codes.npy").read_bytes() == b"earlier"
    with pytest.raises(OutputError, match="Read-only file system"):
        aekit.load(model).save(model)
    assert aekit.load(model).n_features_in_ == 64


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_folder_without_write_permission_is_one_line(tmp_path, digits_X):
    model = tmp_path / "model"
    aekit.AutoEncoder(architecture="mlp", hidden=(8,), code_size=2, epochs=1,
                      random_state=0).fit(digits_X[:100]).save(model)
    np.save(tmp_path / "x.npy", digits_X[:5])
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        message = one_line_error(run("encode", model, "--data", tmp_path / "x.npy",
                                     "--out", locked / "codes.npy"))
        assert "cannot write" in message and "Permission denied" in message
    finally:
        locked.chmod(0o700)
