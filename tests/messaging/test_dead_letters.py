"""Nothing silently abandoned: a message to her that exhausts its retries is a dead letter on its incident, the
consoles in scope are told, and a person retries it or records that she was reached another way."""

from __future__ import annotations

from sqlalchemy import select

from suraksha.adapters.outbox import events_table
from suraksha.messaging.model import MAX_ATTEMPTS, TransportError, retry_delay


class DownProvider:
    name = "down"

    def __init__(self) -> None:
        self.up, self.sent = False, []

    def send(self, to, body):
        if not self.up:
            raise TransportError("gateway down")
        self.sent.append((to, body))
        return "ref"


def exhaust(container) -> None:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        container.messages.deliver_due()
        container.clock.advance(seconds=retry_delay(attempt).total_seconds() + 1)


def undelivered_event(container) -> list[dict]:
    with container.engine.connect() as conn:
        return [r.payload for r in conn.execute(select(events_table).where(
            events_table.c.type == "IncidentMessageUndelivered").order_by(events_table.c.id))]


def test_a_given_up_message_is_shown_with_its_incident_and_a_person_retries_it(container, http, auth, make_incident,
                                                                              home_station):
    provider = DownProvider()
    container.messages.provider, original = provider, container.messages.provider
    try:
        tracking = make_incident()
        unit = container.dispatch.create_unit("MUM-NS-951", "nirbhaya_squad", home_station.id)
        container.dispatch.assign(tracking, unit["id"])  # queues "unit dispatched" for her
        exhaust(container)
        incident = http.get(f"/api/v1/incidents/{tracking}", params={"timeline": "true"},
                            headers=auth("officer")).json()
        [failed] = [m for m in incident["outbound"] if m["status"] == "failed"]
        assert failed["kind"] == "unit_dispatched" and failed["attempts"] == MAX_ATTEMPTS
        assert [e["detail"]["message_id"] for e in incident["timeline"] if e["kind"] == "message_failed"] == [
            failed["id"]]
        [event] = undelivered_event(container)
        assert (event["tracking"], event["message_id"], event["state"]) == (tracking, failed["id"], "MH")
        for who in ("dispatcher", "officer"):
            listed = http.get("/api/v1/incidents/undelivered", headers=auth(who)).json()["incidents"]
            assert [(i["tracking"], i["undelivered"]) for i in listed] == [(tracking, 1)]
        assert http.get("/api/v1/incidents/undelivered", headers=auth("outsider")).json()["incidents"] == []

        provider.up = True
        r = http.post(f"/api/v1/incidents/{tracking}/messages/{failed['id']}/retry", headers=auth("dispatcher"))
        assert r.status_code == 200 and "message_retried" in [e["kind"] for e in r.json()["timeline"]]
        container.messages.deliver_due()
        assert [b for _, b in provider.sent] == [f"Suraksha {tracking}: police unit MUM-NS-951 has been dispatched "
                                                 "to you."]
        assert http.get("/api/v1/incidents/undelivered", headers=auth("dispatcher")).json()["incidents"] == []
        again = http.post(f"/api/v1/incidents/{tracking}/messages/{failed['id']}/retry", headers=auth("dispatcher"))
        assert again.status_code == 409 and again.json()["error"]["code"] == "message_not_failed"
    finally:
        container.messages.provider = original


def test_a_person_records_that_she_was_reached_another_way(container, http, auth, make_incident, home_station):
    container.messages.provider, original = DownProvider(), container.messages.provider
    try:
        tracking = make_incident()
        unit = container.dispatch.create_unit("MUM-NS-952", "nirbhaya_squad", home_station.id)
        container.dispatch.assign(tracking, unit["id"])
        exhaust(container)
        failed = next(m for m in http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()[
            "outbound"] if m["status"] == "failed")
        url = f"/api/v1/incidents/{tracking}/messages/{failed['id']}/reached"
        assert http.post(url, headers=auth("dispatcher"), json={"how": ""}).status_code == 422
        assert http.post(url, headers=auth("responder"), json={"how": "called her"}).status_code == 403
        r = http.post(url, headers=auth("dispatcher"), json={"how": "called her from the station landline"})
        assert r.status_code == 200
        settled = next(m for m in r.json()["outbound"] if m["id"] == failed["id"])
        assert settled["status"] == "reached"
        entry = next(e for e in r.json()["timeline"] if e["kind"] == "message_settled")
        assert entry["actor"] == "dispatcher" and entry["detail"]["how"] == "called her from the station landline"
        assert http.get("/api/v1/incidents/undelivered", headers=auth("dispatcher")).json()["incidents"] == []
        container.messages.deliver_due()  # a settled message is never sent
        assert container.messages.provider.sent == []
    finally:
        container.messages.provider = original
