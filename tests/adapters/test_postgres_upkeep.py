"""PostgreSQL: the planner's statistics follow the tables as they grow, and a pooled connection lost while it sat
unused is replaced before it is used (checked only after `PING_AFTER_IDLE_S` idle, not on every checkout)."""

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from suraksha.adapters import db
from suraksha.adapters.bulk import driver_execute
from suraksha.adapters.db import ANALYZE_AFTER_ROWS, analyze_grown, make_engine


@pytest.fixture
def pg_container(container):
    if container.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's statistics and connection pool")
    return container


@pytest.fixture
def own_schema(pg_container):
    """An engine whose tables are in a schema of their own (nothing else writes there; dropped afterwards)."""
    with pg_container.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS growth_probe CASCADE"))
        conn.execute(text("CREATE SCHEMA growth_probe"))
    engine = make_engine(pg_container.settings.database_url + "?options=-csearch_path%3Dgrowth_probe")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE probe (id integer PRIMARY KEY)"))
        yield engine
    finally:
        engine.dispose()
        with pg_container.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA growth_probe CASCADE"))


def add_rows(engine, n: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO probe SELECT (SELECT coalesce(max(id), 0) FROM probe) + g"
                          " FROM generate_series(1, :n) AS g"), {"n": n})
        conn.execute(text("SELECT pg_stat_force_next_flush()"))  # the counters, as soon as this commits


def modified_since_analyze(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'probe'"
                                 " AND schemaname = 'growth_probe'")).scalar()


def counters_reach(engine, n: int) -> None:
    deadline = time.monotonic() + 10
    while modified_since_analyze(engine) < n:
        assert time.monotonic() < deadline, "the statistics counters did not reach the view"
        time.sleep(0.05)


def test_a_table_analysed_again_once_it_has_about_doubled(own_schema):
    add_rows(own_schema, ANALYZE_AFTER_ROWS - 1)
    counters_reach(own_schema, ANALYZE_AFTER_ROWS - 1)
    assert "probe" not in analyze_grown(own_schema)  # fewer changes than the floor
    add_rows(own_schema, 1)
    counters_reach(own_schema, ANALYZE_AFTER_ROWS)
    assert "probe" in analyze_grown(own_schema)
    assert modified_since_analyze(own_schema) == 0

    add_rows(own_schema, ANALYZE_AFTER_ROWS - 1)  # the table had 500 rows: 499 more are not yet a doubling
    counters_reach(own_schema, ANALYZE_AFTER_ROWS - 1)
    assert "probe" not in analyze_grown(own_schema)
    add_rows(own_schema, 600)  # now more changes than it had rows
    counters_reach(own_schema, ANALYZE_AFTER_ROWS + 599)
    assert "probe" in analyze_grown(own_schema)
    with own_schema.connect() as conn:
        assert conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'probe'::regclass")).scalar() == 1599


def test_a_pooled_connection_lost_while_idle_is_replaced_before_use(pg_container, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    engine = make_engine(pg_container.settings.database_url)
    try:
        with engine.connect() as conn:
            lost = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with pg_container.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
        time.sleep(0.1)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != lost
    finally:
        engine.dispose()


def test_a_connection_lost_in_use_fails_its_statement_and_the_next_one_is_fresh(pg_container):
    engine = make_engine(pg_container.settings.database_url)  # PING_AFTER_IDLE_S: no ping a moment after use
    try:
        with engine.connect() as conn:
            lost = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with pg_container.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
        time.sleep(0.1)
        with pytest.raises(DBAPIError) as failed, engine.begin() as conn:
            driver_execute(conn, "SELECT 1").close()
        assert failed.value.connection_invalidated
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != lost
    finally:
        engine.dispose()
