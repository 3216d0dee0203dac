"""Which database errors mean "the database is not answering" (down, restarting, connection cut), as opposed to
a fault in the request or the code. The HTTP edge answers the first kind with 503 and `Retry-After`."""

from __future__ import annotations

import sys

from sqlalchemy.exc import DBAPIError

# SQLSTATE classes of a server that cannot serve: 08 connection exception; 57P01-57P03 admin or crash shutdown,
# cannot connect now (starting up, shutting down, in recovery).
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03")


def database_unreachable(exc: BaseException) -> bool:
    """True when the statement failed because there was no working connection to the database server.

    SQLAlchemy marks a connection it found broken (`connection_invalidated`); a failed connection attempt is
    psycopg's OperationalError with no SQLSTATE (refused, timed out) or one of the states above. SQLite has no
    server: its errors, "database is locked" included, are never this. psycopg is not imported here: a server on
    SQLite starts without it (about 0.1-0.17 s of its start-up on this machine).
    """
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    psycopg = sys.modules.get("psycopg")  # not imported: no PostgreSQL connection was tried, so not its error
    if psycopg is None or not isinstance(orig, psycopg.OperationalError):
        return False
    state = orig.sqlstate
    return state is None or state.startswith(_UNAVAILABLE_STATES)
