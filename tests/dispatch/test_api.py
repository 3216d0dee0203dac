"""Dispatch over HTTP, through a live server: who may do what, and what each answer looks like."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from suraksha.core.auth import Role, ScopeKind

ENDPOINTS = [
    ("GET", "/api/v1/units", None),
    ("POST", "/api/v1/units", {"call_sign": "MUM-NS-1", "kind": "nirbhaya_squad", "home_station_id": 1}),
    ("GET", "/api/v1/units/1", None),
    ("POST", "/api/v1/units/1/positions", {"lat": 18.9, "lon": 72.8}),
    ("POST", "/api/v1/units/positions", [{"unit_id": 1, "lat": 18.9, "lon": 72.8}]),
    ("POST", "/api/v1/units/1/status", {"status": "en_route"}),
    ("GET", "/api/v1/incidents/AAAA-2222/recommendations", None),
    ("POST", "/api/v1/incidents/AAAA-2222/assignments", {"unit_id": 1}),
    ("GET", "/api/v1/incidents/AAAA-2222/assignments", None),
]
WRONG_ROLE = [
    ("POST", "/api/v1/units", "dispatcher"),
    ("POST", "/api/v1/units/1/positions", "officer"),
    ("POST", "/api/v1/units/positions", "responder"),
    ("POST", "/api/v1/units/1/status", "officer"),
    ("POST", "/api/v1/units/1/status", "admin"),
    ("GET", "/api/v1/incidents/AAAA-2222/recommendations", "responder"),
    ("GET", "/api/v1/incidents/AAAA-2222/recommendations", "officer"),
    ("POST", "/api/v1/incidents/AAAA-2222/assignments", "officer"),
    ("POST", "/api/v1/incidents/AAAA-2222/assignments", "admin"),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_without_a_token_every_endpoint_answers_401(http, method, path, body):
    r = http.request(method, path, json=body)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path", "username"), WRONG_ROLE)
def test_a_wrong_role_gets_403(http, auth, method, path, username):
    body = next(b for m, p, b in ENDPOINTS if (m, p) == (method, path))
    r = http.request(method, path, json=body, headers=auth(username))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden_role"


def new_unit(http, auth, station_id, call_sign="MUM-NS-014", kind="nirbhaya_squad", user="admin", **where):
    r = http.post("/api/v1/units", json={"call_sign": call_sign, "kind": kind, "home_station_id": station_id, **where},
                  headers=auth(user))
    assert r.status_code == 201, r.text
    return r.json()


def crew_headers(container, unit_id: int, station_id: int) -> dict:
    principal = container.accounts.create_account(
        f"crew{unit_id}", "correct horse battery staple", Role.RESPONDER, ScopeKind.STATION, str(station_id),
        unit_id=unit_id,
    )
    token, _ = container.accounts.issue_token(principal)
    return {"Authorization": f"Bearer {token}"}


def test_units_are_created_by_admins_and_their_own_stations_officers(http, auth, container, station_id):
    unit = new_unit(http, auth, station_id, user="officer")
    anchor = container.stations.get(station_id).anchor
    assert unit["call_sign"] == "MUM-NS-014" and unit["status"] == "available"
    assert (unit["lon"], unit["lat"], unit["stale"]) == (anchor.lon, anchor.lat, True)
    other = next(s.id for s in container.stations.all("mumbai") if s.id != station_id)
    r = http.post("/api/v1/units", json={"call_sign": "MUM-PV-2", "kind": "patrol_van", "home_station_id": other},
                  headers=auth("officer"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "out_of_scope"
    new_unit(http, auth, other, call_sign="MUM-PV-2", kind="patrol_van", user="admin")
    r = http.post("/api/v1/units", json={"call_sign": "MUM-NS-014", "kind": "patrol_van", "home_station_id": other},
                  headers=auth("admin"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "call_sign_taken"
    r = http.post("/api/v1/units", json={"call_sign": "MUM-X-1", "kind": "tank", "home_station_id": other},
                  headers=auth("admin"))
    assert r.status_code == 422


def test_units_are_listed_within_the_viewers_area(http, auth, station_id):
    new_unit(http, auth, station_id)
    for user in ("dispatcher", "officer", "responder", "admin"):
        r = http.get("/api/v1/units", headers=auth(user))
        assert r.status_code == 200
        assert [u["call_sign"] for u in r.json()["units"]] == ["MUM-NS-014"], user
    assert http.get("/api/v1/units", headers=auth("outsider")).json()["units"] == []
    [at_home] = http.get(f"/api/v1/units?station_id={station_id}", headers=auth("admin")).json()["units"]
    assert at_home["city"] == "mumbai"
    assert http.get("/api/v1/units?city=bengaluru", headers=auth("admin")).json()["units"] == []


def test_positions_move_a_unit_and_old_ones_become_stale(http, auth, container, station_id):
    unit = new_unit(http, auth, station_id)
    r = http.post(f"/api/v1/units/{unit['id']}/positions", json={"lat": 18.915, "lon": 72.83},
                  headers=auth("dispatcher"))
    assert r.status_code == 200, r.text
    moved = r.json()
    assert (moved["lat"], moved["lon"], moved["stale"], moved["position_age_seconds"]) == (18.915, 72.83, False, 0)
    container.clock.advance(minutes=11)
    [listed] = http.get("/api/v1/units", headers=auth("dispatcher")).json()["units"]
    assert listed["stale"] is True and listed["position_age_seconds"] == 660


@pytest.mark.parametrize(
    "body", [{"lat": 91, "lon": 72.8}, {"lat": 18.9, "lon": 200}, {"lat": 18.9, "lon": 72.8, "recorded_at": "FUTURE"}],
)
def test_impossible_positions_are_refused(http, auth, container, station_id, body):
    unit = new_unit(http, auth, station_id)
    if body.get("recorded_at") == "FUTURE":
        body = {**body, "recorded_at": (container.clock.now() + timedelta(minutes=5)).isoformat()}
    r = http.post(f"/api/v1/units/{unit['id']}/positions", json=body, headers=auth("dispatcher"))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_position"
    assert http.get(f"/api/v1/units/{unit['id']}", headers=auth("dispatcher")).json()["position_at"] is None


def test_a_responder_reports_only_for_their_own_unit(http, auth, container, station_id):
    mine = new_unit(http, auth, station_id)
    other = new_unit(http, auth, station_id, call_sign="MUM-PV-2", kind="patrol_van")
    crew = crew_headers(container, mine["id"], station_id)
    r = http.post(f"/api/v1/units/{mine['id']}/positions", json={"lat": 18.91, "lon": 72.83}, headers=crew)
    assert r.status_code == 200
    r = http.post(f"/api/v1/units/{other['id']}/positions", json={"lat": 18.91, "lon": 72.83}, headers=crew)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_unit"
    r = http.post(f"/api/v1/units/{mine['id']}/positions", json={"lat": 18.91, "lon": 72.83}, headers=auth("responder"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_unit"  # a responder with no unit
    r = http.post(f"/api/v1/units/{mine['id']}/positions", json={"lat": 18.91, "lon": 72.83}, headers=auth("outsider"))
    assert r.status_code == 403


def test_a_gateway_posts_positions_in_bulk(http, auth, station_id):
    a = new_unit(http, auth, station_id)
    new_unit(http, auth, station_id, call_sign="MUM-PV-2", kind="patrol_van")
    r = http.post("/api/v1/units/positions", headers=auth("admin"), json=[
        {"unit_id": a["id"], "lat": 18.91, "lon": 72.83},
        {"call_sign": "MUM-PV-2", "lat": 18.92, "lon": 72.84},
        {"call_sign": "MUM-NOPE-1", "lat": 18.92, "lon": 72.84},
        {"unit_id": a["id"], "lat": -95, "lon": 72.84},
    ])
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 2
    assert [(x["index"], x["code"]) for x in r.json()["rejected"]] == [(2, "unit_not_found"), (3, "invalid_position")]
    units = {u["call_sign"]: u for u in http.get("/api/v1/units", headers=auth("admin")).json()["units"]}
    assert (units["MUM-NS-014"]["lat"], units["MUM-PV-2"]["lat"]) == (18.91, 18.92)


def test_recommend_assign_and_follow_each_step(http, auth, container, station_id, home_station, make_incident):
    tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)
    near = new_unit(http, auth, station_id, lon=home_station.anchor.lon, lat=home_station.anchor.lat + 0.004)
    new_unit(http, auth, station_id, call_sign="MUM-PV-2", kind="patrol_van", lon=72.85, lat=19.0)
    r = http.get(f"/api/v1/incidents/{tracking.lower()}/recommendations?limit=1", headers=auth("dispatcher"))
    assert r.status_code == 200, r.text
    [rec] = r.json()["recommendations"]
    assert r.json()["tracking"] == tracking
    assert (rec["unit_id"], rec["call_sign"], rec["kind"]) == (near["id"], "MUM-NS-014", "nirbhaya_squad")
    assert rec["stale"] is False
    assert rec["home_station_id"] == station_id and rec["status"] == "available"
    assert 400 < rec["distance_m"] < 500 and rec["eta_seconds"] > 0 and rec["position_age_seconds"] == 0

    r = http.post(f"/api/v1/incidents/{tracking}/assignments", json={"unit_id": near["id"]}, headers=auth("dispatcher"))
    assert r.status_code == 201, r.text
    assert r.json()["call_sign"] == "MUM-NS-014" and r.json()["step"] == "dispatched"
    again = http.post(f"/api/v1/incidents/{tracking}/assignments", json={"unit_id": near["id"]},
                      headers=auth("dispatcher"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "unit_not_available"

    crew = crew_headers(container, near["id"], station_id)
    container.clock.advance(minutes=4)
    for status in ("en_route", "on_scene"):
        r = http.post(f"/api/v1/units/{near['id']}/status", json={"status": status}, headers=crew)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == status
    incident = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()
    assert incident["status"] == "on_scene" and incident["response_seconds"] == 240
    [job] = http.get(f"/api/v1/incidents/{tracking}/assignments", headers=auth("officer")).json()["assignments"]
    assert job["step"] == "on_scene" and job["cleared_at"] is None
    assert datetime.fromisoformat(job["on_scene_at"]) == container.clock.now()


def test_status_changes_the_rules_refuse(http, auth, station_id):
    unit = new_unit(http, auth, station_id)
    r = http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "on_scene"}, headers=auth("dispatcher"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    r = http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "dispatched"}, headers=auth("dispatcher"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_status"
    r = http.post("/api/v1/units/424242/status", json={"status": "en_route"}, headers=auth("dispatcher"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "unit_not_found"


def test_an_outsider_sees_no_incident_of_another_city(http, auth, station_id, home_station, make_incident):
    tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)
    unit = new_unit(http, auth, station_id)
    r = http.get(f"/api/v1/incidents/{tracking}/recommendations", headers=auth("outsider"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "incident_not_found"
    assert http.get(f"/api/v1/incidents/{tracking}/assignments", headers=auth("outsider")).status_code == 404
    r = http.post(f"/api/v1/incidents/{tracking}/assignments", json={"unit_id": unit["id"]}, headers=auth("outsider"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "out_of_scope"
    r = http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "out_of_service"}, headers=auth("outsider"))
    assert r.status_code == 403
    assert http.get(f"/api/v1/units/{unit['id']}", headers=auth("outsider")).status_code == 403


def test_recommendation_limits_are_checked(http, auth, home_station, make_incident):
    tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)
    for limit in (0, 51):
        r = http.get(f"/api/v1/incidents/{tracking}/recommendations?limit={limit}", headers=auth("dispatcher"))
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_limit"
    r = http.get("/api/v1/incidents/ZZZZ-9999/recommendations", headers=auth("dispatcher"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "incident_not_found"
