"""The database engine, the shared metadata and column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, DateTime, Engine, MetaData, create_engine, event, text, true
from sqlalchemy.types import TypeDecorator

from suraksha.core.auth import Principal, scope_key

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
SQLITE_CACHE_KIB = 65536  # each connection's page cache: the hot parts of large indexes stay in memory
SQLITE_ANALYSIS_LIMIT = 1000  # rows of each index ANALYZE reads
SQLITE_STATEMENT_CACHE = 1024  # prepared statements kept per connection: a batch's statements differ by its size


class UtcDateTime(TypeDecorator):
    """Stores UTC as a naive timestamp on every backend; always returns aware UTC datetimes."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, full fsync on commit, foreign keys and a busy timeout, and takes its
    write lock only for write transactions (`_sqlite_begin`)."""
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30,
                                                  "cached_statements": SQLITE_STATEMENT_CACHE})
        engine._connection_cls = _SqliteConnection  # type: ignore[attr-defined]  # tells reads from writes
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below), so SAVEPOINTs work
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")  # an acknowledged commit survives power loss
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cur.close()



class _SqliteConnection(Connection):
    """Knows whether its transaction was begun by SQLAlchemy on the first statement (`engine.connect()`: a read)
    or asked for (`engine.begin()`, `conn.begin()`: a write)."""

    reading = False

    def _autobegin(self) -> None:
        self.reading = True
        try:
            super()._autobegin()
        finally:
            self.reading = False


def _sqlite_begin(conn) -> None:
    """Write transactions (`engine.begin()`) take the write lock up front with BEGIN IMMEDIATE, so that one that
    reads and then writes waits for others (busy_timeout) instead of failing when another connection committed
    in between. Reads (`engine.connect()`) begin deferred: in WAL mode they see the last commit and never wait for
    the writer, nor make it wait. A read must therefore never write: a deferred transaction that tries to would
    fail at once with SQLITE_BUSY when another connection has written since it began."""
    conn.exec_driver_sql("BEGIN" if getattr(conn, "reading", False) else "BEGIN IMMEDIATE")


def optimize(engine: Engine) -> None:
    """Give the query planner fresh statistics (after migrations, and now and then while serving). SQLite's
    ANALYZE reads a bounded sample of each index (`analysis_limit`), so it costs milliseconds at any size;
    PostgreSQL's samples each table."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}"))
        conn.execute(text("ANALYZE"))


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)


def scope_filter(principal: Principal, *, station_id: ColumnElement, city: ColumnElement, state: ColumnElement):
    """The scope rule (`core.auth.scope_key`, the same one `covers` uses) as a WHERE clause on these columns."""
    key = scope_key(principal)
    if key is None:
        return true()
    column = {"station_id": station_id, "city": city, "state": state}[key[0]]
    return column == key[1]
