"""Prometheus metrics (issue 13, point 4): `GET /metrics` behind its own token, in Prometheus' text format, with
intake's answers and latency by channel, and what waits in the database (the outbox, the outbound messages, the
timers due) read when scraped. The refusals without the token are in tests/core/test_outsiders.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import delete, func, select

from suraksha.adapters.leases import Lease
from suraksha.adapters.outbox import events_table, record, record_many
from suraksha.core.clock import FixedClock
from suraksha.dispatch.events import UnitsMoved
from suraksha.incidents.events import IncidentNoted
from tests.conftest import METRICS_TOKEN, relay_taken_from_the_server
from tests.dispatch.test_api import new_unit
from tests.dispatch.test_escalation import dispatch


def scrape(http) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_intake_is_counted_and_timed_by_channel_and_status(http, make_incident):
    before = scrape(http)
    make_incident()
    after = scrape(http)
    answered = "suraksha_intake_answers_total"
    assert value(after, answered, channel="sms", status="200") == value(before, answered, channel="sms", status="200") + 1
    timed = "suraksha_intake_seconds_count"
    assert value(after, timed, channel="sms") == value(before, timed, channel="sms") + 1
    assert value(after, "suraksha_intake_seconds_sum", channel="sms") > value(before, "suraksha_intake_seconds_sum",
                                                                              channel="sms")


def test_the_timers_due_are_read_from_the_database_when_scraped(http, auth, container, station_id, make_incident):
    due = "suraksha_timers_due"
    tracking = make_incident()  # a P1 nobody has sent a unit to
    assert value(scrape(http), due, timer="unassigned_alarm") == 0
    container.clock.advance(seconds=31)
    assert value(scrape(http), due, timer="unassigned_alarm") == 1
    assert container.incidents.alarm_unassigned() == 1
    assert value(scrape(http), due, timer="unassigned_alarm") == 0

    anchor = container.stations.get(station_id).anchor
    unit = new_unit(http, auth, station_id, call_sign="MUM-MT-001", lon=anchor.lon, lat=anchor.lat)
    assert dispatch(http, auth, tracking, unit["id"]).status_code == 201
    assert value(scrape(http), due, timer="crew_acknowledgement") == 0
    container.clock.advance(seconds=61)  # the crew has not acknowledged within SURAKSHA_ACK_TIMEOUT_SECONDS
    assert value(scrape(http), due, timer="crew_acknowledgement") == 1
    assert container.dispatch.escalate_due() == 1
    assert value(scrape(http), due, timer="crew_acknowledgement") == 0
    assert value(scrape(http), due, timer="case_clock") == 0


def test_the_queues_waiting_in_the_database(http, container, make_incident):
    """Both outboxes are counted, each under its name: one event waiting in the main database's and two in the
    positions' store's (the server's relays kept off them meanwhile)."""
    clock = FixedClock(datetime.now(UTC))
    lease = Lease(container.engine, clock, "outbox-relay", "metrics-test", timedelta(seconds=30))
    moves = container.dispatch.positions
    with relay_taken_from_the_server(container, lease):
        with container.engine.begin() as conn:
            record(conn, IncidentNoted(tracking="ABCD-EFGH", station_id=None, city="mumbai", state="MH", by="officer"),
                   clock.now())
            main_id = conn.execute(select(func.max(events_table.c.id)).where(events_table.c.type == "IncidentNoted"))\
                .scalar_one()
        with moves.store_engine.begin() as conn:
            record_many(conn, [(UnitsMoved(station_id=None, city="mumbai", state="MH", units=[]), clock.now())] * 2,
                        moves.outbox)
            move_ids = list(conn.execute(select(moves.outbox.c.id)).scalars())
        try:
            samples = scrape(http)
            assert ("suraksha_outbox_waiting", (("outbox", "events"),)) in samples
            assert value(samples, "suraksha_outbox_waiting", outbox="events") == container.relay.waiting() >= 1
            assert value(samples, "suraksha_outbox_waiting", outbox="unit_moves") == container.moves_relay.waiting() \
                == len(move_ids) >= 2
        finally:  # not left for the suite's relay
            with container.engine.begin() as conn:
                conn.execute(delete(events_table).where(events_table.c.id == main_id))
            with moves.store_engine.begin() as conn:
                conn.execute(delete(moves.outbox).where(moves.outbox.c.id.in_(move_ids)))
    depths = container.messages.depths()
    for state in ("pending", "due", "failed"):
        assert value(samples, "suraksha_outbound_messages", state=state) == depths[state]


def test_metrics_are_off_without_a_token(http, container):
    configured = container.settings.metrics_token
    container.settings.metrics_token = SecretStr("")
    try:
        r = http.get("/metrics", headers={"Authorization": "Bearer anything"})
    finally:
        container.settings.metrics_token = configured
    assert r.status_code == 404 and r.json()["error"]["code"] == "metrics_off"
