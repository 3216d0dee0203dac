"""The 112 call-taker (issue 9, point 2): POST /api/v1/calls, a number's earlier contacts, a typed place resolved,
and the /calltaker page, through the real HTTP path on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from suraksha.adapters.db import metadata
from tests.conftest import web_sign_in

TABLES = ("incidents", "inbound_messages", "incident_contacts", "outbound_messages", "incident_log", "incident_people")
CALLER = "+919820011111"


def counts(c) -> dict[str, int]:
    with c.engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(metadata.tables[t])).scalar_one() for t in TABLES}


def station(c, name: str):
    return next(s for s in c.stations.all("mumbai") if s.name == name)


def call(c, **over) -> dict:
    bandra = station(c, "Bandra Police Station")
    body = {"call_id": str(uuid.uuid4()), "caller_number": CALLER, "language": "en",
            "answered_at": (c.clock.now() - timedelta(seconds=40)).isoformat(),
            "location": {"source": "gps", "lat": bandra.anchor.lat, "lon": bandra.anchor.lon, "accuracy_m": 15},
            "what_happened": "Her husband is beating her, she is locked in the bathroom",
            "category": "domestic_violence", "priority": 1}
    return body | over


def test_a_logged_call_is_an_incident_where_she_is_with_the_call_takers_priority_and_category(http, auth, container):
    bandra = station(container, "Bandra Police Station")
    r = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(container))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "new" and out["priority"] == 1 and out["category"] == "domestic_violence"
    assert out["station_id"] == bandra.id and out["in_your_area"] is True
    assert out["joined"] is False and out["duplicate"] is False and out["tracking"] in out["message"]
    incident = http.get(f"/api/v1/incidents/{out['tracking']}?timeline=true", headers=auth("dispatcher")).json()
    assert incident["channel"] == "call" and incident["location_known"] is True
    assert incident["location"]["coordinates"] == [bandra.anchor.lon, bandra.anchor.lat]
    assert incident["location_accuracy_m"] == 15
    assert incident["contacts"] == [{"channel": "call", "phone": CALLER}]
    logged = [e for e in incident["timeline"] if e["kind"] == "call_logged"]
    assert len(logged) == 1 and logged[0]["actor"] == "dispatcher"
    assert logged[0]["detail"]["location_source"] == "gps" and logged[0]["detail"]["took_seconds"] == 40
    assert incident["received_at"] == (container.clock.now() - timedelta(seconds=40)).isoformat()
    # the acknowledgement was read out on the call: recorded as told, no SMS on top of it
    assert container.messages.provider.sent == []
    assert [(m["channel"], m["status"]) for m in incident["outbound"]] == [("voice", "sent")]
    # it is in the dispatch queue
    queue = http.get("/api/v1/incidents", headers=auth("dispatcher")).json()["incidents"]
    assert out["tracking"] in [i["tracking"] for i in queue]


def test_the_screen_says_how_long_ago_the_call_was_answered_whatever_its_own_clock(http, auth, container):
    r = http.post("/api/v1/calls", headers=auth("dispatcher"),
                  json=call(container, answered_at=None, answered_seconds_ago=25)).json()
    incident = http.get(f"/api/v1/incidents/{r['tracking']}?timeline=true", headers=auth("dispatcher")).json()
    assert incident["received_at"] == (container.clock.now() - timedelta(seconds=25)).isoformat()
    assert next(e for e in incident["timeline"] if e["kind"] == "call_logged")["detail"]["took_seconds"] == 25


def test_sending_a_call_again_never_makes_a_second_incident(http, auth, container):
    body = call(container)
    first = http.post("/api/v1/calls", headers=auth("dispatcher"), json=body).json()
    before = counts(container)
    again = http.post("/api/v1/calls", headers=auth("dispatcher"), json=body)
    assert again.status_code == 200 and again.json()["tracking"] == first["tracking"]
    assert again.json()["duplicate"] is True
    assert counts(container) == before


def test_a_second_call_from_her_number_joins_her_open_incident(http, auth, container):
    first = http.post("/api/v1/calls", headers=auth("dispatcher"),
                      json=call(container, priority=3, category="stalking_harassment")).json()
    container.clock._now += timedelta(minutes=3)
    second = http.post("/api/v1/calls", headers=auth("dispatcher"),
                       json=call(container, priority=1, answered_at=container.clock.now().isoformat())).json()
    assert second["tracking"] == first["tracking"] and second["joined"] is True and second["priority"] == 1
    timeline = http.get(f"/api/v1/incidents/{first['tracking']}/timeline", headers=auth("dispatcher")).json()
    assert [e["detail"]["joined"] for e in timeline["timeline"] if e["kind"] == "call_logged"] == [False, True]


def test_a_cell_location_keeps_its_radius_and_an_unknown_one_goes_to_the_city_control_room(http, auth, container):
    kurla = station(container, "Kurla Police Station")
    cell = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(container, location={
        "source": "cell", "lat": kurla.anchor.lat, "lon": kurla.anchor.lon, "accuracy_m": 2500})).json()
    incident = http.get(f"/api/v1/incidents/{cell['tracking']}", headers=auth("dispatcher")).json()
    assert incident["location_accuracy_m"] == 2500 and incident["station_id"] == kurla.id
    unknown = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(
        container, caller_number="+919820022222", location={"source": "none"})).json()
    incident = http.get(f"/api/v1/incidents/{unknown['tracking']}", headers=auth("dispatcher")).json()
    assert incident["location_known"] is False and incident["station_id"] is None and incident["city"] == "mumbai"


def test_a_typed_address_or_landmark_resolves_against_localities_and_stations(http, auth, container):
    headers = auth("dispatcher")
    powai = http.get("/api/v1/calls/places", headers=headers, params={"q": "Powai"}).json()["places"]
    locality = next(p for p in powai if p["kind"] == "locality")
    assert locality["name"].lower().startswith("powai") and locality["pincode"].startswith("400")
    assert locality["accuracy_m"] == 1500 and locality["station_name"]
    covering = container.stations.resolve(locality["lon"], locality["lat"]).station
    assert locality["station_id"] == covering.id
    by_pin = http.get("/api/v1/calls/places", headers=headers, params={"q": locality["pincode"]}).json()["places"]
    assert locality["pincode"] in [p["pincode"] for p in by_pin]
    stations = http.get("/api/v1/calls/places", headers=headers, params={"q": "Bandra Police"}).json()["places"]
    assert "Bandra Police Station" in [p["name"] for p in stations if p["kind"] == "station"]
    point = http.get("/api/v1/calls/places", headers=headers, params={"q": "19.0544, 72.8402"}).json()["places"]
    assert point[0]["kind"] == "coordinates" and (point[0]["lat"], point[0]["lon"]) == (19.0544, 72.8402)
    assert http.get("/api/v1/calls/places", headers=headers, params={"q": "zz"}).json() == {"places": []}
    # logged with the place chosen: the typed words are on the timeline, the point is the incident's
    r = http.post("/api/v1/calls", headers=headers, json=call(container, location={
        "source": "address", "lat": locality["lat"], "lon": locality["lon"], "accuracy_m": 1500,
        "text": "behind Powai lake bus stop"})).json()
    timeline = http.get(f"/api/v1/incidents/{r['tracking']}/timeline", headers=headers).json()["timeline"]
    detail = next(e["detail"] for e in timeline if e["kind"] == "call_logged")
    assert detail["location_source"] == "address" and detail["location_text"] == "behind Powai lake bus stop"
    assert r["station_id"] == covering.id


def test_the_womans_details_are_kept_apart_from_the_callers_and_need_to_know(http, auth, container):
    body = call(container, caller_relation="neighbour", caller={"name": "Sunita Patil"},
                victim={"name": "Asha K", "phone": "98200 33333", "age": 24, "details": "green saree, with a child"})
    tracking = http.post("/api/v1/calls", headers=auth("dispatcher"), json=body).json()["tracking"]
    incident = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()
    people = {p["role"]: p for p in incident["people"]}
    assert people["caller"]["name"] == "Sunita Patil" and people["caller"]["relation"] == "neighbour"
    assert people["caller"]["phone"] is None  # the caller's number is her contact
    assert (people["victim"]["name"], people["victim"]["phone"], people["victim"]["age"]) == ("Asha K", "+919820033333",
                                                                                             24)
    assert people["victim"]["details"] == "green saree, with a child" and people["victim"]["recorded_by"] == "dispatcher"
    assert incident["contacts"] == [{"channel": "call", "phone": CALLER}]
    # sealed at rest
    with container.engine.connect() as conn:
        stored = conn.execute(select(metadata.tables["incident_people"])).all()
    assert not any("Asha" in str(v) or "33333" in str(v) for row in stored for v in row)
    # an admin, who has no need to know, sees nobody
    assert http.get(f"/api/v1/incidents/{tracking}", headers=auth("admin")).json()["people"] is None


def test_she_hears_of_the_incident_by_sms_on_the_callers_number_never_the_victims(http, auth, container):
    body = call(container, caller_relation="family", victim={"name": "Meera", "phone": "+919820044444"})
    tracking = http.post("/api/v1/calls", headers=auth("dispatcher"), json=body).json()["tracking"]
    colaba = station(container, "Colaba Police Station")
    r = http.post(f"/api/v1/incidents/{tracking}/transfer", headers=auth("dispatcher"),
                  json={"station_id": colaba.id, "reason": "her mother's house is in Colaba"})
    assert r.status_code == 200, r.text
    container.messages.deliver_due()
    assert [to for to, _ in container.messages.provider.sent] == [CALLER]


@pytest.mark.parametrize("over", [{"caller_number": None}, {"updates_by_sms": False}])
def test_without_a_number_or_with_updates_off_nothing_is_ever_sent(http, auth, container, over):
    tracking = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(container, **over)).json()["tracking"]
    colaba = station(container, "Colaba Police Station")
    http.post(f"/api/v1/incidents/{tracking}/transfer", headers=auth("dispatcher"),
              json={"station_id": colaba.id, "reason": "nearer to where she is"})
    container.messages.deliver_due()
    assert container.messages.provider.sent == []
    assert rows_waiting(container) == 0


def rows_waiting(c) -> int:
    with c.engine.connect() as conn:
        om = metadata.tables["outbound_messages"]
        return conn.execute(select(func.count()).select_from(om).where(om.c.status != "sent")).scalar_one()


def test_the_screen_shows_what_a_number_called_about_before_in_scope_only(http, auth, container, sms):
    first = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(container)).json()["tracking"]
    container.clock._now += timedelta(hours=2)  # outside the follow-up window: a new incident
    second = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(
        container, answered_at=container.clock.now().isoformat())).json()["tracking"]
    assert second != first
    r = http.post("/api/v1/calls/earlier", headers=auth("dispatcher"), json={"number": "098200 11111"})
    assert r.status_code == 200
    assert [i["tracking"] for i in r.json()["incidents"]] == [second, first]  # newest first
    assert r.json()["incidents"][0]["category"] == "domestic_violence"
    other = http.post("/api/v1/calls/earlier", headers=auth("dispatcher"), json={"number": "+919820099999"}).json()
    assert other == {"incidents": []}
    # another city's call-taker sees none of them
    outside = http.post("/api/v1/calls/earlier", headers=auth("outsider"), json={"number": CALLER}).json()
    assert outside == {"incidents": []}


@pytest.mark.parametrize("over, code", [
    ({"location": {"source": "gps"}}, "invalid_request"),
    ({"location": {"source": "none", "lat": 19.0, "lon": 72.8}}, "invalid_request"),
    ({"category": "burglary"}, "invalid_category"),
    ({"priority": 0}, "invalid_request"),
    ({"what_happened": "  "}, "invalid_request"),
    ({"caller_number": "12"}, "invalid_phone"),
    ({"victim": {"name": "Asha"}}, "victim_is_caller"),
    ({"caller_relation": "stranger"}, "invalid_request"),
    ({"call_id": "short"}, "invalid_request"),
    ({"answered_at": "2020-01-01T00:00:00+00:00"}, "invalid_time"),
    ({"answered_at": "2026-12-04T10:00:00"}, "invalid_request"),  # no zone
    ({"answered_at": None, "answered_seconds_ago": 6 * 3600 + 1}, "invalid_request"),
    ({"answered_at": None, "answered_seconds_ago": -1}, "invalid_request"),
    ({"location": {"source": "gps", "lat": 91, "lon": 72.8}}, "invalid_request"),
])
def test_a_bad_call_is_refused_with_its_code_and_nothing_is_stored(http, auth, container, over, code):
    before = counts(container)
    r = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(container, **over))
    assert 400 <= r.status_code < 500 and r.json()["error"]["code"] == code, r.text
    assert counts(container) == before


def test_only_those_who_manage_incidents_log_calls(http, auth, container):
    assert http.post("/api/v1/calls", json=call(container)).status_code == 401
    for username in ("responder", "admin", "integration", "registry"):
        r = http.post("/api/v1/calls", headers=auth(username), json=call(container))
        assert r.status_code == 403, username
    officer = http.post("/api/v1/calls", headers=auth("officer"), json=call(container))
    assert officer.status_code == 200
    # a station officer's call about a place in another station's area goes there, and says so
    assert officer.json()["in_your_area"] is False and officer.json()["station_name"] == "Bandra Police Station"


def test_the_page_is_the_call_takers_and_nobody_elses(server_url, container):
    client, _ = web_sign_in(server_url, container, "dispatcher")
    page = client.get("/calltaker")
    assert page.status_code == 200 and 'data-testid="call-form"' in page.text and "calltaker.js" in page.text
    assert 'href="/calltaker"' in client.get("/console").text  # in the navigation
    hindi = client.get("/hi/calltaker")
    assert hindi.status_code == 200 and 'lang="hi"' in hindi.text
    responder, _ = web_sign_in(server_url, container, "responder")
    assert responder.get("/calltaker").status_code == 403
    anonymous = httpx.get(f"{server_url}/calltaker", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_a_blank_call_is_kept_out_of_the_queue_and_her_call_back_comes_first(http, auth, container):
    blank = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(
        container, noise="blank", what_happened="", location={"source": "none"}, priority=3,
        category="help_request"))
    assert blank.status_code == 200, blank.text
    logged = blank.json()
    assert logged["noise_kind"] == "blank" and logged["joined"] is False
    incident = http.get(f"/api/v1/incidents/{logged['tracking']}?timeline=true", headers=auth("dispatcher")).json()
    assert incident["noise_kind"] == "blank"
    marked = [e for e in incident["timeline"] if e["kind"] == "marked_noise"]
    assert [(e["actor"], e["detail"]["kind"]) for e in marked] == [("dispatcher", "blank")]
    queue = http.get("/api/v1/incidents", headers=auth("dispatcher")).json()["incidents"]
    assert logged["tracking"] not in [i["tracking"] for i in queue]  # kept, not in the dispatch queue
    # an earlier genuine incident waits in the queue; then she calls back and speaks
    other = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(
        container, caller_number="+919820099990", priority=1)).json()
    container.clock._now += timedelta(minutes=2)
    back = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(
        container, priority=2, category="stalking_harassment", answered_at=container.clock.now().isoformat())).json()
    assert back["tracking"] != logged["tracking"] and back["noise_kind"] is None
    queue = http.get("/api/v1/incidents", headers=auth("dispatcher")).json()["incidents"]
    assert [i["tracking"] for i in queue][:2] == [back["tracking"], other["tracking"]]  # the call back first
    assert "callback_after_blank" in queue[0]["flags"]


def test_a_noise_call_needs_no_words_but_a_genuine_one_does(http, auth, container):
    r = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(container, what_happened="", noise="silent"))
    assert r.status_code == 200 and r.json()["noise_kind"] == "silent"
    bad = http.post("/api/v1/calls", headers=auth("dispatcher"), json=call(container, noise="rude"))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
