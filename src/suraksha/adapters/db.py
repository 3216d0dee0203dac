"""The database engine, the shared metadata and column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, DateTime, Engine, MetaData, create_engine, event, text, true
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateTable
from sqlalchemy.types import TypeDecorator

from suraksha.core import jsontext
from suraksha.core.auth import Principal, scope_key

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
UNLOGGED = "unlogged"  # a table's `info` key: on PostgreSQL it is created UNLOGGED (no WAL; emptied after a crash)
SQLITE_CACHE_KIB = 65536  # each connection's page cache: the hot parts of large indexes stay in memory
SQLITE_BUSY_TIMEOUT_S = 30  # how long a write waits for SQLite's write lock before it fails
SQLITE_ANALYSIS_LIMIT = 1000  # rows of each index ANALYZE reads
SQLITE_STATEMENT_CACHE = 1024  # prepared statements kept per connection: a batch's statements differ by its size
PING_AFTER_IDLE_S = 1.0  # PostgreSQL: a pooled connection that sat unused this long is checked before it is used
ANALYZE_AFTER_ROWS = 500  # PostgreSQL: a table is analysed again once this many rows, and as many as it had, changed


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


# JSON columns (event payloads, tracks) written and read by orjson: a fleet's positions pass through them thousands of
# times a second on every node (`core.jsontext`).
JSON_CODEC = {"json_serializer": jsontext.dumps, "json_deserializer": jsontext.loads}


def make_engine(url: str, *, durable: bool = True) -> Engine:
    """An engine for the URL; SQLite gets WAL, full fsync on commit, foreign keys and a busy timeout, and takes its
    write lock only for write transactions (`_sqlite_begin`).

    `durable=False`, for what the next moment replaces (units' GPS fixes): a commit does not wait for the disk
    (SQLite WAL `synchronous=NORMAL`, PostgreSQL `synchronous_commit=off`). Still atomic and in order: a power cut
    may lose the last commits, which the next durable commit or checkpoint would have made safe, never half of one."""
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S,
                                                  "cached_statements": SQLITE_STATEMENT_CACHE}, **JSON_CODEC)
        engine._connection_cls = _SqliteConnection  # type: ignore[attr-defined]  # tells reads from writes
        event.listen(engine, "connect", _sqlite_pragmas)
        if not durable:
            event.listen(engine, "connect", _sqlite_not_waiting_for_the_disk)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # last in, first out: under load the same few connections serve every transaction (intake's writer takes one
    # per batch), with their prepared statements and warm caches; the others stay idle (`_ping_when_idle`)
    options = {} if durable else {"connect_args": {"options": "-c synchronous_commit=off"}}
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_use_lifo=True, **options, **JSON_CODEC)
    _ping_when_idle(engine)
    return engine


def companion_url(url: str, name: str) -> str:
    """Where a store kept apart from the main database lives: on SQLite a file of its own beside the main one
    (`suraksha.db` → `suraksha-positions.db`), so that writing it never takes the main file's write lock; on
    PostgreSQL, which has no such lock, the same database."""
    if not url.startswith("sqlite"):
        return url
    prefix, _, path = url.partition(":///")
    if not path or path == ":memory:" or path.startswith("file:"):
        raise ValueError(f"a store beside {url!r} needs a SQLite file")
    stem, dot, suffix = path.rpartition(".")
    return f"{prefix}:///{stem}-{name}.{suffix}" if dot and "/" not in suffix else f"{prefix}:///{path}-{name}"


def create_store(url: str, store_metadata: MetaData) -> None:
    """Create a companion store's tables where they are missing (`suraksha db upgrade`, the tests' set-up): what it
    holds is replaced within minutes, so it has no migrations of its own."""
    engine = make_engine(url)
    try:
        store_metadata.create_all(engine)
    finally:
        engine.dispose()


@compiles(CreateTable, "postgresql")
def _create_unlogged(create: CreateTable, compiler, **kw) -> str:
    sql = compiler.visit_create_table(create, **kw)
    if create.element.info.get(UNLOGGED):
        sql = sql.replace("CREATE TABLE", "CREATE UNLOGGED TABLE", 1)
    return sql


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pre-ping (a round trip before each use of a pooled connection), but only for a connection that
    sat in the pool for `PING_AFTER_IDLE_S` or more: one that was in use a moment ago is not checked again, which
    saves a round trip per transaction under load (intake's writer checks one out for every batch). A connection
    that fails the ping is dropped with every older one and the pool connects afresh, as pre-ping does; one lost
    within the last second fails its statement instead, which invalidates it and the pool's older ones
    (`bulk.driver_execute`, and SQLAlchemy for its own statements): that request fails (503, not acknowledged), the
    next ones get fresh connections."""

    def checkin(_dbapi_conn, record) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_conn, record, _proxy) -> None:
        since = record.info.pop("idle_since", None)
        if since is not None and time.monotonic() - since >= PING_AFTER_IDLE_S:
            if not engine.dialect._do_ping_w_event(dbapi_conn):  # False: lost (other errors are raised)
                raise InvalidatePoolError()

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below), so SAVEPOINTs work
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")  # an acknowledged commit survives power loss
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cur.close()



def _sqlite_not_waiting_for_the_disk(dbapi_conn, _record) -> None:
    dbapi_conn.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync at commit, only at checkpoints


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


def analyze_grown(engine: Engine, floor: int = ANALYZE_AFTER_ROWS) -> list[str]:
    """PostgreSQL: ANALYZE the tables whose rows changed (inserted, updated, deleted) since their last ANALYZE at
    least as many times as they had rows then, and at least `floor` times; returns their names. So a table is
    analysed again each time it has about doubled: a few times while a fresh database fills, then rarely.

    Without it, a server started on small tables keeps their plans while they grow: the plans its statements
    and the foreign-key checks were given (each session caches them, and a prepared statement's generic plan is
    kept) scan whole tables that were empty then. ANALYZE gives the planner the new sizes and makes every session
    plan its statements again; it does not block writes. Autovacuum does the same when it is on (a smaller
    threshold, 10% of the rows); this does not rely on it. SQLite: nothing (its statistics are refreshed after
    migrations and hourly, `optimize`; the hot statements name their index)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        grown = conn.execute(text(
            "SELECT s.schemaname, s.relname FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid"
            " WHERE s.schemaname = ANY (current_schemas(false))"
            " AND s.n_mod_since_analyze >= greatest(:floor, c.reltuples)"), {"floor": floor}).all()
        conn.rollback()
    if not grown:
        return []
    prep = engine.dialect.identifier_preparer
    names = ", ".join(f"{prep.quote_identifier(schema)}.{prep.quote_identifier(table)}" for schema, table in grown)
    with engine.begin() as conn:
        conn.execute(text(f"ANALYZE {names}"))
    return [table for _, table in grown]


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
