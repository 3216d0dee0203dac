"""The responder's screen over HTTP: who may open it, what a responder without a unit is told, what the crew's view
gives (her number only by need-to-know), and a disposition given when the last unit clears."""

from __future__ import annotations

import pytest

from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.errors import InvalidInput
from suraksha.dispatch.model import UnitStatus, check_disposition, crew_steps
from tests.conftest import web_sign_in
from tests.dispatch.test_api import crew_headers, new_unit

ADMIN = Principal(0, "tests", Role.ADMIN, ScopeKind.NATIONAL, "")


# ------------------------------------------------------------------ the rules


def test_the_crew_is_offered_only_the_steps_its_unit_may_take():
    assert crew_steps(UnitStatus.DISPATCHED, True) == ["acknowledged", "en_route", "on_scene", "available"]
    assert crew_steps(UnitStatus.ACKNOWLEDGED, True) == ["en_route", "on_scene", "available"]
    assert crew_steps(UnitStatus.EN_ROUTE, True) == ["on_scene", "available"]
    assert crew_steps(UnitStatus.ON_SCENE, True) == ["available"]
    assert crew_steps(UnitStatus.AVAILABLE, False) == []
    assert crew_steps(UnitStatus.OUT_OF_SERVICE, False) == ["available"]  # back in service


def test_a_disposition_goes_only_with_clearing():
    assert check_disposition(UnitStatus.AVAILABLE, " false_alarm ") == "false_alarm"
    assert check_disposition(UnitStatus.ON_SCENE, "") is None
    with pytest.raises(InvalidInput) as e:
        check_disposition(UnitStatus.ON_SCENE, "false_alarm")
    assert e.value.code == "invalid_disposition"


# ------------------------------------------------------------------ the page


def test_a_responder_lands_on_the_responders_screen(server_url, container):
    client, r = web_sign_in(server_url, container, "responder")
    try:
        assert r.status_code == 303 and r.headers["location"] == "/responder"
        page = client.get("/responder")
        assert '<a href="/responder">Responder</a>' in page.text
    finally:
        client.close()


def test_a_responder_who_crews_no_unit_is_told_whom_to_ask(server_url, container):
    client, _ = web_sign_in(server_url, container, "responder")  # the baseline responder crews no unit
    try:
        page = client.get("/responder")
        assert page.status_code == 200
        assert 'data-testid="no-unit"' in page.text and "does not crew a unit" in page.text
        assert "Ask your station officer (or an administrator)" in page.text
        assert 'id="map"' not in page.text and "responder.js" not in page.text
        hindi = client.get("/hi/responder")
        assert hindi.status_code == 200 and "Ask your station officer" not in hindi.text
    finally:
        client.close()


def test_a_responder_whose_unit_was_removed_is_told_the_same(server_url, container, station_id):
    from tests.conftest import add_account

    add_account(container, "ghost", Role.RESPONDER, ScopeKind.STATION, str(station_id), unit_id=999_999)
    client, _ = web_sign_in(server_url, container, "ghost")
    try:
        page = client.get("/responder")
        assert page.status_code == 200 and 'data-testid="no-unit"' in page.text
    finally:
        client.close()


@pytest.mark.parametrize("username", ["dispatcher", "officer", "admin", "registry"])
def test_other_roles_get_the_403_page(server_url, container, username):
    client, _ = web_sign_in(server_url, container, username)
    try:
        page = client.get("/responder", headers={"accept": "text/html"})
        assert page.status_code == 403 and 'data-testid="error"' in page.text and "role has no responder" in page.text
        assert "Traceback" not in page.text and 'data-testid="responder"' not in page.text
        answer = client.get("/responder", headers={"accept": "application/json"})
        assert answer.json()["error"]["code"] == "forbidden_role"
        assert '<a href="/responder">' not in client.get("/directory").text  # not in their navigation
    finally:
        client.close()


def test_without_a_session_the_page_sends_to_sign_in(http):
    r = http.get("/responder", headers={"accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/responder"


def test_the_page_may_ask_for_the_phones_location(server_url, container, station_id):
    unit = container.dispatch.create_unit("MUM-NS-601", "nirbhaya_squad", station_id)
    from tests.conftest import add_account

    add_account(container, "crew601", Role.RESPONDER, ScopeKind.STATION, str(station_id), unit_id=unit["id"])
    client, _ = web_sign_in(server_url, container, "crew601")
    try:
        page = client.get("/responder")
        assert page.status_code == 200 and "MUM-NS-601" in page.text and "/static/responder.js" in page.text
        assert "geolocation=(self)" in page.headers["permissions-policy"]
        assert "geolocation=()" in client.get("/console").headers["permissions-policy"]
    finally:
        client.close()


# ------------------------------------------------------------------ the crew's view


def test_the_crews_view_gives_what_the_crew_needs_and_her_number(http, auth, container, station_id, home_station,
                                                                 make_incident):
    unit = new_unit(http, auth, station_id)
    other = new_unit(http, auth, station_id, call_sign="MUM-NS-015")
    crew = crew_headers(container, unit["id"], station_id)
    idle = http.get(f"/api/v1/units/{unit['id']}/assignment", headers=crew).json()
    assert (idle["assignment"], idle["incident"], idle["next_statuses"]) == (None, None, [])

    tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)
    container.dispatch.assign(tracking, unit["id"])
    view = http.get(f"/api/v1/units/{unit['id']}/assignment", headers=crew).json()
    incident = view["incident"]
    assert incident["tracking"] == tracking and incident["priority"] == 1 and incident["location_known"] is True
    assert (incident["lat"], incident["lon"]) == (home_station.anchor.lat, home_station.anchor.lon)
    assert incident["station_name"] == home_station.name and incident["contacts"] == ["+919820012345"]
    assert "messages" not in incident  # only what the crew needs
    assert view["next_statuses"] == ["acknowledged", "en_route", "on_scene", "available"]
    assert view["assignment"]["tracking"] == tracking and view["unit"]["status"] == "dispatched"

    r = http.get(f"/api/v1/units/{other['id']}/assignment", headers=crew)  # another unit's crew screen
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_unit"
    r = http.get(f"/api/v1/units/{unit['id']}/assignment", headers=auth("responder"))  # crews no unit
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_unit"
    r = http.get(f"/api/v1/units/{unit['id']}/assignment", headers=auth("dispatcher"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_role"


def test_a_crew_sent_outside_its_station_still_sees_its_incident(http, auth, container, station_id, make_incident):
    far = next(s for s in container.stations.all("mumbai") if s.id != station_id and s.women_helpline)
    unit = new_unit(http, auth, station_id)
    crew = crew_headers(container, unit["id"], station_id)
    tracking = make_incident("Help me", to=far.women_helpline)
    container.dispatch.assign(tracking, unit["id"])
    incident = http.get(f"/api/v1/units/{unit['id']}/assignment", headers=crew).json()["incident"]
    assert incident["tracking"] == tracking and incident["station_id"] == far.id
    assert incident["location_known"] is False and incident["lat"] is None


# ------------------------------------------------------------------ clearing with a disposition


def clear(http, unit_id, crew, disposition=None):
    body = {"status": "available"} | ({"disposition": disposition} if disposition is not None else {})
    return http.post(f"/api/v1/units/{unit_id}/status", json=body, headers=crew)


def test_the_last_unit_to_clear_closes_the_incident_with_the_crews_disposition(http, auth, container, station_id,
                                                                               make_incident):
    first, last = new_unit(http, auth, station_id), new_unit(http, auth, station_id, call_sign="MUM-NS-015")
    tracking = make_incident()
    for unit in (first, last):
        container.dispatch.assign(tracking, unit["id"])
        container.dispatch.set_status(unit["id"], "on_scene")
    crew_first, crew_last = crew_headers(container, first["id"], station_id), crew_headers(container, last["id"],
                                                                                            station_id)
    r = http.post(f"/api/v1/units/{first['id']}/status", json={"status": "on_scene", "disposition": "false_alarm"},
                  headers=crew_first)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_disposition"
    r = clear(http, first["id"], crew_first, "no_such_outcome")
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_disposition"
    assert container.dispatch.get_unit(first["id"])["status"] == "on_scene"  # nothing changed

    assert clear(http, first["id"], crew_first, "attended_resolved").status_code == 200
    assert container.incidents.view(ADMIN, tracking)["status"] != "closed"  # another unit is still on it
    assert clear(http, last["id"], crew_last, "referred_counselling").status_code == 200
    closed = container.incidents.view(ADMIN, tracking)
    assert (closed["status"], closed["disposition_code"]) == ("closed", "referred_counselling")
    assert closed["closed_by"] == "MUM-NS-015"


def test_clearing_without_a_disposition_closes_as_attended_and_resolved(http, auth, container, station_id,
                                                                        make_incident):
    unit = new_unit(http, auth, station_id)
    crew = crew_headers(container, unit["id"], station_id)
    tracking = make_incident()
    container.dispatch.assign(tracking, unit["id"])
    assert clear(http, unit["id"], crew).status_code == 200
    assert container.incidents.view(ADMIN, tracking)["disposition_code"] == "attended_resolved"
    container.dispatch.set_status(unit["id"], "out_of_service", reason="fuel")
    r = clear(http, unit["id"], crew, "false_alarm")  # back in service: there is no incident to close
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_disposition"
