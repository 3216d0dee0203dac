"""Statements for hot paths (intake's writer), written once per dialect and run on the driver's own cursor.

SQLAlchemy Core compiles (or finds in its cache), binds and processes every statement and every row, and builds a
result for each: on the intake path that costs more than the database's own work (measured here: 20-40 µs a
statement and 8 µs a row, against 2 and 1.5 for the driver alone). These helpers write the SQL once per dialect and
convert values with the columns' own SQLAlchemy type processors, so that what is stored and read back is exactly
what Core would store and read. They run in the caller's SQLAlchemy transaction, and a driver's error comes out as
SQLAlchemy's would (`DBAPIError`, a lost connection invalidated: `driver_execute`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Column, Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None


def driver_execute(conn: Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """Run `sql` on a cursor of the driver connection under `conn` (its transaction) and return the cursor, for
    its rows or `lastrowid`. A driver error is raised as SQLAlchemy's `DBAPIError`; one that means the connection
    is lost invalidates it, as SQLAlchemy itself does."""
    raw = conn.connection
    cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
    except conn.dialect.loaded_dbapi.Error as err:
        raise _wrapped(conn, raw, cursor, sql, params, err) from err
    return cursor


def driver_copy(conn: Connection, sql: str, rows: str) -> None:
    """PostgreSQL: `COPY … FROM STDIN` of these rows (the text format, built by the caller) in the caller's
    transaction, on the driver's own cursor; a driver's error as `driver_execute`'s."""
    raw = conn.connection
    cursor = raw.cursor()
    try:
        with cursor.copy(sql) as copy:
            copy.write(rows)
    except conn.dialect.loaded_dbapi.Error as err:
        raise _wrapped(conn, raw, cursor, sql, (), err) from err
    finally:
        cursor.close()


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """PostgreSQL: the statements run with `driver_execute` inside this block are sent at once, without waiting
    for each one's answer (psycopg's pipeline mode), and answered together when a result is first read or at the
    end of the block, in one round trip: a transaction's BEGIN and its reads, or its inserts. They still run one
    after the other, in order, in the caller's transaction; the first that fails makes the others fail too, and
    its error comes out of the block as `driver_execute`'s would. Only statements run with `driver_execute`
    belong inside (not SQLAlchemy's, which read their results at once). SQLite: nothing (no round trips)."""
    if conn.dialect.name != "postgresql":
        yield
        return
    raw = conn.connection
    try:
        with raw.driver_connection.pipeline():
            yield
    except conn.dialect.loaded_dbapi.Error as err:
        raise _wrapped(conn, raw, None, "(pipeline)", (), err) from err


def _wrapped(conn: Connection, raw: Any, cursor: Any, sql: str, params: Sequence[Any], err: Exception) -> DBAPIError:
    """A driver's error as SQLAlchemy's; one that means the connection is lost invalidates it, and the pool's
    connections made before it (they are likely lost too: the server went away), as SQLAlchemy does."""
    lost = conn.dialect.is_disconnect(err, raw, cursor)
    wrapped = DBAPIError.instance(sql, params, err, conn.dialect.loaded_dbapi.Error, connection_invalidated=lost,
                                  dialect=conn.dialect)
    if lost and not conn.invalidated:
        conn.engine.pool._invalidate(raw, wrapped)
        conn.invalidate(wrapped)
    return wrapped


def marks(dialect: Dialect, n: int) -> str:
    """n parameter markers in the driver's own style: '?, ?' (sqlite3) or '%s, %s' (psycopg)."""
    return ", ".join(["?" if dialect.paramstyle in ("qmark", "numeric") else "%s"] * n)


def padded(values: Sequence[Any]) -> list[Any]:
    """The values of an `IN (…)` list, the last repeated up to a power of two: the same answer, and a handful of
    statement texts instead of one per length, so that the driver's cache of prepared statements keeps them."""
    size = 1
    while size < len(values):
        size *= 2
    return [*values, *[values[-1]] * (size - len(values))] if values else []


def quoted(dialect: Dialect, name: str) -> str:
    return dialect.identifier_preparer.quote(name)


def bind_processors(dialect: Dialect, columns: Iterable[Column]) -> tuple[Processor, ...]:
    """What SQLAlchemy does to each column's value on the way in (None: nothing)."""
    return _bind_processors(dialect, tuple(columns))


def result_processors(dialect: Dialect, columns: Iterable[Column], description: Sequence[Any]) -> tuple[Processor, ...]:
    """What SQLAlchemy does to each column's value on the way out (None: nothing), for a driver cursor's result
    (its `description` gives the driver's type of each column, which some processors look at)."""
    return _result_processors(dialect, tuple(columns), tuple(d[1] for d in description))


@lru_cache(maxsize=256)
def _bind_processors(dialect: Dialect, columns: tuple[Column, ...]) -> tuple[Processor, ...]:
    return tuple(c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns)


@lru_cache(maxsize=256)
def _result_processors(dialect: Dialect, columns: tuple[Column, ...], types: tuple) -> tuple[Processor, ...]:
    return tuple(c.type.dialect_impl(dialect).result_processor(dialect, t) for c, t in zip(columns, types))


def convert(values: Sequence[Any], processors: Sequence[Processor]) -> tuple:
    return tuple(v if p is None or v is None else p(v) for v, p in zip(values, processors))


class BulkInsert:
    """INSERT of many rows (dicts with these columns) as one statement (`VALUES (…), (…)`), in the caller's
    transaction. One statement rather than an executemany: SQLite's driver runs each row of an executemany as a
    step of its own, letting go of the GIL and waiting for it again each time, which under load costs more
    than the insert itself."""

    ROWS_PER_STATEMENT = 500

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.table, self.columns = table, tuple(columns)
        self._sql: dict[tuple[str, int], str] = {}
        self._procs: dict[str, list[tuple[int, Callable[[Any], Any]]]] = {}

    def _statement(self, dialect: Dialect, rows: int) -> str:
        if dialect.name == "postgresql":
            rows = 0  # one text whatever the number of rows (`_pg_rows`)
        sql = self._sql.get((dialect.name, rows))
        if sql is None:
            names = ", ".join(quoted(dialect, c) for c in self.columns)
            table = quoted(dialect, self.table.name)
            if dialect.name == "postgresql":
                sql = (f"INSERT INTO {table} ({names}) SELECT {names}"
                       f" FROM json_populate_recordset(NULL::{table}, {marks(dialect, 1)}::json)")
            else:
                one = f"({marks(dialect, len(self.columns))})"
                sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * rows)}"
            if len(self._sql) < 256:
                self._sql[(dialect.name, rows)] = sql
        return sql

    def _processors(self, dialect: Dialect) -> list[tuple[int, Callable[[Any], Any]]]:
        procs = self._procs.get(dialect.name)
        if procs is None:
            columns = [self.table.c[c] for c in self.columns]
            found = bind_processors(dialect, columns)
            if dialect.name == "postgresql":  # JSON values go into the rows' JSON as they are (`_pg_rows`)
                found = tuple(None if isinstance(c.type, JSON) else p for c, p in zip(columns, found))
            procs = self._procs[dialect.name] = [(i, p) for i, p in enumerate(found) if p is not None]
        return procs

    def execute(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(rows), self.ROWS_PER_STATEMENT):
            chunk = rows[start:start + self.ROWS_PER_STATEMENT]
            driver_execute(conn, self._statement(conn.dialect, len(chunk)),
                           self._parameters(conn.dialect, chunk)).close()

    def execute_new(self, conn: Connection, rows: Sequence[dict[str, Any]], drawn: Sequence[int] = ()) -> list[int]:
        """Insert rows that get new primary keys (`id`, one of the columns); sets each row's `id`, returns them.

        SQLite gives each row of one INSERT the next rowid (one more than the largest; no AUTOINCREMENT), and the
        caller's write transaction holds the database's one write lock: the ids of a statement's rows are the
        consecutive ones ending at its last. PostgreSQL draws them from the column's sequence first (or takes them
        from `drawn`, ids the caller drew with `allocate_ids`, at least one per row; the rest are left unused).
        Either way one statement, and no RETURNING (which SQLite can only do row by row when the order of the ids
        matters)."""
        if conn.dialect.name != "sqlite":
            if len(drawn) < len(rows):
                drawn = allocate_ids(conn, self.table, len(rows))
            for row, new_id in zip(rows, drawn):
                row["id"] = new_id
            self.execute(conn, rows)
            return [row["id"] for row in rows]
        ids: list[int] = []
        for start in range(0, len(rows), self.ROWS_PER_STATEMENT):
            chunk = rows[start:start + self.ROWS_PER_STATEMENT]
            for row in chunk:
                row["id"] = None  # SQLite: NULL into an INTEGER PRIMARY KEY takes the next rowid
            cursor = driver_execute(conn, self._statement(conn.dialect, len(chunk)),
                                    self._parameters(conn.dialect, chunk))
            last = cursor.lastrowid
            cursor.close()
            for row, new_id in zip(chunk, range(last - len(chunk) + 1, last + 1)):
                row["id"] = new_id
                ids.append(new_id)
        return ids

    def load(self, conn: Connection, rows: Sequence[dict[str, Any]], new_ids: bool = False) -> list[int]:
        """Many rows at once, for a large upload: by `COPY` on PostgreSQL (ids drawn from the sequence first when
        `new_ids`: `id` is then one of the columns), as `execute`/`execute_new` on SQLite. Returns the new ids."""
        if conn.dialect.name != "postgresql":
            if new_ids:
                return self.execute_new(conn, rows)
            self.execute(conn, rows)
            return []
        ids: list[int] = []
        if new_ids and rows:
            ids = allocate_ids(conn, self.table, len(rows))
            for row, new_id in zip(rows, ids):
                row["id"] = new_id
        if rows:
            names = ", ".join(quoted(conn.dialect, c) for c in self.columns)
            procs = dict(self._processors(conn.dialect))
            done: dict[tuple[int, Any], str] = {}  # a chunk repeats its times and codes: each converted once
            lines = []
            for row in rows:
                values = []
                for i, column in enumerate(self.columns):
                    value = row.get(column)
                    if value is None:
                        values.append("\\N")
                    elif type(value) is str:
                        values.append(value.translate(_COPY_ESCAPES))
                    else:
                        key = (i, value)
                        text = done.get(key)
                        if text is None:
                            process = procs.get(i)
                            text = done[key] = _copy_text(process(value) if process else value)
                        values.append(text)
                lines.append("\t".join(values))
            lines.append("")
            driver_copy(conn, f"COPY {quoted(conn.dialect, self.table.name)} ({names}) FROM STDIN", "\n".join(lines))
        return ids

    def _parameters(self, dialect: Dialect, rows: Sequence[dict[str, Any]]) -> tuple:
        procs, columns = self._processors(dialect), self.columns
        done: dict[tuple[int, Any], Any] = {}  # a batch repeats its times (now, received at): convert each once
        params: list[Any] = []
        for row in rows:
            values = [row.get(c) for c in columns]
            for i, process in procs:
                value = values[i]
                if value is not None:
                    key = (i, value) if value.__hash__ is not None else None
                    if key is None:
                        values[i] = process(value)
                    elif key in done:
                        values[i] = done[key]
                    else:
                        values[i] = done[key] = process(value)
            params.extend(values)
        if dialect.name == "postgresql":
            return (_pg_rows(columns, params),)
        return tuple(params)


def _pg_rows(columns: tuple[str, ...], values: list[Any]) -> str:
    """PostgreSQL: the rows as one JSON array of objects, for `json_populate_recordset`, which reads each value
    with its column's own type: one parameter and one statement text whatever the number of rows, so that the
    driver converts and prepares the statement once (a `VALUES` list of hundreds of parameters it parses anew
    each time). Timestamps (naive UTC, as `UtcDateTime` binds them) are written in ISO 8601, floats exactly."""
    width = len(columns)
    return json.dumps([dict(zip(columns, values[i:i + width])) for i in range(0, len(values), width)],
                      default=_json_value, allow_nan=False, separators=(",", ":"))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format: NULL as \\N, booleans t/f, times in ISO 8601, text with its backslashes,
    tabs and line ends escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return repr(value) if isinstance(value, float) else str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not one of the types BulkInsert writes on PostgreSQL")


def allocate_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """n new primary keys from the sequence of `table`'s `id` column (PostgreSQL)."""
    return start_allocating_ids(conn, table, n)()


def start_allocating_ids(conn: Connection, table: Table, n: int) -> Callable[[], list[int]]:
    """`allocate_ids` in two steps, so that it may share a round trip (`pipelined`): the statement is sent now, the
    returned function reads its answer."""
    if n <= 0:
        return list
    cursor = driver_execute(
        conn, f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, %s)", (n,))
    return lambda: [int(r[0]) for r in cursor.fetchall()]
