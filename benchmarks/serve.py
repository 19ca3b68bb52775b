"""Load test of ``aekit serve`` on loopback, beside in-process scoring of the same rows.

The benchmark fits a detector (aekit's defaults) on the normal rows of ADBench's
``16_http`` (KDD Cup 99 HTTP connections: intrusion detection, 3 features), starts
``aekit serve`` itself, and for each batch size runs ``--threads`` client threads, each
on its own keep-alive connection, posting ``{"rows": [[...], ...]}`` of held-out rows
for ``--seconds``: requests/s, rows/s, p50/p99 latency, errors (any answer but 200, or a
failed connection) and the server's resident memory (VmRSS, sampled every 0.5 s) from
the start to the end of the run. In-process scoring of the same batches
(``det.anomaly_score``, one caller, no HTTP) is timed beside it. Then a bad-input run:
``--bad`` generated malformed requests (broken JSON, wrong types, NaN, missing and extra
columns, huge and nested bodies, wrong content types and routes), counting 5xx answers
and dropped connections. The server is stopped at the end, whatever happens.

    python -m benchmarks.serve                 # 60 s per batch size (about 3 minutes)
    python -m benchmarks.serve --seconds 5     # a quick look
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

try:
    from benchmarks.common import print_table, shared_data_dir
except ImportError:  # run as a script
    from common import print_table, shared_data_dir

DATASET = "16_http"


def load_rows(seed: int = 0):
    """Normal rows to fit on and held-out rows (normal and attacks) to score."""
    data = np.load(shared_data_dir() / "adbench" / f"{DATASET}.npz", allow_pickle=False)
    X, y = data["X"].astype(np.float64), data["y"]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    normal = order[y[order] == 0]
    return X[normal[:20_000]], X[order[-20_000:]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class MemorySampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.samples, self.stop = pid, [], threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.samples.append(rss_mb(self.pid))
            self.stop.wait(0.5)


def post(conn, path: str, body: bytes, content_type="application/json"):
    conn.request("POST", path, body=body, headers={"Content-Type": content_type})
    response = conn.getresponse()
    response.read()
    return response.status


def load_phase(port: int, payloads: list[bytes], threads: int, seconds: float):
    """``threads`` clients posting ``payloads`` in turn for ``seconds``."""
    latencies, statuses, failures = [], [], [0]
    lock, deadline = threading.Lock(), time.perf_counter() + seconds

    def client(k: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, codes, i = [], [], k
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                codes.append(post(conn, "/v1/score", payloads[i % len(payloads)]))
            except (OSError, http.client.HTTPException):
                with lock:
                    failures[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - start)
            i += threads
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.extend(codes)

    workers = [threading.Thread(target=client, args=(k,)) for k in range(threads)]
    begun = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return np.array(latencies), statuses, failures[0], time.perf_counter() - begun


def in_process_rate(det, batches: list[np.ndarray], seconds: float) -> float:
    """Rows/s of ``det.anomaly_score`` on the same batches, one caller, no HTTP."""
    rows, i, deadline = 0, 0, time.perf_counter() + seconds
    begun = time.perf_counter()
    while time.perf_counter() < deadline:
        rows += len(det.anomaly_score(batches[i % len(batches)]))
        i += 1
    return rows / (time.perf_counter() - begun)


def in_process(det, batches: list[np.ndarray], seconds: float) -> tuple[float, int]:
    """The better of torch's default threads and one thread (the server's setting on two
    cores), so the service is compared with in-process scoring at its best."""
    import torch

    default = torch.get_num_threads()
    rates = {}
    for threads in dict.fromkeys([default, 1]):
        torch.set_num_threads(threads)
        rates[threads] = in_process_rate(det, batches, seconds / 2)
    torch.set_num_threads(default)
    best = max(rates, key=rates.get)
    return rates[best], best


def bad_requests(n: int, width: int, seed: int = 0):
    """``n`` generated bad requests: (route, body bytes, content type)."""
    rng = random.Random(seed)
    row = [1.0] * width
    makers = [
        lambda: b'{"rows": [[' + str(rng.random()).encode() + b",",  # cut off
        lambda: bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))),
        lambda: json.dumps({"rows": []}).encode(),
        lambda: json.dumps({"rows": [row[:rng.randrange(width)] or [1.0]]}).encode(),
        lambda: json.dumps({"rows": [row + [2.0] * rng.randrange(1, 5)]}).encode(),
        lambda: json.dumps({"rows": [[rng.choice([math.nan, math.inf, -math.inf])] * width]}).encode(),
        lambda: json.dumps({"rows": [[rng.choice(["x", None, True, [1], {"a": 1}])] * width]}).encode(),
        lambda: json.dumps({"rows": [{"x0": 1.0}]}).encode(),
        lambda: json.dumps({"rows": [row], rng.choice("abcdef"): 1}).encode(),
        lambda: json.dumps({"rows": [[1e300] * width]}).encode(),  # beyond float32
        lambda: b"[" * rng.randrange(1000, 200_000) + b"]" * 10,
        lambda: json.dumps(rng.choice([None, 1, "rows", [], {}])).encode(),
        lambda: b'{"rows": [[' + b"1," * (9 << 20) + b"1]]}",  # over 16 MB: 413
    ]
    for _ in range(n):
        k = rng.randrange(len(makers) + 2)
        if k == len(makers):
            kind = rng.choice(["text/plain", "application/xml", ""])
            yield "/v1/score", json.dumps({"rows": [row]}).encode(), kind
        elif k == len(makers) + 1:
            yield rng.choice(["/v1/nothing", "/v1/encode", "/v1/scor", "/"]), b"{}", "application/json"
        else:
            yield rng.choice(["/v1/score", "/v1/explain"]), makers[k](), "application/json"


def bad_phase(port: int, n: int, width: int):
    statuses, dropped = {}, 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for route, body, content_type in bad_requests(n, width):
        try:
            status = post(conn, route, body, content_type)
            statuses[status] = statuses.get(status, 0) + 1
        except (OSError, http.client.HTTPException):
            dropped += 1  # the server may close after refusing a huge body: count, reconnect
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    return statuses, dropped


def start_server(model: Path, port: int, log) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "aekit.cli.main", "serve", str(model),
                             "--port", str(port)], stdout=log, stderr=log)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"aekit serve did not start (see {log.name})")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per batch size")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--batches", default="1,256")
    parser.add_argument("--bad", type=int, default=2000, help="bad requests to send")
    args = parser.parse_args(argv)

    import aekit

    train, held_out = load_rows()
    workdir = Path(tempfile.mkdtemp(prefix="aekit-serve-bench-"))
    fit_start = time.perf_counter()
    det = aekit.AnomalyDetector(random_state=0).fit(train)
    print(f"fitted on {len(train)} normal rows of {DATASET} in {time.perf_counter() - fit_start:.1f} s")
    det.save(workdir / "det")
    det = aekit.load(workdir / "det")
    port = free_port()
    log = open(workdir / "server.log", "w")
    server = start_server(workdir / "det", port, log)
    rows_out = []
    try:
        for batch in [int(b) for b in args.batches.split(",")]:
            batches = [held_out[i:i + batch] for i in range(0, len(held_out) - batch + 1, batch)][:2000]
            payloads = [json.dumps({"rows": b.tolist()}).encode() for b in batches]
            load_phase(port, payloads, args.threads, 2.0)  # warm-up, not counted
            sampler = MemorySampler(server.pid)
            sampler.start()
            latencies, statuses, failures, seconds = load_phase(port, payloads, args.threads,
                                                                args.seconds)
            sampler.stop.set()
            sampler.join()
            load_average = os.getloadavg()[0]  # other jobs on the machine show up here
            local, local_threads = in_process(det, batches, min(args.seconds, 20.0))
            ok = sum(s == 200 for s in statuses)
            mem = sampler.samples
            rows_out.append({
                "batch": batch, "threads": args.threads, "seconds": round(seconds, 1),
                "requests": len(statuses), "requests/s": round(len(statuses) / seconds),
                "rows/s": round(ok * batch / seconds),
                "p50 ms": round(1000 * float(np.percentile(latencies, 50)), 2),
                "p99 ms": round(1000 * float(np.percentile(latencies, 99)), 2),
                "errors": len(statuses) - ok + failures,
                "5xx": sum(s >= 500 for s in statuses),
                "RSS start MB": round(mem[0]), "RSS end MB": round(mem[-1]),
                "RSS max MB": round(max(mem)), "growth MB": round(max(mem) - mem[0]),
                "load avg": round(load_average, 1),
                "in-process rows/s": round(local), "in-process threads": local_threads,
                "service / in-process": round(ok * batch / seconds / local, 2),
            })
        before = rss_mb(server.pid)
        statuses, dropped = bad_phase(port, args.bad, held_out.shape[1])
        after = rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    print_table(rows_out)
    print()
    answers = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    print_table([{"bad requests": args.bad, "answers by status": answers,
                  "5xx": sum(v for k, v in statuses.items() if k >= 500),
                  "dropped connections": dropped, "RSS before MB": round(before),
                  "RSS after MB": round(after)}])
    if os.environ.get("AEKIT_BENCH_KEEP") is None:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
