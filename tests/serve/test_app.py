"""The HTTP service: the library's numbers over HTTP, errors as 4xx answers, metrics."""

import json
import threading

import numpy as np
import pandas as pd
import pytest

import aekit
from tests.cli.helpers import run

def rows_of(frame):
    return json.loads(frame.to_json(orient="records"))


def test_score_gives_the_numbers_of_aekit_detect_score(served, client_for, tmp_path):
    out = tmp_path / "scored.csv"
    assert run("detect", "score", served / "det", "--data", served / "new.csv", "--out", out).exit_code == 0
    scored = pd.read_csv(out)
    answer = client_for("det").post("/v1/score", json={"rows": rows_of(pd.read_csv(served / "new.csv"))})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    np.testing.assert_allclose(body["anomaly_score"], scored["anomaly_score"], rtol=1e-5)
    assert [int(f) for f in body["is_anomaly"]] == scored["is_anomaly"].tolist()
    assert body["is_anomaly"][3] is True


def test_explain_gives_each_columns_share(served, client_for):
    frame = pd.read_csv(served / "new.csv").head(6)
    body = client_for("det").post("/v1/explain", json={"rows": rows_of(frame)}).json()
    assert body["columns"] == ["amount", "fee", "kind"]
    shares = np.array(body["shares"])
    np.testing.assert_allclose(shares.sum(axis=1), 1, atol=1e-9)
    np.testing.assert_allclose(shares, aekit.load(served / "det").explain(frame), atol=1e-6)
    assert shares[3].argmax() == 0  # the wild amount


@pytest.mark.parametrize("name", ["ae", "vae"])
def test_encode_and_reconstruct_match_the_model(served, client_for, digits_X, name):
    model = aekit.load(served / name)
    X = digits_X[:5] / (16 if name == "vae" else 1)
    client = client_for(name)
    codes = client.post("/v1/encode", json={"rows": X.tolist()}).json()["code"]
    np.testing.assert_allclose(codes, model.transform(X), atol=1e-5)
    rebuilt = client.post("/v1/reconstruct", json={"rows": X.tolist()}).json()["reconstruction"]
    np.testing.assert_allclose(rebuilt, model.reconstruct(X), atol=1e-4)
    assert client.post("/v1/score", json={"rows": X.tolist()}).status_code == 404


def test_image_detector_takes_flattened_images(served, client_for, digits_X):
    det = aekit.load(served / "idet")
    body = client_for("idet").post("/v1/score", json={"rows": digits_X[:3].tolist()}).json()
    np.testing.assert_allclose(body["anomaly_score"], det.anomaly_score(digits_X[:3].reshape(-1, 1, 8, 8)),
                               rtol=1e-5)


ROW = {"amount": 20.0, "fee": 0.4, "kind": "card"}
BAD_REQUESTS = [
    # (body or raw bytes, content type, status, error, words in the detail)
    (b"{\"rows\": [", "application/json", 400, "malformed_json", "not valid JSON"),
    (b"[" * 50_000 + b"]" * 50_000, "application/json", 400, "malformed_body", "nested too deeply"),
    (b"rows=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type", "must be JSON"),
    ({"rows": []}, None, 422, "invalid_request", "at least 1 item"),
    ({}, None, 422, "invalid_request", "rows: Field required"),
    ({"rows": [ROW], "debug": True}, None, 422, "invalid_request", "debug: Extra inputs"),
    ({"rows": "all"}, None, 422, "invalid_request", "list of objects or a list of lists"),
    ({"rows": [{**ROW, "amount": {"a": 1}}]}, None, 422, "invalid_request", "rows.0.amount: a cell"),
    (b'{"rows": [{"amount": NaN, "fee": 0.4, "kind": "card"}]}', "application/json", 422,
     "invalid_request", "rows.0.amount: Input should be a finite number"),
    (b'{"rows": [{"amount": Infinity, "fee": 0.4, "kind": "card"}]}', "application/json", 422,
     "invalid_request", "finite number"),
    ({"rows": [{"amount": 20.0, "kind": "card"}]}, None, 422, "invalid_input", "missing column(s) 'fee'"),
    ({"rows": [{**ROW, "colour": "red"}]}, None, 422, "invalid_input", "unexpected column(s) 'colour'"),
    ({"rows": [ROW, {"amount": 1.0, "fee": 0.1}]}, None, 422, "invalid_input", "row 1 has other columns"),
    ({"rows": [{**ROW, "amount": "lots"}]}, None, 422, "invalid_input", "now holds 'lots'"),
    ({"rows": [{**ROW, "amount": None}]}, None, 422, "invalid_input", "missing (NaN or empty)"),
    ({"rows": [[20.0, 0.4, 1.0]]}, None, 422, "invalid_input", "send each row as an object"),
]


@pytest.mark.parametrize("body, content_type, status, error, words", BAD_REQUESTS,
                         ids=[f"{r[2]}-{r[4][:24]}" for r in BAD_REQUESTS])
def test_every_bad_request_is_a_4xx_naming_the_problem(client_for, body, content_type, status,
                                                       error, words):
    client = client_for("det")
    if isinstance(body, bytes):
        answer = client.post("/v1/score", content=body, headers={"content-type": content_type})
    else:
        answer = client.post("/v1/score", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error
    assert words in answer.json()["detail"]


def test_array_models_say_what_their_rows_must_be(client_for):
    client = client_for("ae")
    answer = client.post("/v1/encode", json={"rows": [[1.0, 2.0]]})
    assert answer.status_code == 422 and "row 0 has 2 values; the model takes 64" in answer.json()["detail"]
    answer = client.post("/v1/encode", json={"rows": [{"a": 1.0}]})
    assert answer.status_code == 422 and "send each row as a list of numbers" in answer.json()["detail"]
    answer = client.post("/v1/encode", json={"rows": [[1e300] * 64]})
    assert answer.status_code == 422 and "beyond the float32 range" in answer.json()["detail"]


def test_a_body_over_the_limit_is_refused_with_413(client_for):
    client = client_for("det", max_body_mb=0.001)
    rows = [ROW] * 100  # about 5 kB against a limit of 1 kB
    answer = client.post("/v1/score", json={"rows": rows})
    assert answer.status_code == 413 and answer.json()["error"] == "body_too_large"
    assert client.post("/v1/score", json={"rows": [ROW]}).status_code == 200


def test_unknown_routes_and_methods_answer_in_json(client_for):
    client = client_for("det")
    assert client.get("/v2/score").json() == {"error": "not_found", "detail": "Not Found"}
    answer = client.get("/v1/score")
    assert answer.status_code == 405 and answer.json()["error"] == "method_not_allowed"


def test_health_metrics_and_openapi(client_for):
    client = client_for("det")
    assert client.get("/health").json()["model_type"] == "anomaly_detector"
    client.post("/v1/score", json={"rows": [ROW, ROW]})
    client.post("/v1/score", json={"rows": []})
    text = client.get("/metrics").text
    assert 'aekit_requests_total{route="/v1/score",status="200"}' in text
    assert 'aekit_errors_total{route="/v1/score",status="422"}' in text
    assert 'aekit_request_seconds_bucket{le="0.005",route="/v1/score"}' in text
    assert 'aekit_rows_total{operation="score"}' in text
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/score", "/v1/explain", "/health", "/metrics"} <= set(paths)


def test_concurrent_requests_are_computed_in_shared_batches(served):
    from aekit.serve.batcher import Batcher
    from aekit.serve.operations import DETECTOR, Prepared

    det = aekit.load(served / "det")
    frame = pd.read_csv(served / "new.csv")
    calls = []
    score = DETECTOR["score"]
    counted = type(score)(score.name, score.summary, score.prepare,
                          lambda model, parts: calls.append(len(parts)) or score.run(model, parts))
    batcher = Batcher(det)
    answers = [None] * 16

    def ask(i):
        answers[i] = batcher.submit(counted, score.prepare(det, rows_of(frame.iloc[[i]])))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batcher.close()
    np.testing.assert_allclose([a["anomaly_score"][0] for a in answers],
                               det.anomaly_score(frame.iloc[:16]), rtol=1e-6)
    assert sum(calls) == 16 and len(calls) < 16  # some requests shared a pass


def test_rows_beyond_the_pending_bound_are_refused_not_queued(served):
    from aekit.serve.batcher import Batcher, Overloaded
    from aekit.serve.operations import DETECTOR, Prepared

    det = aekit.load(served / "det")
    gate = threading.Event()
    score = DETECTOR["score"]
    slow = type(score)(score.name, score.summary, score.prepare,
                       lambda model, parts: gate.wait() and score.run(model, parts))
    batcher = Batcher(det, max_pending_rows=50)
    first = score.prepare(det, [ROW] * 40)
    waiting = threading.Thread(target=batcher.submit, args=(slow, first))
    waiting.start()
    with pytest.raises(Overloaded, match="rows are waiting"):
        while True:  # until the first request is counted as pending
            batcher.submit(slow, Prepared(first.data[:20], 20))
    gate.set()
    waiting.join()
    batcher.close()


def test_serve_refuses_models_it_cannot_serve_in_one_line(tmp_path):
    from tests.cli.helpers import one_line_error

    assert "no model folder" in one_line_error(run("serve", tmp_path / "nothing"))


def test_a_missing_serving_library_is_named_with_the_fix(served, monkeypatch):
    import sys

    from aekit.errors import MissingDataError
    from aekit.serve.app import create_app

    monkeypatch.setitem(sys.modules, "fastapi", None)  # as if it were not installed
    with pytest.raises(MissingDataError, match=r"fastapi is not installed; .*pip install 'aekit\[serve\]'"):
        create_app(served / "det")
