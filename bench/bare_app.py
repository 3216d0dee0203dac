"""The baseline for benchmark (a): the same framework and server, one durable insert per request.

    python bench/bare_app.py PORT DB_PATH
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import anyio
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import Column, Integer, MetaData, String, Table, Text

from suraksha.adapters.db import UtcDateTime, make_engine
from suraksha.intake.channels.twilio_sms.parse import parse_form

meta = MetaData()
messages = Table("messages", meta, Column("id", Integer, primary_key=True), Column("sid", String(64), unique=True),
                 Column("body", Text), Column("received_at", UtcDateTime))


def build(db_path: str) -> FastAPI:
    engine = make_engine(f"sqlite:///{db_path}")  # WAL, synchronous=FULL, BEGIN IMMEDIATE: as the product
    meta.create_all(engine)
    app = FastAPI()

    @app.post("/bare")
    async def bare_form(request: Request) -> PlainTextResponse:
        form = parse_form(await request.body())  # the same cheap form parsing as the webhook

        def insert() -> None:
            with engine.begin() as conn:
                conn.execute(messages.insert().values(sid=form["MessageSid"], body=form["Body"],
                                                      received_at=datetime.now(UTC)))

        await anyio.to_thread.run_sync(insert)  # FastAPI's own way to run blocking work
        return PlainTextResponse("ok")

    return app


if __name__ == "__main__":
    uvicorn.run(build(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
