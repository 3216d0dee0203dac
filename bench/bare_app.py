"""The baselines for benchmark (a): the same framework, server and database settings, with almost no work.

    python bench/bare_app.py PORT DATABASE_URL

Two routes, each storing the message's sid, body and time durably before answering:
- `POST /bare`: one `INSERT` and commit per request in FastAPI's thread pool (request threads queue on the lock);
- `POST /bare-group`: group commit, the real ceiling: one writer thread (the product's `GroupCommitWriter`) takes
  everything waiting and stores it with one `INSERT … VALUES (…), (…)` (the product's `BulkInsert`) and one commit
  per batch.
"""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import anyio
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, Text

from suraksha.adapters.bulk import BulkInsert
from suraksha.adapters.db import UtcDateTime, make_engine
from suraksha.adapters.group_commit import GroupCommitWriter
from suraksha.intake.channels.twilio_sms.parse import parse_form

meta = MetaData()
messages = Table("bench_messages", meta, Column("id", Integer, primary_key=True),
                 Column("sid", String(64), unique=True), Column("body", Text), Column("received_at", UtcDateTime))
grouped = Table("bench_messages_grouped", meta, Column("id", Integer, primary_key=True),
                Column("sid", String(64), unique=True), Column("body", Text), Column("received_at", UtcDateTime))
_INSERT_GROUPED = BulkInsert(grouped, ("sid", "body", "received_at"))  # the batch in one statement, as intake


def store_batch(conn: Connection, rows: list[dict]) -> list[None]:
    _INSERT_GROUPED.execute(conn, rows)
    return [None] * len(rows)


def build(url: str) -> FastAPI:
    engine = make_engine(url)  # SQLite: WAL, synchronous=FULL, the write lock for writes, as the product
    meta.drop_all(engine)
    meta.create_all(engine)
    writer = GroupCommitWriter(engine, max_batch=64)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        writer.start()
        yield
        writer.stop()

    app = FastAPI(lifespan=lifespan)

    @app.post("/bare")
    async def bare_form(request: Request) -> PlainTextResponse:
        form = parse_form(await request.body())  # the same cheap form parsing as the webhook

        def insert() -> None:
            with engine.begin() as conn:
                conn.execute(messages.insert().values(sid=form["MessageSid"], body=form["Body"],
                                                      received_at=datetime.now(UTC)))

        await anyio.to_thread.run_sync(insert)  # FastAPI's own way to run blocking work
        return PlainTextResponse("ok")

    @app.post("/bare-group")
    async def bare_group(request: Request) -> PlainTextResponse:
        form = parse_form(await request.body())
        row = {"sid": form["MessageSid"], "body": form["Body"], "received_at": datetime.now(UTC)}
        await writer.run(row, store_batch)  # answered after the batch that holds it has committed
        return PlainTextResponse("ok")

    return app


if __name__ == "__main__":
    uvicorn.run(build(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
