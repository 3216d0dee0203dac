"""An incident's life through the real HTTP API: timeline, notes, priority and category with reasons, transfer,
closing at any stage, reopening, and a location that arrives later."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from suraksha.adapters.outbox import events_table
from tests.conftest import tracking_of


def detail(http, auth, tracking, who="dispatcher"):
    r = http.get(f"/api/v1/incidents/{tracking}", params={"timeline": "true"}, headers=auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def kinds(incident) -> list[str]:
    return [e["kind"] for e in incident["timeline"]]


def told(incident) -> list[str]:
    return [m["body"] for m in incident["outbound"]]


def station(container, name):
    return next(s for s in container.stations.all("mumbai") if s.name == name)


def events_of(container, type_: str) -> list[dict]:
    with container.engine.connect() as conn:
        return [r.payload for r in conn.execute(select(events_table).where(events_table.c.type == type_)
                                                .order_by(events_table.c.id))]


def test_the_timeline_tells_everything_in_order(container, http, auth, sms, home_station):
    tracking = tracking_of(sms.send("he is following me").text)
    container.clock.advance(minutes=2)
    sms.send("please hurry, he has a knife")
    http.post(f"/api/v1/incidents/{tracking}/notes", headers=auth("dispatcher"), json={"text": "Caller whispering"})
    unit = container.dispatch.create_unit("MUM-NS-301", "nirbhaya_squad", home_station.id)
    container.dispatch.assign(tracking, unit["id"])
    for step in ("en_route", "on_scene", "available"):
        container.clock.advance(minutes=3)
        container.dispatch.set_status(unit["id"], step)
    incident = detail(http, auth, tracking)
    order = kinds(incident)
    for earlier, later in (("reported", "note"), ("note", "unit_dispatched"), ("unit_dispatched", "unit_en_route"),
                           ("unit_en_route", "unit_arrived"), ("unit_arrived", "unit_cleared"),
                           ("unit_cleared", "closed")):
        assert order.index(earlier) < order.index(later), order
    assert order.count("contact") == 2 and "priority_changed" not in order  # a women helpline starts at P1
    assert {"acknowledgement", "follow_up", "unit_dispatched", "unit_arrived", "closed"} <= {
        e["detail"]["kind"] for e in incident["timeline"] if e["kind"] == "message_to_her"}
    closing = next(e for e in incident["timeline"] if e["kind"] == "closed")
    assert closing["actor"] == "MUM-NS-301" and closing["detail"]["disposition"] == "attended_resolved"
    assert incident["status"] == "closed" and incident["closed_by"] == "MUM-NS-301"


def test_notes_are_kept_with_who_wrote_them_and_withheld_from_roles_without_need_to_know(http, auth, make_incident):
    tracking = make_incident()
    r = http.post(f"/api/v1/incidents/{tracking}/notes", headers=auth("officer"), json={"text": "Her name is Asha"})
    assert r.status_code == 201
    note = next(e for e in r.json()["timeline"] if e["kind"] == "note")
    assert (note["actor"], note["detail"]["text"]) == ("officer", "Her name is Asha")
    admin_view = detail(http, auth, tracking, "admin")
    assert next(e for e in admin_view["timeline"] if e["kind"] == "note")["detail"] == {"withheld": True}
    assert "Asha" not in str(admin_view)
    assert http.post(f"/api/v1/incidents/{tracking}/notes", headers=auth("responder"),
                     json={"text": "x"}).status_code == 403
    empty = http.post(f"/api/v1/incidents/{tracking}/notes", headers=auth("dispatcher"), json={"text": "   "})
    assert empty.status_code == 422


def test_a_person_may_lower_a_priority_with_a_reason_that_is_recorded(container, http, auth, make_incident):
    tracking = make_incident("help")
    assert http.post(f"/api/v1/incidents/{tracking}/priority", headers=auth("dispatcher"),
                     json={"priority": 3, "reason": ""}).status_code == 422
    r = http.post(f"/api/v1/incidents/{tracking}/priority", headers=auth("dispatcher"),
                  json={"priority": 3, "reason": "asked for station timings only"})
    assert r.status_code == 200 and r.json()["priority"] == 3
    change = next(e for e in r.json()["timeline"] if e["kind"] == "priority_changed")
    assert change["actor"] == "dispatcher" and change["detail"] == {"from": 1, "to": 3,
                                                                     "reason": "asked for station timings only"}
    r = http.post(f"/api/v1/incidents/{tracking}/category", headers=auth("dispatcher"),
                  json={"category": "cyber", "reason": "photos posted online"})
    assert r.status_code == 200 and r.json()["category"] == "cyber"
    assert http.post(f"/api/v1/incidents/{tracking}/category", headers=auth("dispatcher"),
                     json={"category": "nonsense", "reason": "x y z"}).json()["error"]["code"] == "unknown_category"
    assert [p["change"] for p in events_of(container, "IncidentUpdated")][-2:] == ["priority", "category"]


def test_a_transfer_moves_the_incident_in_one_action_and_she_is_told(container, http, auth, make_incident):
    bandra = station(container, "Bandra Police Station")
    tracking = make_incident()
    assert detail(http, auth, tracking, "officer")["station_name"] == "Colaba Police Station"
    r = http.post(f"/api/v1/incidents/{tracking}/transfer", headers=auth("dispatcher"),
                  json={"station_id": bandra.id, "reason": "she is at her sister's in Bandra"})
    assert r.status_code == 200 and r.json()["station_name"] == "Bandra Police Station"
    assert any("now handled by Bandra Police Station" in b for b in told(r.json()))
    assert next(e for e in r.json()["timeline"] if e["kind"] == "transferred")["detail"]["to"] == bandra.name
    assert http.get(f"/api/v1/incidents/{tracking}", headers=auth("officer")).status_code == 404  # Colaba's
    [moved] = events_of(container, "IncidentTransferred")
    assert (moved["station_id"], moved["from_station_id"]) == (bandra.id, station(container, "Colaba Police Station").id)
    again = http.post(f"/api/v1/incidents/{tracking}/transfer", headers=auth("dispatcher"),
                      json={"station_id": bandra.id, "reason": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "same_station"
    by_officer = http.post(f"/api/v1/incidents/{tracking}/transfer", headers=auth("officer"),
                           json={"station_id": bandra.id, "reason": "not ours"})
    assert by_officer.status_code == 403 and by_officer.json()["error"]["code"] == "out_of_scope"


@pytest.mark.parametrize("stage", ["new", "dispatched", "en_route", "on_scene"])
def test_closing_at_any_stage_stands_units_down_and_tells_her_the_outcome(container, http, auth, make_incident,
                                                                       home_station, stage):
    tracking = make_incident()
    unit = container.dispatch.create_unit("MUM-PV-401", "patrol_van", home_station.id)
    if stage != "new":
        container.dispatch.assign(tracking, unit["id"])
    for step in {"en_route": ["en_route"], "on_scene": ["en_route", "on_scene"]}.get(stage, []):
        container.dispatch.set_status(unit["id"], step)
    assert detail(http, auth, tracking)["status"] == stage
    r = http.post(f"/api/v1/incidents/{tracking}/close", headers=auth("dispatcher"),
                  json={"disposition": "fir_to_be_registered", "note": "complaint to be recorded tomorrow"})
    assert r.status_code == 200, r.text
    closed = r.json()
    assert (closed["status"], closed["closed_by"], closed["disposition"]) == ("closed", "dispatcher",
                                                                             "FIR to be registered")
    assert closed["closed_at"] and closed["units"] == []
    assert container.dispatch.get_unit(unit["id"])["status"] == "available"
    stood_down = [e for e in closed["timeline"] if e["kind"] == "unit_cleared"]
    assert [e["actor"] for e in stood_down] == ([] if stage == "new" else ["MUM-PV-401"])
    message = next(b for b in told(closed) if "closed at" in b)
    assert "closed at 10:00" in message and "Reply within 24 hours to reopen it" in message  # Mumbai's time
    assert "First Information Report" in message
    page = http.get("/track", params={"tracking": tracking}).text
    assert "Closed" in page and "A First Information Report (FIR) is to be registered" in page
    assert "22 Nov 2026, 10:00 IST" in page and "UTC" not in page


def fresh_token(http, container, who="dispatcher") -> dict[str, str]:
    """A new bearer token (tokens live 12 hours; these tests move the clock by a day)."""
    from tests.conftest import TEST_PASSWORD, second_factor_code

    r = http.post("/api/v1/auth/token", data={"username": who, "password": TEST_PASSWORD,
                                              "otp": second_factor_code(container, who)})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_a_reply_within_24_hours_reopens_and_a_later_one_is_a_new_report(container, http, sms):
    tracking = tracking_of(sms.send("help").text)
    http.post(f"/api/v1/incidents/{tracking}/close", headers=fresh_token(http, container), json={"disposition": "false_alarm"})
    container.clock.advance(hours=23)
    reply = sms.send("it is happening again")
    assert tracking_of(reply.text) == tracking and "open again" in reply.text
    incident = detail(http, lambda who: fresh_token(http, container, who), tracking)
    assert incident["status"] == "new" and incident["reopened_at"] and incident["disposition"] is None
    assert kinds(incident).count("reopened") == 1
    http.post(f"/api/v1/incidents/{tracking}/close", headers=fresh_token(http, container), json={"disposition": "false_alarm"})
    container.clock.advance(hours=25)
    assert tracking_of(sms.send("help again").text) != tracking


def test_a_person_reopens_a_closed_incident_with_a_reason(http, auth, make_incident):
    tracking = make_incident()
    assert http.post(f"/api/v1/incidents/{tracking}/reopen", headers=auth("dispatcher"),
                     json={"reason": "still in danger"}).json()["error"]["code"] == "incident_open"
    http.post(f"/api/v1/incidents/{tracking}/close", headers=auth("dispatcher"), json={"disposition": "duplicate"})
    r = http.post(f"/api/v1/incidents/{tracking}/reopen", headers=auth("officer"), json={"reason": "she called back"})
    assert r.status_code == 200 and r.json()["status"] == "new"
    assert any("open again" in b for b in told(r.json()))


def test_a_first_location_is_taken_and_moves_a_new_incident_to_the_covering_station(container, http, auth, sms):
    bandra = station(container, "Bandra Police Station")
    tracking = tracking_of(sms.send("help, I am scared").text)
    assert detail(http, auth, tracking)["location_known"] is False
    sms.send(f"I am here geo:{bandra.anchor.lat},{bandra.anchor.lon}")
    incident = detail(http, auth, tracking)
    assert incident["location_known"] is True and incident["station_name"] == "Bandra Police Station"
    assert incident["location"]["coordinates"] == [bandra.anchor.lon, bandra.anchor.lat]
    assert {"location_taken", "transferred"} <= set(kinds(incident))


def test_a_different_later_location_is_proposed_and_a_dispatcher_accepts_it(container, http, auth, sms, home_station):
    wadala, andheri = station(container, "Wadala Police Station"), station(container, "Andheri Police Station")
    tracking = tracking_of(sms.send(f"help geo:{wadala.anchor.lat},{wadala.anchor.lon}").text)
    unit = container.dispatch.create_unit("MUM-NS-501", "nirbhaya_squad", wadala.id)
    container.dispatch.assign(tracking, unit["id"])
    follow = sms.send(f"I am here https://maps.google.com/?q={andheri.anchor.lat},{andheri.anchor.lon}")
    assert "Location received" in follow.text
    incident = detail(http, auth, tracking)
    assert incident["location"]["coordinates"] == [wadala.anchor.lon, wadala.anchor.lat]  # never overwritten
    assert incident["proposed_location"]["coordinates"] == [andheri.anchor.lon, andheri.anchor.lat]
    assert incident["station_name"] == "Wadala Police Station"
    r = http.post(f"/api/v1/incidents/{tracking}/location/accept", headers=auth("dispatcher"))
    assert r.status_code == 200
    accepted = r.json()
    assert accepted["location"]["coordinates"] == [andheri.anchor.lon, andheri.anchor.lat]
    assert accepted["proposed_location"] is None
    entry = next(e for e in accepted["timeline"] if e["kind"] == "location_accepted")
    assert entry["detail"]["units_told"] == ["MUM-NS-501"]
    [changed] = events_of(container, "IncidentLocationChanged")
    assert changed["unit_ids"] == [unit["id"]]
    again = http.post(f"/api/v1/incidents/{tracking}/location/accept", headers=auth("dispatcher"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "no_proposed_location"


def test_closed_incidents_are_searchable_in_scope(container, http, auth, make_incident):
    first = make_incident(sender="+919820000501")
    second = make_incident(sender="+919820000502")
    http.post(f"/api/v1/incidents/{first}/close", headers=auth("dispatcher"), json={"disposition": "false_alarm"})
    found = http.get("/api/v1/incidents/search", headers=auth("dispatcher"),
                     params={"status": "closed", "disposition": "false_alarm"}).json()["incidents"]
    assert [i["tracking"] for i in found] == [first]
    by_tracking = http.get("/api/v1/incidents/search", headers=auth("officer"), params={"tracking": second}).json()
    assert [i["tracking"] for i in by_tracking["incidents"]] == [second]
    assert http.get("/api/v1/incidents/search", headers=auth("outsider"),
                    params={"tracking": first}).json()["incidents"] == []
    page = http.get("/incidents", params={"status": "closed"}, headers=auth("dispatcher"))
    assert page.status_code == 200 and first in page.text and second not in page.text


def test_the_maintained_lists_of_dispositions_and_categories(http, auth):
    dispositions = http.get("/api/v1/dispositions", headers=auth("officer")).json()["dispositions"]
    assert dispositions[0]["code"] == "attended_resolved" and all(d["label"] and d["outcome"] for d in dispositions)
    categories = http.get("/api/v1/categories", headers=auth("dispatcher")).json()["categories"]
    assert {"immediate_danger", "domestic_violence", "help_request"} <= set(categories)
    assert http.get("/api/v1/dispositions").status_code == 401


def test_the_report_keeps_what_it_was_reported_with_and_rules_raise_the_priority(http, auth, sms, home_station):
    tracking = tracking_of(sms.send("what are the station timings", to=home_station.general_number).text)
    sms.send("he has a knife, help me", to=home_station.general_number)
    incident = detail(http, auth, tracking)
    assert (incident["priority"], incident["category"]) == (1, "immediate_danger")
    reported = incident["timeline"][0]
    assert reported["kind"] == "reported" and reported["detail"]["priority"] == 3
    assert reported["detail"]["category"] == "help_request" and reported["detail"]["channel"] == "sms"
    raised = next(e for e in incident["timeline"] if e["kind"] == "priority_changed")
    assert (raised["detail"]["from"], raised["detail"]["to"], raised["detail"]["by"]) == (3, 1, "rules")
