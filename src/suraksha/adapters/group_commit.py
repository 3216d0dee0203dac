"""Group commit: many requests' work in one transaction (intake's writer; any capability may use it).

Work arrives as (handler, item) pairs. Items with the same handler are stored together by one call of the
handler (a few set-based statements for the whole group), all groups in one transaction without savepoints. If
that fails, the transaction is rolled back and the batch stored again with each group in a savepoint and, if a
group fails, its items one by one, each in its own savepoint, so a bad item fails alone. A request's future resolves
only after the transaction that holds its work has committed: when a caller is told "received", the
incident is durable. Under load one commit (one fsync) serves a whole batch.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)
Work = Callable[[Connection], Any]
Handler = Callable[[Connection, list], list]
_STOP = object()


def call_each(conn: Connection, works: list[Work]) -> list:
    """The handler for plain work: each callable in turn."""
    return [work(conn) for work in works]


class GroupCommitWriter:
    def __init__(self, engine: Engine, max_batch: int = 64, name: str = "group-commit-writer") -> None:
        self._engine, self._max, self._name = engine, max_batch, name
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self.batches = 0

    @property
    def running(self) -> bool:
        """Whether its thread writes (a server); if not, `execute` writes in the caller's thread."""
        return self._thread is not None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=10)
            self._thread = None

    def execute(self, item: Any, handler: Handler = call_each) -> Any:
        """Store one item and wait for its commit (inline, in its own transaction, when not running)."""
        if self._thread is None:
            with self._engine.begin() as conn:
                return handler(conn, [item])[0]
        return self.submit(item, handler).result()

    async def run(self, item: Any, handler: Handler = call_each) -> Any:
        """From the event loop: the answer comes back to the loop in one wake-up per committed batch."""
        if self._thread is None:
            return await asyncio.to_thread(self.execute, item, handler)
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._queue.put((handler, item, (loop, fut)))
        return await fut

    def submit(self, item: Any, handler: Handler = call_each) -> Future:
        fut: Future = Future()
        self._queue.put((handler, item, fut))
        return fut

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
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

    def _commit(self, batch: list) -> None:
        groups: dict[Handler, list] = {}
        for handler, item, fut in batch:
            groups.setdefault(handler, []).append((item, fut))
        outcomes: list[tuple[Future, Any, BaseException | None]] = []
        try:
            try:
                outcomes = self._store(groups, self._store_all)
            except Exception as exc:
                if getattr(exc, "connection_invalidated", False):  # lost, not an item at fault: the batch fails
                    raise
                outcomes = self._store(groups, self._store_group)  # again, so that a bad item fails alone
        except Exception as exc:
            log.exception("a batch of %s failed to commit", len(batch))
            outcomes = [(fut, None, exc) for _, _, fut in batch]
        else:
            self.batches += 1
        _settle(outcomes)

    def _store(self, groups: dict[Handler, list], store_group: Callable[[Connection, Handler, list], list]) -> list:
        """One transaction for the whole batch; returns (future, result, None) per item, or raises."""
        outcomes = []
        with self._engine.begin() as conn:
            for handler, jobs in groups.items():
                outcomes.extend(store_group(conn, handler, jobs))
        return outcomes

    @staticmethod
    def _store_all(conn: Connection, handler: Handler, jobs: list) -> list:
        """The usual case, without savepoints: any failure rolls the whole transaction back."""
        results = handler(conn, [item for item, _ in jobs])
        return [(fut, result, None) for (_, fut), result in zip(jobs, results)]

    @staticmethod
    def _store_group(conn: Connection, handler: Handler, jobs: list) -> list:
        try:
            with conn.begin_nested():
                results = handler(conn, [item for item, _ in jobs])
            return [(fut, result, None) for (_, fut), result in zip(jobs, results)]
        except Exception as exc:
            if conn.invalidated:  # the connection is lost, not an item at fault: the whole batch fails with this
                raise
            if len(jobs) == 1:
                return [(jobs[0][1], None, exc)]
        out = []
        for item, fut in jobs:  # one by one, so that a bad item fails alone
            try:
                with conn.begin_nested():
                    out.append((fut, handler(conn, [item])[0], None))
            except Exception as exc:
                if conn.invalidated:
                    raise
                out.append((fut, None, exc))
        return out


def _settle(outcomes: list) -> None:
    """Resolve futures: thread futures at once, event-loop futures in one call per loop."""
    per_loop: dict = {}
    for sink, result, exc in outcomes:
        if isinstance(sink, Future):
            sink.set_exception(exc) if exc is not None else sink.set_result(result)
        else:
            loop, fut = sink
            per_loop.setdefault(loop, []).append((fut, result, exc))
    for loop, items in per_loop.items():
        loop.call_soon_threadsafe(_settle_in_loop, items)


def _settle_in_loop(items: list) -> None:
    for fut, result, exc in items:
        if not fut.done():  # the request may have gone away
            fut.set_exception(exc) if exc is not None else fut.set_result(result)


class Coalescer:
    """Items handed in by many threads, written together at most once every `every` seconds.

    The first caller to find no flush gathering becomes its leader: it waits until `every` seconds have passed
    since the previous flush began (not at all when that was long ago: a lone call is written at once), takes
    every item handed in meanwhile and calls `flush` with them in its own thread; the others wait for that
    flush's outcome (its exception, if it failed). A caller arriving while a flush is written starts the next.
    No thread of its own: nothing to start or stop. With `every` = 0 every call is written on its own.
    """

    def __init__(self, flush: Callable[[list], Any], every: float) -> None:
        self._flush, self.every = flush, every
        self._lock = threading.Lock()
        self._pending: list[tuple[Any, Future]] = []
        self._gathering = False
        self._last = -float("inf")  # time.monotonic() of the last flush's start
        self.flushes = 0

    def submit(self, item: Any) -> None:
        fut: Future = Future()
        with self._lock:
            self._pending.append((item, fut))
            lead = not self._gathering
            self._gathering = True
        if lead:
            self._lead()
        fut.result()

    def _lead(self) -> None:
        wait = self._last + self.every - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        with self._lock:
            taken, self._pending, self._gathering = self._pending, [], False
            self._last = time.monotonic()
        try:
            self._flush([item for item, _ in taken])
        except BaseException as exc:
            for _, fut in taken:
                fut.set_exception(exc)
        else:
            self.flushes += 1
            for _, fut in taken:
                fut.set_result(None)
