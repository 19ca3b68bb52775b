"""Concurrent requests computed together: one worker thread, bounded work in flight.

Each request prepares its rows in its own thread, then hands them here and waits. The
worker takes everything that is waiting (up to ``max_batch_rows``), runs each
operation once over all of it, and hands every request its own part of the answer. One
network pass over 8 requests of 1 row costs about what one pass over 1 row does, and
only one pass runs at a time, so torch's threads are not oversubscribed.

Memory stays bounded: rows waiting or running are counted, and a request that would
take them past ``max_pending_rows`` is refused at once (:class:`Overloaded`, answered
429 with Retry-After) instead of queueing without end.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from aekit.serve.operations import Operation, Prepared


class Overloaded(Exception):
    """More rows are waiting than the service holds; the client should retry later."""


@dataclass
class _Job:
    operation: Operation
    prepared: Prepared
    future: Future = field(default_factory=Future)


class Batcher:
    def __init__(self, model, *, max_batch_rows: int = 4096, max_pending_rows: int = 65536):
        self.model = model
        self.max_batch_rows, self.max_pending_rows = max_batch_rows, max_pending_rows
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="aekit-batcher", daemon=True)
        self._thread.start()

    def submit(self, operation: Operation, prepared: Prepared) -> dict:
        """Compute ``prepared`` with the next batch; returns its answer or raises its error."""
        with self._lock:
            if self._pending + prepared.n > self.max_pending_rows and self._pending:
                raise Overloaded(f"{self._pending} rows are waiting to be scored; retry shortly")
            self._pending += prepared.n
        job = _Job(operation, prepared)
        self._jobs.put(job)
        try:
            return job.future.result()
        finally:
            with self._lock:
                self._pending -= prepared.n

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=5)

    def _work(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            batch, rows = [first], first.prepared.n
            while rows < self.max_batch_rows:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._jobs.put(None)  # stop after this batch
                    break
                batch.append(job)
                rows += job.prepared.n
            self._run(batch)

    def _run(self, batch: list[_Job]) -> None:
        by_operation: dict[str, list[_Job]] = {}
        for job in batch:
            by_operation.setdefault(job.operation.name, []).append(job)
        for jobs in by_operation.values():
            try:
                answers = jobs[0].operation.run(self.model, [j.prepared for j in jobs])
            except Exception as exc:  # a fault of the batch: every request in it hears of it
                for job in jobs:
                    job.future.set_exception(exc)
                continue
            for job, answer in zip(jobs, answers):
                if isinstance(answer, Exception):
                    job.future.set_exception(answer)
                else:
                    job.future.set_result(answer)
