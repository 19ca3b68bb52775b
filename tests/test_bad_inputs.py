"""Generated bad input at every public entry point: arrays, CSV and Parquet files, model
and index folders, command-line arguments and the HTTP service. Each either works or
fails with aekit's own error (one line and exit status 2 in the CLI, a 4xx in the
service); nothing else may escape. About 1,400 generated inputs, seeded.
"""

import json
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import aekit
from aekit.errors import AekitError
from tests.cli.helpers import run


def seeded(n):
    """Reproducible in CI: derandomized, no example database, no deadline on slow CPUs."""
    return settings(max_examples=n, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, digits_X):
    import pandas as pd

    root = tmp_path_factory.mktemp("bad-inputs")
    X = digits_X[:200, :6]
    small = dict(architecture="mlp", hidden=(8,), code_size=2, epochs=1, verbose=False,
                 random_state=0)
    ae = aekit.AutoEncoder(**small).fit(X)
    ae.save(root / "ae")
    table = pd.DataFrame({"a": X[:, 0] + X[:, 1], "b": X[:, 2], "kind": np.where(X[:, 3] > 8, "x", "y")})
    det = aekit.AnomalyDetector(steps=5, n_estimators=2, random_state=0).fit(table)
    det.save(root / "det")
    table.to_csv(root / "table.csv", index=False)
    aekit.CodeIndex.build(ae, X).save(root / "index")
    return {"root": root, "ae": ae, "det": det}


def survives(call):
    """Run ``call``; aekit's own errors are the allowed way to fail."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call()
        except AekitError:
            return None


# Arrays ------------------------------------------------------------------------------
DTYPES = st.sampled_from([np.float32, np.float64, np.int64, np.uint8, np.bool_, np.complex64])
# floats include NaN and infinities by default
ARRAYS = hnp.arrays(DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=7))
ODD = st.one_of(ARRAYS, st.lists(st.one_of(st.none(), st.text(max_size=3), st.floats()), max_size=6),
                st.text(max_size=5), st.none(), st.integers())


@seeded(150)
@given(X=ODD)
def test_auto_encoder_methods_take_any_array(fitted, X):
    for method in ("transform", "reconstruct", "inverse_transform", "score_samples"):
        out = survives(lambda: getattr(fitted["ae"], method)(X))
        if out is not None:
            assert np.isfinite(out).all()


@seeded(150)
@given(X=ODD)
def test_detector_methods_take_any_array(fitted, X):
    for method in ("anomaly_score", "explain", "predict"):
        survives(lambda: getattr(fitted["det"], method)(X))


CELLS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=4))


@seeded(150)
@given(columns=st.lists(st.sampled_from(["a", "b", "kind", "c", ""]), min_size=0, max_size=4),
       cells=st.lists(CELLS, min_size=0, max_size=12))
def test_detector_takes_any_frame(fitted, columns, cells):
    import pandas as pd

    width = max(len(columns), 1)
    rows = [cells[i:i + width] for i in range(0, len(cells) - width + 1, width)]
    frame = survives(lambda: pd.DataFrame(rows, columns=columns or None))
    if frame is not None:
        survives(lambda: fitted["det"].anomaly_score(frame))


# Files -------------------------------------------------------------------------------
TEXT_FILES = st.one_of(st.binary(max_size=200),
                       st.lists(st.lists(st.sampled_from(["1", "2.5", "", "x", "nan", "inf", "a,b",
                                                          '"', "1e999", "-"]),
                                         min_size=1, max_size=4), max_size=6)
                       .map(lambda rows: "\n".join(",".join(r) for r in rows).encode()))


@seeded(120)
@given(content=TEXT_FILES, suffix=st.sampled_from([".csv", ".tsv", ".parquet", ".npy", ".npz"]))
def test_data_files_of_any_content_load_or_fail_clearly(tmp_path_factory, fitted, content, suffix):
    from aekit.data import load_data

    path = tmp_path_factory.mktemp("file") / f"data{suffix}"
    path.write_bytes(content)
    survives(lambda: load_data(str(path)))
    result = run("detect", "score", fitted["root"] / "det", "--data", path,
                 "--out", path.parent / "out.csv")
    assert result.exit_code in (0, 2) and not _crashed(result), result.output


# Model and index folders -------------------------------------------------------------
JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                              st.text(max_size=4)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                    max_leaves=8)
CONFIG_KEYS = ["format_version", "type", "params", "fitted", "weights_sha256", "aekit_version"]


@seeded(150)
@given(config=st.dictionaries(st.sampled_from(CONFIG_KEYS), JSON, max_size=6) | JSON,
       keep_real=st.booleans(), weights=st.binary(max_size=64))
def test_model_folders_of_any_content_load_or_fail_clearly(tmp_path_factory, fitted, config,
                                                         keep_real, weights):
    folder = tmp_path_factory.mktemp("model")
    real = json.loads((fitted["root"] / "ae" / "config.json").read_text())
    if keep_real and isinstance(config, dict):
        config = {**real, **config}  # a real config with a few values spoiled
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "model.safetensors").write_bytes(
        (fitted["root"] / "ae" / "model.safetensors").read_bytes() if keep_real else weights)
    survives(lambda: aekit.load(folder))


@seeded(100)
@given(meta=st.dictionaries(st.sampled_from(["type", "format_version", "names", "metric", "search",
                                             "count", "model"]), JSON, max_size=6) | JSON,
       keep_real=st.booleans())
def test_index_folders_of_any_content_load_or_fail_clearly(tmp_path_factory, fitted, meta, keep_real):
    import shutil

    folder = tmp_path_factory.mktemp("index") / "index"
    shutil.copytree(fitted["root"] / "index", folder)
    real = json.loads((folder / "index.json").read_text())
    if keep_real and isinstance(meta, dict):
        meta = {**real, **meta}
    (folder / "index.json").write_text(json.dumps(meta))
    survives(lambda: aekit.CodeIndex.load(folder))


# Command-line arguments --------------------------------------------------------------
def _crashed(result) -> bool:
    """Whether the CLI let an exception other than its own exit escape."""
    return result.exception is not None and not isinstance(result.exception, SystemExit)


@seeded(200)
@given(shape=st.sampled_from([["encode", "M", "--data", "D", "--out", "O"],
                              ["reconstruct", "M", "--data", "D", "--out", "O"],
                              ["info", "M"], ["detect", "explain", "M", "--data", "D", "--top", "N"],
                              ["export", "M", "--out", "O", "--graph", "G"],
                              ["search", "I", "D", "-k", "N", "--out", "O"]]),
       junk=st.lists(st.sampled_from(["", "-1", "0", "nan", "999999", "--overwrite", "--x",
                                      "missing/folder", "A", "T", "X", "digits", "é", "-"]),
                     min_size=1, max_size=6),
       where=st.lists(st.integers(0, 7), min_size=1, max_size=6))
def test_cli_arguments_of_any_kind_give_an_answer_or_one_line(tmp_path_factory, fitted, shape,
                                                              junk, where):
    root, out = fitted["root"], tmp_path_factory.mktemp("cli")
    np.save(out / "x.npy", np.zeros((3, 6), dtype=np.float32))
    fill = {"M": root / "ae", "D": out / "x.npy", "O": out / "o.npy", "N": "2", "G": "encoder",
            "I": root / "index", "A": root / "det", "T": root / "table.csv", "X": out / "x.npy"}
    args = [str(fill.get(a, a)) for a in shape]
    for w, j in zip(where, junk):  # spoil a few places: replace, or insert when past the end
        value = str(fill.get(j, j))
        if w < len(args):
            args[w] = value
        else:
            args.append(value)
    result = run(*args)
    assert not _crashed(result), (args, repr(result.exception))
    if result.exit_code == 2 and "Usage:" not in result.output:
        assert result.output.strip().startswith("aekit: error: "), (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, (args, result.output)


# The HTTP service --------------------------------------------------------------------
BODIES = st.one_of(
    st.binary(max_size=80),
    JSON.map(lambda v: json.dumps(v).encode()),
    st.lists(st.dictionaries(st.sampled_from(["a", "b", "kind", "z"]), JSON, max_size=4),
             max_size=4).map(lambda rows: json.dumps({"rows": rows}).encode()),
    st.lists(st.lists(JSON, max_size=7), max_size=3).map(lambda rows: json.dumps({"rows": rows}).encode()),
    st.lists(st.lists(st.floats(), max_size=7), max_size=3).map(
        lambda rows: json.dumps({"rows": rows}).encode()),  # NaN and Infinity as Python writes them
)


@pytest.fixture(scope="module")
def services(fitted):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from aekit.serve.app import create_app

    return {name: TestClient(create_app(fitted[name]), raise_server_exceptions=False)
            for name in ("ae", "det")}


@seeded(350)
@given(body=BODIES, route=st.sampled_from(["/v1/score", "/v1/explain", "/v1/encode",
                                           "/v1/reconstruct", "/v1/x", "/health"]),
       model=st.sampled_from(["ae", "det"]),
       content_type=st.sampled_from(["application/json", "text/plain", "", "application/x+json"]))
def test_the_service_answers_any_request_with_a_status_below_500(services, body, route, model,
                                                                 content_type):
    response = services[model].post(route, content=body, headers={"content-type": content_type})
    assert response.status_code < 500, (body, response.text)
    if response.status_code >= 400:
        assert set(response.json()) == {"error", "detail"}, response.text
