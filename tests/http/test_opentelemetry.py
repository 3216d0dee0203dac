"""FastAPI's own OpenTelemetry follows `SURAKSHA_OPENTELEMETRY`: off (the default), a request never asks the global
providers whether one is configured; on, it does (and records spans, metrics and logs once a provider is)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from opentelemetry import trace

from suraksha.bootstrap import build_container
from suraksha.entrypoints.app import create_app


def asked_for_a_tracer_provider(settings, monkeypatch) -> int:
    """How many times one request through an app built with these settings asked for the global tracer provider."""
    asked = []
    real = trace.get_tracer_provider

    def counting():
        asked.append(1)
        return real()

    monkeypatch.setattr(trace, "get_tracer_provider", counting)
    container = build_container(settings)
    app = create_app(container, background=False)

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return await client.get("/directory")

    try:
        assert asyncio.run(call()).status_code == 200
    finally:
        container.engine.dispose()
    return len(asked)


@pytest.mark.parametrize("on", [False, True])
def test_requests_ask_for_opentelemetry_only_when_it_is_turned_on(test_settings, monkeypatch, on):
    settings = test_settings.model_copy(update={"opentelemetry": on})
    assert (asked_for_a_tracer_provider(settings, monkeypatch) > 0) is on
