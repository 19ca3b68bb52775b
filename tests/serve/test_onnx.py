"""``aekit export --format onnx``: graphs that onnxruntime runs to the library's numbers."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import aekit
from tests.cli.helpers import one_line_error, run

ort = pytest.importorskip("onnxruntime")


def export(tmp_path, served, name, *graph):
    out = tmp_path / f"{name}{'-' + graph[1] if graph else ''}.onnx"
    result = run("export", served / name, "--format", "onnx", "--out", out, *graph)
    assert result.exit_code == 0, result.output
    return ort.InferenceSession(str(out)), out


@pytest.mark.parametrize("name", ["ae", "vae"])
def test_encoder_and_decoder_graphs_match_pytorch(served, tmp_path, digits_X, name):
    model = aekit.load(served / name)
    X = (digits_X[:70] / (16 if name == "vae" else 1)).astype(np.float32)
    encoder, _ = export(tmp_path, served, name)
    codes = encoder.run(["code"], {"x": X})[0]
    np.testing.assert_allclose(codes, model.transform(X), atol=1e-4, rtol=1e-4)
    decoder, _ = export(tmp_path, served, name, "--graph", "decoder")
    rebuilt = decoder.run(["reconstruction"], {"code": codes})[0]
    np.testing.assert_allclose(rebuilt, model.inverse_transform(codes), atol=1e-4, rtol=1e-4)


def test_detector_score_graph_matches_pytorch_on_a_table(served, tmp_path):
    det = aekit.load(served / "det")
    session, out = export(tmp_path, served, "det")
    meta = session.get_modelmeta().custom_metadata_map
    names = json.loads(meta["feature_names"])
    assert names[:2] == ["amount", "fee"] and "kind=card" in names and meta["opset"] == "17"
    frame = pd.read_csv(served / "new.csv")
    features = np.column_stack([frame[n] if "=" not in n else frame["kind"] == n.split("=")[1]
                                for n in names]).astype(np.float64)
    scores, flags = session.run(["anomaly_score", "is_anomaly"], {"features": features})
    np.testing.assert_allclose(scores, det.anomaly_score(frame), rtol=1e-4, atol=1e-4)
    assert (flags == (det.predict(frame) == -1)).all()


def test_detector_score_graph_matches_pytorch_on_images(served, tmp_path, digits_X):
    det = aekit.load(served / "idet")
    session, _ = export(tmp_path, served, "idet")
    scores = session.run(["anomaly_score"], {"features": digits_X[:50].astype(np.float64)})[0]
    np.testing.assert_allclose(scores, det.anomaly_score(digits_X[:50].reshape(-1, 1, 8, 8)),
                               rtol=1e-4, atol=1e-4)


def test_scoring_with_onnxruntime_alone_needs_no_torch(served, tmp_path, digits_X):
    _, out = export(tmp_path, served, "adet")
    np.save(tmp_path / "rows.npy", digits_X[:20].astype(np.float64))
    script = ("import sys; sys.modules['torch'] = None; sys.modules['aekit'] = None\n"
              "import numpy as np, onnxruntime as ort\n"
              f"s = ort.InferenceSession({str(out)!r})\n"
              f"rows = np.load({str(tmp_path / 'rows.npy')!r})\n"
              "print(' '.join(map(repr, s.run(['anomaly_score'], {'features': rows})[0].tolist())))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    scores = np.array([float(v) for v in done.stdout.split()])
    np.testing.assert_allclose(scores, aekit.load(served / "adet").anomaly_score(digits_X[:20]),
                               rtol=1e-4, atol=1e-4)


def test_export_errors_are_one_line(served, tmp_path):
    assert "ending in .onnx" in one_line_error(run("export", served / "ae", "--out", tmp_path / "m.pt"))
    assert "exports encoder or decoder" in one_line_error(
        run("export", served / "ae", "--out", tmp_path / "m.onnx", "--graph", "score"))
    (tmp_path / "m.onnx").write_bytes(b"keep")
    assert "already exists" in one_line_error(run("export", served / "ae", "--out", tmp_path / "m.onnx"))
    assert (tmp_path / "m.onnx").read_bytes() == b"keep"
