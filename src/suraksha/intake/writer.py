"""Group commit for intake: many requests' work in one transaction, each in its own savepoint.

A request's future resolves only after the transaction that holds its work has committed, so when a
caller is told "received", the incident is durable. Under load one fsync serves a whole batch.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)
Work = Callable[[Connection], Any]
_STOP = object()


class IntakeWriter:
    def __init__(self, engine: Engine, max_batch: int = 64) -> None:
        self._engine, self._max = engine, max_batch
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self.batches = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="intake-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=10)
            self._thread = None

    def execute(self, work: Work) -> Any:
        """Run work and wait for its commit (inline in its own transaction when the writer is not running)."""
        if self._thread is None:
            with self._engine.begin() as conn:
                return work(conn)
        return self.submit(work).result()

    async def run(self, work: Work) -> Any:
        if self._thread is None:
            return await asyncio.to_thread(self.execute, work)
        return await asyncio.wrap_future(self.submit(work))

    def submit(self, work: Work) -> Future:
        fut: Future = Future()
        self._queue.put((work, fut))
        return fut

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch = [item]
            while len(batch) < self._max:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    self._queue.put(_STOP)
                    break
                batch.append(nxt)
            self._commit(batch)

    def _commit(self, batch: list[tuple[Work, Future]]) -> None:
        outcomes: list[tuple[Future, Any, BaseException | None]] = []
        try:
            with self._engine.begin() as conn:
                for work, fut in batch:
                    try:
                        with conn.begin_nested():
                            outcomes.append((fut, work(conn), None))
                    except Exception as exc:  # this request's work is rolled back, the others go on
                        outcomes.append((fut, None, exc))
        except Exception as exc:
            log.exception("intake batch of %s failed to commit", len(batch))
            for _, fut in batch:
                fut.set_exception(exc)
            return
        self.batches += 1
        for fut, result, exc in outcomes:
            fut.set_exception(exc) if exc is not None else fut.set_result(result)
