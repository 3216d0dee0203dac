"""While `suraksha serve` is starting (its routes not in yet, `create_app(routes_later=True)`): her SMS is acknowledged
through the webhook lane, anything else is answered 503 `starting` with `Retry-After` (JSON for the API, the error
page for a person at a browser); once the routes are in, everything is served."""

from __future__ import annotations

import asyncio

import httpx

from suraksha.entrypoints.app import create_app, include_routes
from tests.conftest import sign, tracking_of


def test_before_the_routes_are_in_only_the_webhooks_answer_and_the_rest_says_starting(container, home_station):
    app = create_app(container, background=False, routes_later=True)  # the lifespan, which would include them, not run
    form = {"MessageSid": "SM" + "7" * 32, "AccountSid": "AC" + "0" * 32, "From": "+919820012345",
            "To": home_station.women_helpline, "Body": "Help, a man is following me", "NumMedia": "0"}
    signature = sign(container.settings.public_url + "/webhooks/twilio/sms", form)

    async def calls() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return [await client.get("/api/v1/incidents"),
                    await client.get("/directory", headers={"Accept": "text/html"}),
                    await client.post("/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": signature}),
                    await client.get("/readyz"),
                    await client.get("/hi/directory", headers={"Accept": "text/html"})]

    api, page, sms, ready, hindi = asyncio.run(calls())
    assert (api.status_code, api.json()["error"]["code"], api.headers["retry-after"]) == (503, "starting", "1")
    assert page.status_code == 503 and "text/html" in page.headers["content-type"]
    assert page.headers["retry-after"] == "1" and "starting" in page.text
    assert "content-security-policy" in api.headers  # the gate's answers carry the security headers too
    assert sms.status_code == 200 and tracking_of(sms.text)  # her message needs none of the other routes
    assert ready.status_code == 503  # a load balancer sends nobody else here yet
    assert hindi.status_code == 503 and "सेवा शुरू हो रही है" in hindi.text  # in the page's language

    include_routes(app)
    api, page, _, ready, _ = asyncio.run(calls())
    assert api.status_code == 401  # served now: the API asks who is calling
    assert page.status_code == 200 and ready.status_code == 200


def test_a_server_whose_routes_cannot_be_included_stops_instead_of_answering_starting_for_ever(container, monkeypatch):
    from suraksha.entrypoints import app as app_module

    app = create_app(container, background=False, routes_later=True)
    signals, built = [], []

    def broken(_app):
        raise ImportError("a route module is broken")

    monkeypatch.setattr(app_module, "include_routes", broken)
    monkeypatch.setattr(app_module.os, "kill", lambda pid, sig: signals.append((pid, sig)))
    monkeypatch.setattr(container.registry, "build_in_background", lambda: built.append(True))
    app_module._routes_then_registry(app, container)
    assert signals == [(app_module.os.getpid(), app_module.signal.SIGTERM)]
    assert not built and not app.state.routes_ready.is_set()
