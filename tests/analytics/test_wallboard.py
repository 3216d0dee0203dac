"""The supervisor's wallboard (issue 10, point 7) through HTTP, on SQLite and PostgreSQL: open incidents by priority
and age, units by status, the day's answer, dispatch and arrival times per station (median, 90th percentile, the
share within target), the city's local day, and the one scope rule."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import web_sign_in

API = "/api/v1/wallboard"
SENDERS = iter(f"+9198200{n:05d}" for n in range(1, 100000))


@pytest.fixture
def report(make_incident, home_station):
    """An incident at the home station, from a new number each time (no follow-up merging)."""
    def make() -> str:
        return make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon, sender=next(SENDERS))

    return make


@pytest.fixture
def unit(container, station_id):
    def make(call_sign: str) -> int:
        return container.dispatch.create_unit(call_sign, "patrol_van", station_id)["id"]

    return make


def board(http, auth, username: str = "dispatcher") -> dict:
    r = http.get(API, headers=auth(username))
    assert r.status_code == 200, r.text
    return r.json()


def send(container, tracking: str, unit_id: int) -> None:
    """Dispatch and acknowledge at once (the escalation timer would release a silent crew)."""
    container.dispatch.assign(tracking, unit_id)
    container.dispatch.set_status(unit_id, "acknowledged")


def respond(container, tracking: str, unit_id: int, *, dispatch_after: float, arrive_after: float) -> None:
    """Minutes after now: the unit is dispatched, then on scene; then it clears (the incident closes)."""
    container.clock.advance(minutes=dispatch_after)
    send(container, tracking, unit_id)
    container.clock.advance(minutes=arrive_after - dispatch_after)
    container.dispatch.set_status(unit_id, "on_scene")
    container.dispatch.set_status(unit_id, "available")


def test_open_incidents_by_priority_and_age_and_units_by_status(http, auth, container, report, unit):
    old = report()  # 10:00, 70 min old at the end
    container.clock.advance(minutes=50)
    middle = report()  # 20 min old
    container.clock.advance(minutes=17)
    new = report()  # 3 min old
    container.clock.advance(minutes=3)
    for tracking, priority in ((old, 1), (middle, 2), (new, 1)):
        r = http.post(f"/api/v1/incidents/{tracking}/priority", json={"priority": priority, "reason": "wallboard test"},
                      headers=auth("dispatcher"))
        assert r.status_code == 200, r.text
    busy, broken, _free = unit("MUM-PV-101"), unit("MUM-PV-102"), unit("MUM-PV-103")
    send(container, middle, busy)
    container.dispatch.set_status(broken, "out_of_service", reason="flat tyre")

    body = board(http, auth)
    opened = body["open"]
    assert opened["total"] == 3
    assert {p["priority"]: p["count"] for p in opened["by_priority"]} == {1: 2, 2: 1, 3: 0, 4: 0, 5: 0}
    assert {a["bucket"]: a["count"] for a in opened["by_age"]} == {"under_5": 1, "5_15": 0, "15_60": 1, "over_60": 1}
    cells = {(c["bucket"], c["priority"]): c["count"] for c in opened["by_age_and_priority"] if c["count"]}
    assert cells == {("under_5", 1): 1, ("15_60", 2): 1, ("over_60", 1): 1}
    units = body["units"]
    assert units["total"] == 3
    assert {s["status"]: s["count"] for s in units["by_status"]} == {
        "available": 1, "dispatched": 0, "acknowledged": 1, "en_route": 0, "on_scene": 0, "out_of_service": 1}
    assert body["zone"] == "Asia/Kolkata" and body["day"] == "2026-11-22"


def test_the_days_times_median_and_p90_against_target(http, auth, container, report, unit, station_id):
    van = unit("MUM-PV-201")
    a = report()  # 10:00: a note after 30 s, dispatched after 1 min, on scene after 4
    container.clock.advance(seconds=30)
    r = http.post(f"/api/v1/incidents/{a}/notes", json={"text": "called her back"}, headers=auth("dispatcher"))
    assert r.status_code == 201, r.text
    container.clock.advance(seconds=-30)
    respond(container, a, van, dispatch_after=1, arrive_after=4)
    b = report()
    respond(container, b, van, dispatch_after=2, arrive_after=6)
    c = report()
    respond(container, c, van, dispatch_after=3, arrive_after=8)
    d = report()
    respond(container, d, van, dispatch_after=10, arrive_after=20)  # 10 minutes late for Mumbai's 10-minute target

    body = board(http, auth)
    [home] = body["stations"]
    assert home["station_id"] == station_id and home["station_name"] == "Colaba Police Station"
    assert home["incidents"] == 4 and home["target_minutes"] == 10
    assert home["arrival"] == {"count": 4, "median_seconds": 420.0, "p90_seconds": 1200.0}  # 4, 6, 8, 20 min
    assert home["dispatch"] == {"count": 4, "median_seconds": 150.0, "p90_seconds": 600.0}  # 1, 2, 3, 10 min
    assert home["answer"] == {"count": 4, "median_seconds": 150.0, "p90_seconds": 600.0}  # 0.5, 2, 3, 10 min
    assert (home["within_target"], home["decided"], home["share_within_target"]) == (3, 4, 0.75)
    assert body["area"] | {"station_id": station_id, "station_name": "Colaba Police Station", "city": "mumbai"} == home

    # One left waiting past its deadline counts as missed; one closed without a unit is not counted, but was answered.
    report()
    container.clock.advance(minutes=11)
    closed = report()
    container.clock.advance(minutes=1)
    r = http.post(f"/api/v1/incidents/{closed}/close", json={"disposition": "false_alarm", "note": ""},
                  headers=auth("dispatcher"))
    assert r.status_code == 200, r.text
    [home] = board(http, auth)["stations"]
    assert home["incidents"] == 6
    assert (home["within_target"], home["decided"], home["share_within_target"]) == (3, 5, 0.6)
    assert home["answer"] == {"count": 5, "median_seconds": 120.0, "p90_seconds": 600.0}  # 0.5, 1, 2, 3, 10 min
    assert home["arrival"]["count"] == 4


def test_the_sms_acknowledgement_is_not_an_answer(http, auth, container, report):
    report()
    container.clock.advance(minutes=5)
    [home] = board(http, auth)["stations"]
    assert home["incidents"] == 1
    assert home["answer"] == {"count": 0, "median_seconds": None, "p90_seconds": None}


def test_the_day_is_the_citys_local_day(http, auth, container, report):
    report()  # 10:00 in Mumbai, 04:30 UTC
    container.clock.advance(hours=13, minutes=59)  # 23:59 in Mumbai
    assert board(http, auth)["area"]["incidents"] == 1
    container.clock.advance(minutes=2)  # 00:01 in Mumbai the next day; still 18:31 of the same day in UTC
    body = board(http, auth)
    assert body["day"] == "2026-11-23"
    assert body["area"]["incidents"] == 0 and body["stations"] == []
    assert body["open"]["total"] == 1 and body["open"]["by_age"][-1] == {"bucket": "over_60", "count": 1}


def test_each_sees_only_their_area(http, auth, container, report, unit, make_incident, home_station):
    van = unit("MUM-PV-301")
    mine = report()
    respond(container, mine, van, dispatch_after=1, arrive_after=5)
    other = next(s for s in container.stations.all("mumbai") if s.id != home_station.id and s.women_helpline)
    container.dispatch.create_unit("MUM-PV-302", "patrol_van", other.id)
    make_incident(to=other.women_helpline, sender=next(SENDERS))  # another Mumbai station's incident, open

    dispatcher, officer, outsider = board(http, auth), board(http, auth, "officer"), board(http, auth, "outsider")
    assert outsider["open"]["total"] == 0 and outsider["units"]["total"] == 0
    assert outsider["stations"] == [] and outsider["area"]["incidents"] == 0
    assert outsider["area"]["arrival"]["count"] == 0
    assert dispatcher["units"]["total"] == 2 and officer["units"]["total"] == 1
    assert dispatcher["open"]["total"] == 1 and officer["open"]["total"] == 0
    assert sorted(s["station_id"] for s in dispatcher["stations"]) == sorted([home_station.id, other.id])
    assert [s["station_id"] for s in officer["stations"]] == [home_station.id]
    assert board(http, auth, "admin")["units"]["total"] == 2


def test_only_the_supervising_roles_get_the_figures(http, auth):
    assert http.get(API).status_code == 401
    for username in ("responder", "registry"):
        r = http.get(API, headers=auth(username))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_role"
    for username in ("dispatcher", "officer", "admin"):
        assert http.get(API, headers=auth(username)).status_code == 200


def test_the_page_is_linked_for_its_roles_and_translated(server_url, container):
    client, _ = web_sign_in(server_url, container, "dispatcher")
    try:
        page = client.get("/wallboard")
        assert page.status_code == 200
        assert 'href="/wallboard"' in client.get("/console").text
        assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in page.text
        assert 'id="chart-open"' in page.text and 'id="chart-stations"' in page.text
        hindi = client.get("/hi/wallboard").text
        assert "<title>वॉलबोर्ड" in hindi
        block = re.search(r'id="suraksha-messages">(.*?)</script>', hindi, re.S).group(1)
        assert json.loads(block)["messages"]["15-60 min"] == "15-60 मिनट"  # the script's words, in Hindi
        assert client.get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200
        assert "MIT License" in client.get("/static/vendor/chartjs/LICENSE.md").text
    finally:
        client.close()
    responder, _ = web_sign_in(server_url, container, "responder")
    try:
        assert 'href="/wallboard"' not in responder.get("/responder").text
        assert responder.get("/wallboard").status_code == 403
    finally:
        responder.close()
