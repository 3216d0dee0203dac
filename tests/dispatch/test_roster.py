"""Rosters, crews and the unit's log (issue 10): a rostered unit is sent only on shift; a Nirbhaya squad's shift
names its woman officer; crews are its station's responders; every change is in the unit's log with who and when."""

from __future__ import annotations

from datetime import timedelta

from suraksha.core.auth import Role, ScopeKind
from tests.conftest import TEST_PASSWORD
from tests.dispatch.test_api import new_unit


def shift(container, start_min: int, end_min: int, **over) -> dict:
    now = container.clock.now()
    return {"starts_at": (now + timedelta(minutes=start_min)).isoformat(),
            "ends_at": (now + timedelta(minutes=end_min)).isoformat(), "woman_officer": "PSI Sunita Jadhav",
            "crew": "HC Patil, PC More, driver Shaikh"} | over


def recommended(container, station_id) -> list[str]:
    a = container.stations.get(station_id).anchor
    return [r["call_sign"] for r in container.dispatch.recommend_at(a.lon, a.lat, 5)]


def test_a_rostered_unit_is_sent_only_on_shift(http, auth, container, station_id):
    unit = new_unit(http, auth, station_id)
    assert recommended(container, station_id) == ["MUM-NS-014"]  # no roster: round the clock
    r = http.post(f"/api/v1/units/{unit['id']}/shifts", json=shift(container, 60, 60 * 9), headers=auth("officer"))
    assert r.status_code == 201, r.text
    roster = r.json()
    assert (roster["rostered"], roster["on_duty"], len(roster["shifts"])) == (True, False, 1)
    assert recommended(container, station_id) == []  # its shift starts in an hour
    container.clock.advance(minutes=61)
    assert recommended(container, station_id) == ["MUM-NS-014"]
    assert http.get(f"/api/v1/units/{unit['id']}/roster", headers=auth("dispatcher")).json()["on_duty"] is True
    r = http.post(f"/api/v1/shifts/{roster['shifts'][0]['id']}/cancel", headers=auth("officer"))
    assert r.status_code == 200 and r.json()["on_duty"] is False
    assert recommended(container, station_id) == []
    r = http.post(f"/api/v1/shifts/{roster['shifts'][0]['id']}/cancel", headers=auth("officer"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "shift_cancelled"


def test_shift_rules(http, auth, container, station_id):
    squad = new_unit(http, auth, station_id)
    van = new_unit(http, auth, station_id, call_sign="MUM-PV-7", kind="patrol_van")
    path = f"/api/v1/units/{squad['id']}/shifts"
    for body, code in ((shift(container, 0, 60, woman_officer=""), "woman_officer_required"),
                       (shift(container, 60, 30), "invalid_shift"),
                       (shift(container, 0, 60 * 25), "invalid_shift"),
                       (shift(container, -120, -60), "invalid_shift")):
        r = http.post(path, json=body, headers=auth("officer"))
        assert (r.status_code, r.json()["error"]["code"]) == (422, code), body
    assert http.post(path, json=shift(container, 0, 480), headers=auth("officer")).status_code == 201
    r = http.post(path, json=shift(container, 240, 600), headers=auth("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "shift_overlaps")
    r = http.post(f"/api/v1/units/{van['id']}/shifts", json=shift(container, 0, 480, woman_officer=""),
                  headers=auth("officer"))
    assert r.status_code == 201  # a patrol van needs no named woman officer


def test_who_may_keep_rosters_and_crews(http, auth, container, station_id):
    unit = new_unit(http, auth, station_id)
    other = next(s.id for s in container.stations.all("mumbai") if s.id != station_id)
    theirs = new_unit(http, auth, other, call_sign="MUM-NS-900", user="admin")
    r = http.post(f"/api/v1/units/{theirs['id']}/shifts", json=shift(container, 0, 60), headers=auth("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope")
    r = http.post(f"/api/v1/units/{unit['id']}/shifts", json=shift(container, 0, 60), headers=auth("dispatcher"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden_role")
    # crews: its own station's responders, set by its officers
    container.accounts.create_account("crew_far", TEST_PASSWORD, Role.RESPONDER, ScopeKind.STATION, str(other))
    r = http.put(f"/api/v1/units/{unit['id']}/crew", json={"usernames": ["responder"]}, headers=auth("officer"))
    assert r.status_code == 200 and [m["username"] for m in r.json()["crew"]] == ["responder"]
    r = http.put(f"/api/v1/units/{unit['id']}/crew", json={"usernames": ["crew_far"]}, headers=auth("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "crew_out_of_area")
    r = http.put(f"/api/v1/units/{unit['id']}/crew", json={"usernames": ["nobody"]}, headers=auth("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "account_not_found")
    assert [m["username"] for m in http.get(f"/api/v1/units/{unit['id']}/crew",
                                            headers=auth("dispatcher")).json()["crew"]] == ["responder"]
    r = http.put(f"/api/v1/units/{unit['id']}/crew", json={"usernames": []}, headers=auth("officer"))
    assert r.json()["crew"] == []


def test_every_change_to_a_unit_is_in_its_log(http, auth, container, station_id, make_incident):
    unit = new_unit(http, auth, station_id)
    tracking = make_incident()
    http.post(f"/api/v1/units/{unit['id']}/shifts", json=shift(container, -10, 470), headers=auth("officer"))
    http.post(f"/api/v1/incidents/{tracking}/assignments", json={"unit_id": unit["id"]}, headers=auth("dispatcher"))
    http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "on_scene"}, headers=auth("dispatcher"))
    http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "available"}, headers=auth("dispatcher"))
    http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "out_of_service", "reason": "fuel"},
              headers=auth("dispatcher"))
    http.put(f"/api/v1/units/{unit['id']}/crew", json={"usernames": ["responder"]}, headers=auth("officer"))
    log = http.get(f"/api/v1/units/{unit['id']}/log", headers=auth("officer")).json()["log"]
    entries = [(e["change"], e["by"], e["detail"]) for e in reversed(log)]
    assert [c for c, _, _ in entries] == ["created", "shift_added", "status", "status", "status", "status", "crew"]
    assert entries[2] == ("status", "dispatcher", f"available -> dispatched to {tracking}")
    assert entries[3][2] == f"dispatched -> on_scene on {tracking}"
    assert entries[5] == ("status", "dispatcher", "available -> out_of_service: fuel")
    assert entries[6] == ("crew", "officer", "- -> responder")
    assert all(e["at"] for e in log)


def test_the_units_pages_keep_shifts_crews_and_service(server_url, container, station_id):
    from tests.conftest import csrf_of, web_sign_in

    client, _ = web_sign_in(server_url, container, "officer")
    try:
        page = client.get("/units")
        assert page.status_code == 200 and 'data-testid="unit-list"' in page.text
        r = client.post("/units", data={"csrf": csrf_of(page.text), "call_sign": "bad sign!", "kind": "patrol_van",
                                        "home_station_id": str(station_id)})
        assert r.status_code == 422 and "not a call sign" in r.text
        r = client.post("/units", data={"csrf": csrf_of(page.text), "call_sign": "MUM-NS-050",
                                        "kind": "nirbhaya_squad", "home_station_id": str(station_id)})
        assert r.status_code == 303, r.text
        unit_path = r.headers["location"].split("?")[0]
        page = client.get(unit_path)
        assert page.status_code == 200 and "MUM-NS-050" in page.text and "no roster: round the clock" in page.text
        csrf = csrf_of(page.text)
        r = client.post(f"{unit_path}/shifts", data={"csrf": csrf, "starts_at": "2026-11-22T09:00",
                                                     "ends_at": "2026-11-22T17:00", "woman_officer": "",
                                                     "crew": "HC Patil"})
        assert r.status_code == 422 and "woman officer" in r.text
        r = client.post(f"{unit_path}/shifts", data={"csrf": csrf, "starts_at": "2026-11-22T09:00",
                                                     "ends_at": "2026-11-22T17:00", "woman_officer": "PSI Jadhav",
                                                     "crew": "HC Patil"})
        assert r.status_code == 303
        page = client.get(unit_path)
        assert 'data-testid="shift"' in page.text and "PSI Jadhav" in page.text and "on duty" in page.text
        r = client.post(f"{unit_path}/crew", data={"csrf": csrf, "crew": ["responder"]})
        assert r.status_code == 303
        r = client.post(f"{unit_path}/status", data={"csrf": csrf, "status": "out_of_service", "reason": ""})
        assert r.status_code == 422
        r = client.post(f"{unit_path}/status", data={"csrf": csrf, "status": "out_of_service", "reason": "puncture"})
        assert r.status_code == 303
        page = client.get(unit_path)
        assert "puncture" in page.text and "shift added" in page.text and "- -&gt; responder" in page.text
        hindi = client.get(f"/hi{unit_path}")
        assert '<html lang="hi"' in hindi.text
    finally:
        client.close()
    client, _ = web_sign_in(server_url, container, "dispatcher")
    try:
        assert client.get("/units").status_code == 403
    finally:
        client.close()
