"""A WorkerPool runs calls on its own threads in the order they were asked for: from threads (`run`) and from an event
loop (`call`), with the caller's context, its result or its exception, and never waiting for itself."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from suraksha.core.threads import WorkerPool

WHO = contextvars.ContextVar("who", default="nobody")


def test_a_call_runs_on_a_worker_with_the_callers_context_and_gives_back_its_result_or_error():
    pool = WorkerPool(1, "pool-test")
    WHO.set("officer")
    assert pool.run(lambda: (threading.current_thread().name, WHO.get())) == ("pool-test_0", "officer")
    assert not pool.on_worker()
    with pytest.raises(KeyError, match="missing"):
        pool.run({}.__getitem__, "missing")
    # a call made on the one worker runs there at once (queued, it would wait for itself for ever)
    assert pool.run(lambda: pool.run(lambda: threading.current_thread().name)) == "pool-test_0"


def test_from_an_event_loop_calls_are_served_in_turn_and_one_cancelled_while_queued_never_runs():
    pool = WorkerPool(1, "pool-test")
    ran: list[str] = []
    busy, gate = threading.Event(), threading.Event()

    def work(name: str) -> str:
        ran.append(name)
        return name.upper()

    async def scenario() -> list[str]:
        loop = asyncio.get_running_loop()
        first = loop.run_in_executor(None, pool.run, lambda: (busy.set(), gate.wait(10)))
        assert await loop.run_in_executor(None, busy.wait, 5)
        calls = [asyncio.ensure_future(pool.call(work, name)) for name in ("a", "b", "c", "d")]
        await asyncio.sleep(0.05)  # all four queued behind the busy worker
        calls[2].cancel()  # its caller gone: never run
        # the cancellation reaches the queued work on the loop's next turn: let it, before the worker is let go (a
        # loaded machine's worker would otherwise run a and b and take c before the loop's thread ran again)
        await asyncio.sleep(0)
        gate.set()
        await first
        return [await c for k, c in enumerate(calls) if k != 2]

    assert asyncio.run(scenario()) == ["A", "B", "D"]
    assert ran == ["a", "b", "d"]


def test_the_workers_of_a_pool_no_longer_referenced_end():
    """A server makes one pool per registry; a pool dropped (a test's container) does not leave its threads behind."""
    import gc

    pool = WorkerPool(2, "pool-dropped")
    assert pool.run(lambda: 1) == 1
    assert any(t.name.startswith("pool-dropped") for t in threading.enumerate())
    del pool
    gc.collect()
    for _ in range(200):
        if not any(t.name.startswith("pool-dropped") for t in threading.enumerate()):
            break
        threading.Event().wait(0.01)
    assert not any(t.name.startswith("pool-dropped") for t in threading.enumerate())
