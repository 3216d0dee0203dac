"""Text with a NUL character (0x00), which PostgreSQL's text cannot hold: a clear 4xx, never a 5xx. Found by the
fuzzing run: `POST /api/v1/case-status` answered 500 on PostgreSQL."""

from __future__ import annotations


def test_her_case_status_refuses_control_characters(http):
    r = http.post("/api/v1/case-status", json={"fir_number": "\u00007", "code": "\u00007"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", r.text
