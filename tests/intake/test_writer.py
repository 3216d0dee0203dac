"""Group commit: each request's work in its own savepoint; answers only after the commit."""

import threading
from datetime import UTC

import pytest
from sqlalchemy import func, insert, select

from suraksha.adapters.group_commit import GroupCommitWriter
from suraksha.adapters.outbox import events_table


def _event(tag):
    from datetime import datetime

    return lambda conn: conn.execute(insert(events_table).values(
        type=tag, payload={}, occurred_at=datetime(2026, 1, 1, tzinfo=UTC))) and tag


def _fail(conn):
    _event("doomed")(conn)
    raise ValueError("bad input")


def count(engine, tag):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).where(events_table.c.type == tag)).scalar_one()


def test_a_failing_request_is_rolled_back_alone_inside_a_batch(container):
    writer = GroupCommitWriter(container.engine, max_batch=10)
    writer.start()
    try:
        futures = [writer.submit(_event("ok-a")), writer.submit(_fail), writer.submit(_event("ok-b"))]
        assert futures[0].result(10) == "ok-a" and futures[2].result(10) == "ok-b"
        with pytest.raises(ValueError):
            futures[1].result(10)
    finally:
        writer.stop()
    assert (count(container.engine, "ok-a"), count(container.engine, "ok-b"), count(container.engine, "doomed")) == (1, 1, 0)


def test_concurrent_requests_share_commits(container):
    writer = GroupCommitWriter(container.engine, max_batch=64)
    writer.start()
    try:
        results = []
        threads = [threading.Thread(target=lambda: results.append(writer.submit(_event("many")).result(10)))
                   for _ in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        writer.stop()
    assert len(results) == 100 and count(container.engine, "many") == 100
    assert writer.batches <= 100
