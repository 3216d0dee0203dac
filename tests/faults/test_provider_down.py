"""The outbound SMS provider down for 10 minutes, on the injected clock: the messages to her queued meanwhile are
retried with back-off, delivered once it is back, none lost, none sent twice, none given up as a dead letter.

The clock moves a second at a time, as the server's sender wakes every second; the suite's server runs its own
sender on the same queue meanwhile, so two senders race for every message as they would in two processes.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from suraksha.adapters.outbox import events_table
from suraksha.messaging.model import FIRST_DELAY_S, MAX_ATTEMPTS, MAX_DELAY_S, TransportError, retry_delay
from suraksha.messaging.store import outbound_messages as om
from tests.conftest import backend

OUTAGE = timedelta(minutes=10)
EVENTS_AT = (0, 0, 90, 240, 420, 599)  # seconds into the outage: a unit dispatched (or arriving) for her


class DownProvider:
    """Refuses everything (a temporary failure, as a gateway outage is) until `up`; records each call."""

    name = "down"

    def __init__(self) -> None:
        self.up = False
        self.refused: list[tuple[str, str]] = []
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> str:
        if not self.up:
            self.refused.append((to, body))
            raise TransportError("gateway down: 503 Service Unavailable")
        self.sent.append((to, body))
        return f"ref-{len(self.sent)}"


def sms_rows(container) -> list:
    with container.engine.connect() as conn:
        return conn.execute(select(om.c.id, om.c.body, om.c.status, om.c.attempts, om.c.sent_at)
                            .where(om.c.channel == "sms").order_by(om.c.id)).all()


def test_provider_down_for_ten_minutes_loses_nothing_and_sends_nothing_twice(container, make_incident, home_station):
    # The budget covers the outage: the 8th and last attempt of a message queued as it starts comes after it.
    assert sum(retry_delay(n).total_seconds() for n in range(1, MAX_ATTEMPTS)) > OUTAGE.total_seconds()
    clock = container.clock
    provider = DownProvider()
    container.messages.provider, original = provider, container.messages.provider
    try:
        start = clock.now()
        units: list[int] = []
        for n, second in enumerate(EVENTS_AT):  # her messages queued at these moments, while it is down
            while clock.now() < start + timedelta(seconds=second):
                container.messages.deliver_due()
                clock.advance(seconds=1)
            if n == 2:  # the first unit arrives: "unit arrived" for her too
                container.dispatch.set_status(units[0], "on_scene")
            tracking = make_incident(sender=f"+9198200{n:05d}")
            unit = container.dispatch.create_unit(f"MUM-NS-97{n}", "nirbhaya_squad", home_station.id)
            container.dispatch.assign(tracking, unit["id"])
            units.append(unit["id"])
        while clock.now() < start + OUTAGE:
            container.messages.deliver_due()
            clock.advance(seconds=1)
        queued = sms_rows(container)
        assert len(queued) == len(EVENTS_AT) + 1 and {r.status for r in queued} == {"pending"}
        assert provider.sent == []

        provider.up = True
        back = clock.now()
        while clock.now() <= back + timedelta(seconds=MAX_DELAY_S + FIRST_DELAY_S):  # the longest back-off
            container.messages.deliver_due()
            if all(r.status == "sent" for r in sms_rows(container)):
                break
            clock.advance(seconds=1)
        rows = sms_rows(container)
    finally:
        container.messages.provider = original

    # nothing lost: every message queued is sent, and the provider got each one
    assert {r.status for r in rows} == {"sent"}
    assert sorted(body for _, body in provider.sent) == sorted(r.body for r in rows)
    # nothing sent twice: the provider took each message exactly once
    assert set(Counter(provider.sent).values()) == {1}
    # retried with back-off meanwhile, within the budget: no dead letter
    assert all(1 < r.attempts <= MAX_ATTEMPTS for r in rows)
    with container.engine.connect() as conn:
        assert conn.execute(select(events_table.c.id).where(
            events_table.c.type == "IncidentMessageUndelivered")).all() == []
    assert container.messages.dead_letter_incidents() == {}

    delivered_after = max(r.sent_at for r in rows) - back
    print(f"\n[faults] SMS provider down {OUTAGE.total_seconds() / 60:.0f} min ({backend()}): {len(rows)} messages "
          f"queued while down, {len(provider.refused)} attempts refused, {len(provider.sent)} delivered once it was "
          f"back (last {delivered_after.total_seconds():.0f} s after), each sent once, attempts per message "
          f"{sorted(r.attempts for r in rows)} (budget {MAX_ATTEMPTS}), 0 dead letters")
