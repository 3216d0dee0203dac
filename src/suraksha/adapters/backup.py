"""Backups of the whole database: SQLite's online backup, or `pg_dump`'s custom format for PostgreSQL.

A backup is taken while the server runs (SQLite copies page by page under its own locking; pg_dump reads one
consistent snapshot). A restore replaces what the target database holds with the backup's contents.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from suraksha.core.errors import ConfigurationError, InvalidInput

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


def backup(database_url: str, target: Path) -> int:
    """Write a backup of the database to `target`; returns its size in bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if database_url.startswith("sqlite"):
        _copy_sqlite(_sqlite_path(database_url), str(target))
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), _libpq_url(database_url)])
    return target.stat().st_size


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with the backup in `source` (made by `backup` for the same kind)."""
    head = source.read_bytes()[:16] if source.exists() else b""
    if database_url.startswith("sqlite"):
        if head != SQLITE_MAGIC:
            raise InvalidInput(f"{source} is not an SQLite backup", code="not_a_backup")
        path = _sqlite_path(database_url)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(str(source), path)
        return
    if not head.startswith(PG_MAGIC):
        raise InvalidInput(f"{source} is not a pg_dump custom-format backup", code="not_a_backup")
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--dbname", _libpq_url(database_url), str(source)])


def _copy_sqlite(source_path: str, target_path: str) -> None:
    """SQLite's online backup API: page by page, consistent, while other connections use the source."""
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _sqlite_path(database_url: str) -> str:
    path = make_url(database_url).database
    if not path or path == ":memory:":
        raise InvalidInput("an in-memory database has nothing to back up", code="not_a_file_database")
    return path


def _libpq_url(database_url: str) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver suffix)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise ConfigurationError(f"{command[0]} is not installed (Debian: postgresql-client)", code="tool_missing")
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    if done.returncode != 0:
        raise ConfigurationError(f"{command[0]} failed: {done.stderr.strip()[-500:]}", code="backup_failed")
