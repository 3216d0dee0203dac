"""Statements for hot paths (intake's writer), written once per dialect and run on the driver's own cursor.

SQLAlchemy Core compiles (or finds in its cache), binds and processes every statement and every row, and builds a
result for each: on the intake path that costs more than the database's own work (measured here: 20-40 µs a
statement and 8 µs a row, against 2 and 1.5 for the driver alone). These helpers write the SQL once per dialect and
convert values with the columns' own SQLAlchemy type processors, so that what is stored and read back is exactly
what Core would store and read. They run in the caller's SQLAlchemy transaction, and a driver's error comes out as
SQLAlchemy's would (`DBAPIError`, a lost connection invalidated: `driver_execute`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Connection, Table
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
        lost = conn.dialect.is_disconnect(err, raw, cursor)
        wrapped = DBAPIError.instance(sql, params, err, conn.dialect.loaded_dbapi.Error, connection_invalidated=lost,
                                      dialect=conn.dialect)
        if lost:
            conn.invalidate(wrapped)
        raise wrapped from err
    return cursor


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
        sql = self._sql.get((dialect.name, rows))
        if sql is None:
            names = ", ".join(quoted(dialect, c) for c in self.columns)
            one = f"({marks(dialect, len(self.columns))})"
            sql = f"INSERT INTO {quoted(dialect, self.table.name)} ({names}) VALUES {', '.join([one] * rows)}"
            if len(self._sql) < 256:
                self._sql[(dialect.name, rows)] = sql
        return sql

    def _processors(self, dialect: Dialect) -> list[tuple[int, Callable[[Any], Any]]]:
        procs = self._procs.get(dialect.name)
        if procs is None:
            found = bind_processors(dialect, (self.table.c[c] for c in self.columns))
            procs = self._procs[dialect.name] = [(i, p) for i, p in enumerate(found) if p is not None]
        return procs

    def execute(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(rows), self.ROWS_PER_STATEMENT):
            chunk = rows[start:start + self.ROWS_PER_STATEMENT]
            driver_execute(conn, self._statement(conn.dialect, len(chunk)),
                           self._parameters(conn.dialect, chunk)).close()

    def execute_new(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert rows that get new primary keys (`id`, one of the columns); sets each row's `id`, returns them.

        SQLite gives each row of one INSERT the next rowid (one more than the largest; no AUTOINCREMENT), and the
        caller's write transaction holds the database's one write lock: the ids of a statement's rows are the
        consecutive ones ending at its last. PostgreSQL draws them from the column's sequence first. Either way
        one statement, and no RETURNING (which SQLite can only do row by row when the order of the ids matters)."""
        if conn.dialect.name != "sqlite":
            for row, new_id in zip(rows, allocate_ids(conn, self.table, len(rows))):
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
        return tuple(params)


def allocate_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """n new primary keys from the sequence of `table`'s `id` column (PostgreSQL)."""
    if n <= 0:
        return []
    rows = driver_execute(
        conn, f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, %s)", (n,))
    return [int(r[0]) for r in rows.fetchall()]
