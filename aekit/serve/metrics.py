"""Prometheus metrics of one service process (prometheus-client, text format at /metrics).

Each app has its own registry, so two apps in one process (tests) do not share counts;
with ``--workers N`` each worker process counts its own requests.
"""

from __future__ import annotations

from dataclasses import dataclass

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Metrics:
    registry: object
    requests: object
    latency: object
    errors: object
    rows: object

    @classmethod
    def create(cls) -> "Metrics":
        from prometheus_client import CollectorRegistry, Counter, Histogram

        registry = CollectorRegistry()
        return cls(
            registry,
            Counter("aekit_requests", "HTTP requests answered", ["route", "status"],
                    registry=registry),
            Histogram("aekit_request_seconds", "Time to answer a request", ["route"],
                      buckets=LATENCY_BUCKETS, registry=registry),
            Counter("aekit_errors", "Requests answered with a 4xx or 5xx status",
                    ["route", "status"], registry=registry),
            Counter("aekit_rows", "Rows computed", ["operation"], registry=registry),
        )

    def observe(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route, str(status)).inc()
        self.latency.labels(route).observe(seconds)
        if status >= 400:
            self.errors.labels(route, str(status)).inc()

    def text(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
