"""Structured logs with a request id (issue 13, point 4): every response says its request id (the caller's, if
plausible, else a new one); a log line written while a request is served carries it and the node's name, as one
JSON object a line with `SURAKSHA_LOG_FORMAT=json`; and the line says nothing of her number or her words."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import datetime, timedelta

from suraksha.entrypoints.logs import Context, formatter
from tests.conftest import sign

WEBHOOK_LOGGER = "suraksha.intake.sms"  # logs each SMS taken: its provider id and tracking number


def test_every_response_says_its_request_id(http):
    given = http.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21-0001"})
    assert given.headers["x-request-id"] == "lb-7f3a9c21-0001"
    made = http.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    odd = http.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])  # not echoed: replaced
    assert http.get("/healthz").headers["x-request-id"] != made.headers["x-request-id"]


def test_a_log_line_of_a_request_carries_its_id_and_nothing_of_her(http, sms, test_settings):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter("json"))
    handler.addFilter(Context("node-test"))
    logger = logging.getLogger(WEBHOOK_LOGGER)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        form = sms.form("Help, my husband is beating me", sender="+919820077777")
        url = test_settings.public_url + "/webhooks/twilio/sms"
        r = http.post("/webhooks/twilio/sms", data=form,
                      headers={"X-Twilio-Signature": sign(url, form), "X-Request-ID": "twilio-req-000042"})
        assert r.status_code == 200
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    mine = [line for line in lines if line["request_id"] == "twilio-req-000042"]
    assert mine, lines
    assert {"time", "level", "logger", "node", "message"} <= set(mine[0])
    assert mine[0]["node"] == "node-test" and mine[0]["logger"] == WEBHOOK_LOGGER and mine[0]["level"] == "INFO"
    assert datetime.fromisoformat(mine[0]["time"]).utcoffset() == timedelta(0)  # ISO 8601, UTC
    text = out.getvalue()
    assert "9820077777" not in text and "husband" not in text  # her number and her words stay out of the logs
