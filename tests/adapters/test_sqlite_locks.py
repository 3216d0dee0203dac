"""SQLite: only write transactions take the database's one write lock; reads never wait for the writer.

Reads begin deferred and, in WAL mode, see the last commit while the writer works; writes begin with BEGIN
IMMEDIATE. A read that took the lock would wait here for the writer (busy_timeout, 30 s) and then fail with
"database is locked".
"""

import sqlite3
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select

from suraksha.adapters.outbox import events_table
from suraksha.core.auth import Principal, Role, ScopeKind


@pytest.fixture
def sqlite_container(container):
    if container.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    return container


@pytest.fixture
def writer_inside_a_transaction(sqlite_container):
    """The running server's group-commit writer, stopped half-way through a batch: it has written a row and
    holds the write lock until the test lets it commit."""
    inside, release = threading.Event(), threading.Event()

    def slow_write(conn):
        conn.execute(insert(events_table).values(type="Uncommitted", payload={}, occurred_at=datetime.now(UTC)))
        inside.set()
        release.wait(60)
        return "committed"

    future = sqlite_container.writer.submit(slow_write)
    assert inside.wait(30), "the writer did not start the batch"
    yield
    release.set()
    assert future.result(30) == "committed"


def _write_lock_is_held(database_url: str) -> bool:
    raw = sqlite3.connect(database_url.split("///", 1)[1], timeout=0, isolation_level=None)
    try:
        raw.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as err:
        assert "locked" in str(err)
        return True
    else:
        raw.execute("ROLLBACK")
        return False
    finally:
        raw.close()


def test_a_read_transaction_does_not_take_the_write_lock_while_the_writer_commits(
        sqlite_container, writer_inside_a_transaction, test_settings):
    c = sqlite_container
    assert _write_lock_is_held(test_settings.database_url)
    with c.engine.connect() as conn:  # a read transaction, open across two statements
        before = conn.execute(select(func.count()).select_from(events_table)).scalar_one()
        uncommitted = conn.execute(select(func.count()).where(events_table.c.type == "Uncommitted")).scalar_one()
    assert uncommitted == 0  # it sees the last commit, not the writer's work in progress
    admin = Principal(0, "admin", Role.ADMIN, ScopeKind.NATIONAL, "")
    assert c.incidents.list_open(admin) == []  # the services' reads, too
    assert c.relay.relay_once() == 0  # the outbox relay, when there is nothing to relay, only reads
    assert before >= 0 and _write_lock_is_held(test_settings.database_url)

