"""Messages to the person who asked for help: what she is told, retries with back-off, never blocking intake."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from suraksha.messaging.model import MAX_ATTEMPTS, TransportError, retry_delay
from suraksha.messaging.providers import TwilioProvider
from suraksha.messaging.store import outbound_messages


class FlakyProvider:
    """A provider that fails `failures` times, then works. Records what it was asked to send."""

    name = "flaky"

    def __init__(self, failures: int, permanent: bool = False) -> None:
        self.failures, self.permanent, self.sent, self.calls = failures, permanent, [], 0

    def send(self, to, body):
        self.calls += 1
        if self.calls <= self.failures:
            raise TransportError("gateway down", permanent=self.permanent)
        self.sent.append((to, body))
        return f"ref-{self.calls}"


@pytest.fixture
def flaky(container):
    original = container.messages.provider
    yield lambda provider: setattr(container.messages, "provider", provider) or provider
    container.messages.provider = original


def statuses(container):
    with container.engine.connect() as conn:
        return conn.execute(select(outbound_messages.c.kind, outbound_messages.c.status, outbound_messages.c.attempts)
                            .where(outbound_messages.c.channel == "sms").order_by(outbound_messages.c.id)).all()


def test_she_is_told_when_a_unit_is_dispatched_and_when_it_arrives(make_incident, container, http, auth):
    tracking = make_incident("help me geo:18.9067,72.8147")
    unit = container.dispatch.create_unit("MUM-NS-901", "nirbhaya_squad", container.stations.resolve(72.8147, 18.9067).station.id)
    assert http.post(f"/api/v1/incidents/{tracking}/assignments", headers=auth("dispatcher"),
                     json={"unit_id": unit["id"]}).status_code == 201
    container.clock.advance(minutes=7, seconds=30)
    container.dispatch.set_status(unit["id"], "en_route")
    container.dispatch.set_status(unit["id"], "on_scene")
    container.messages.deliver_due()
    bodies = [b for _, b in container.messages.provider.sent]
    assert bodies == [f"Suraksha {tracking}: police unit MUM-NS-901 has been dispatched to you.",
                      f"Suraksha {tracking}: police unit MUM-NS-901 has arrived."]
    assert {to for to, _ in container.messages.provider.sent} == {"+919820012345"}
    incident = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()
    assert incident["status"] == "on_scene" and incident["response_seconds"] == 450


def test_a_failing_provider_is_retried_with_back_off_and_never_blocks_intake(make_incident, container, flaky):
    provider = flaky(FlakyProvider(failures=2))
    tracking = make_incident()
    container.dispatch.create_unit("MUM-PV-902", "patrol_van", container.stations.all("mumbai")[0].id)
    unit_id = container.dispatch.list_units()[0]["id"]
    container.dispatch.assign(tracking, unit_id)
    assert make_incident(sender="+919820077777")  # intake works while the provider is down
    container.messages.deliver_due()
    assert statuses(container) == [("unit_dispatched", "pending", 1)]
    container.messages.deliver_due()  # not due yet: back-off
    assert statuses(container)[0].attempts == 1
    container.clock.advance(seconds=retry_delay(1).total_seconds())
    container.messages.deliver_due()
    assert statuses(container)[0].attempts == 2
    container.clock.advance(seconds=retry_delay(2).total_seconds())
    container.messages.deliver_due()
    assert statuses(container) == [("unit_dispatched", "sent", 3)]
    assert len(provider.sent) == 1


def test_a_permanent_failure_is_not_retried(make_incident, container, flaky):
    flaky(FlakyProvider(failures=1, permanent=True))
    tracking = make_incident()
    container.dispatch.create_unit("MUM-PV-903", "patrol_van", container.stations.all("mumbai")[0].id)
    container.dispatch.assign(tracking, container.dispatch.list_units()[0]["id"])
    container.messages.deliver_due()
    assert statuses(container) == [("unit_dispatched", "failed", 1)]


def test_back_off_grows_and_is_capped():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert retry_delay(MAX_ATTEMPTS + 5) == timedelta(minutes=10)


def test_twilio_provider_speaks_twilios_rest_api():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"sid": "SM123", "status": "queued"})

    provider = TwilioProvider("AC1", "token", "+15005550006", transport=httpx.MockTransport(handler))
    assert provider.send("+919820012345", "hello") == "SM123"
    req = seen[0]
    assert req.url.path == "/2010-04-01/Accounts/AC1/Messages.json"
    assert req.headers["authorization"].startswith("Basic ")
    assert b"To=%2B919820012345" in req.content and b"Body=hello" in req.content


@pytest.mark.parametrize("status,permanent", [(500, False), (503, False), (429, False), (400, True), (401, True)])
def test_twilio_errors_are_classified(status, permanent):
    body = {"code": 21211, "message": "The 'To' number +919820012345 is not a valid phone number."}
    provider = TwilioProvider("AC1", "t", "+1500", transport=httpx.MockTransport(lambda r: httpx.Response(status, json=body)))
    with pytest.raises(TransportError) as err:
        provider.send("+919820012345", "x")
    assert err.value.permanent is permanent
    assert "9820012345" not in str(err.value)


def test_an_unreachable_twilio_is_a_temporary_failure():
    def boom(request):
        raise httpx.ConnectError("no route")

    with pytest.raises(TransportError) as err:
        TwilioProvider("AC1", "t", "+1500", transport=httpx.MockTransport(boom)).send("+919820012345", "x")
    assert err.value.permanent is False
