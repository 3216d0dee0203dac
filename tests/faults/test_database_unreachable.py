"""Which database errors are "the database is not answering" (503 with Retry-After) and which stay faults (500):
a connection refused is the first; SQLite's "database is locked" and a broken constraint are not. Runs on both
suites: the unreachable server is a port where nothing listens."""

from __future__ import annotations

import asyncio
import sqlite3

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from suraksha.adapters.db_errors import database_unreachable
from suraksha.bootstrap import build_container
from suraksha.entrypoints.app import create_app
from suraksha.entrypoints.server import _free_port
from suraksha.settings import Settings
from tests.conftest import TWILIO_TOKEN, sign


@pytest.fixture
def nowhere() -> str:
    """A PostgreSQL URL on a port of this machine where nothing listens."""
    return f"postgresql+psycopg://postgres@127.0.0.1:{_free_port('127.0.0.1')}/suraksha"


def test_a_refused_connection_is_unreachable(nowhere):
    engine = create_engine(nowhere)
    with pytest.raises(OperationalError) as err:
        engine.connect()
    engine.dispose()
    assert database_unreachable(err.value)


def test_sqlite_locked_and_a_broken_constraint_are_not_unreachable(tmp_path):
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with pytest.raises(OperationalError) as locked, engine.connect() as conn:
            conn.execute(text("INSERT INTO t (id) VALUES (1)"))
        holder.execute("INSERT INTO t (id) VALUES (1)")
        holder.execute("COMMIT")
        with pytest.raises(DBAPIError) as duplicate, engine.begin() as conn:
            conn.execute(text("INSERT INTO t (id) VALUES (1)"))
    finally:
        engine.dispose()
        holder.close()
    assert "locked" in str(locked.value) and not database_unreachable(locked.value)
    assert not database_unreachable(duplicate.value)
    assert not database_unreachable(RuntimeError("not a database error"))


def test_with_no_database_intake_and_the_api_answer_503_with_retry_after(nowhere):
    settings = Settings(env="test", database_url=nowhere.replace("+psycopg", ""), public_url="http://testserver",
                        twilio_auth_token=TWILIO_TOKEN, secret_key="test-secret-key-for-suraksha")
    container = build_container(settings)
    app = create_app(container, background=False)  # its start-up would need the database: not run
    form = {"MessageSid": "SM" + "5" * 32, "AccountSid": "AC" + "0" * 32, "From": "+919820012345",
            "To": "+917000000001", "Body": "Help, a man is following me", "NumMedia": "0"}

    async def call() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return [
                await client.post("/webhooks/twilio/sms", data=form, headers={
                    "X-Twilio-Signature": sign("http://testserver/webhooks/twilio/sms", form)}),
                await client.get("/api/v1/dispositions", headers={"Authorization": "Bearer some-token"}),
                await client.get("/track", params={"tracking": "ABCD-EFGH"}, headers={"Accept": "text/html"}),
            ]

    answers = asyncio.run(call())
    container.engine.dispose()
    for r in answers:
        assert r.status_code == 503, r.text
        assert int(r.headers["retry-after"]) > 0
    assert [r.json()["error"]["code"] for r in answers[:2]] == ["database_unavailable"] * 2
    assert "Try again shortly" in answers[2].text and "112" in answers[2].text  # a person gets a page
