"""Response-time targets (issue 10): data an administrator edits; each incident carries its deadline from receipt,
by its state, its station's area class, its priority and category; the console counts down, amber then red."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from suraksha.core.auth import Role, ScopeKind
from suraksha.targets.model import AreaClass, Target, choose
from tests.conftest import add_account


def test_the_most_specific_target_applies():
    targets = [Target(1, "*", AreaClass.URBAN, None, None, 20, ""), Target(2, "MH", AreaClass.URBAN, None, None, 10, ""),
               Target(3, "MH", AreaClass.URBAN, 1, None, 7, ""),
               Target(4, "MH", AreaClass.URBAN, None, "child_at_risk", 8, ""),
               Target(5, "MH", AreaClass.RURAL, None, None, 15, "")]
    assert choose(targets, "MH", AreaClass.URBAN, 2, "stalking_harassment").id == 2
    assert choose(targets, "MH", AreaClass.URBAN, 1, "stalking_harassment").id == 3
    assert choose(targets, "MH", AreaClass.URBAN, 1, "child_at_risk").id == 4  # category before priority
    assert choose(targets, "MH", AreaClass.RURAL, 1, "cyber").id == 5
    assert choose(targets, "KA", AreaClass.URBAN, 1, "cyber").id == 1
    assert choose(targets, "KA", AreaClass.RURAL, 1, "cyber") is None


def test_the_published_targets_are_there_and_every_staff_account_reads_them(http, auth):
    assert http.get("/api/v1/response-targets").status_code == 401
    found = http.get("/api/v1/response-targets", headers=auth("responder")).json()["targets"]
    got = {(t["state"], t["area_class"]): t["minutes"] for t in found}
    assert got == {("MH", "urban"): 10, ("MH", "rural"): 15, ("MP", "urban"): 5, ("MP", "rural"): 30,
                   ("PB", "urban"): 8, ("PB", "rural"): 8}
    assert all(t["source"] for t in found)


def test_an_incident_carries_its_deadline_and_the_target_follows_the_data(http, auth, container, make_incident,
                                                                          home_station):
    tracking = make_incident()  # a P1 to Colaba (Mumbai, Maharashtra, urban)
    body = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()
    received = datetime.fromisoformat(body["received_at"])
    assert (body["target_minutes"], body["area_class"]) == (10, "urban")
    assert datetime.fromisoformat(body["respond_by"]) == received + timedelta(minutes=10)
    # a P1-specific target for Maharashtra's cities: more specific, so it applies
    r = http.put("/api/v1/response-targets", headers=auth("admin"),
                 json={"state": "MH", "area_class": "urban", "priority": 1, "minutes": 7, "source": "test circular"})
    assert r.status_code == 200, r.text
    queue = http.get("/api/v1/incidents", headers=auth("dispatcher")).json()["incidents"]
    assert next(i for i in queue if i["tracking"] == tracking)["target_minutes"] == 7
    # the station is rural after all: the rural target applies
    r = http.put(f"/api/v1/stations/{home_station.id}/area-class", json={"area_class": "rural"}, headers=auth("admin"))
    assert r.status_code == 200 and r.json() == {"station_id": home_station.id, "area_class": "rural"}
    body = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()
    assert (body["target_minutes"], body["area_class"]) == (15, "rural")
    # the same rule again changes its minutes, it does not add a second one
    again = http.put("/api/v1/response-targets", headers=auth("admin"),
                     json={"state": "MH", "area_class": "rural", "minutes": 12}).json()
    assert again["minutes"] == 12
    assert len(http.get("/api/v1/response-targets", headers=auth("admin")).json()["targets"]) == 7
    left = http.delete(f"/api/v1/response-targets/{again['id']}", headers=auth("admin"))
    assert left.status_code == 200 and again["id"] not in [t["id"] for t in left.json()["targets"]]
    body = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()
    assert (body["respond_by"], body["target_minutes"]) == (None, None)  # no rural target for MH left: none


@pytest.mark.parametrize(("body", "code"), [
    ({"state": "Maharashtra", "area_class": "urban", "minutes": 10}, "invalid_request"),
    ({"state": "mh", "area_class": "suburban", "minutes": 10}, "invalid_request"),
    ({"state": "MH", "area_class": "urban", "minutes": 0}, "invalid_request"),
    ({"state": "M1", "area_class": "urban", "minutes": 10}, "invalid_state"),
    ({"state": "MH", "area_class": "urban", "minutes": 10, "category": "not a code!"}, "invalid_category"),
])
def test_bad_targets_get_a_clear_4xx(http, auth, body, code):
    r = http.put("/api/v1/response-targets", json=body, headers=auth("admin"))
    assert r.status_code == 422 and r.json()["error"]["code"] == code


def test_who_may_change_targets(http, auth, container):
    add_account(container, "admin_ka", Role.ADMIN, ScopeKind.STATE, "KA")
    ka = {"state": "KA", "area_class": "urban", "minutes": 12}
    assert http.put("/api/v1/response-targets", json=ka, headers=auth("admin_ka")).status_code == 200
    r = http.put("/api/v1/response-targets", json=ka | {"state": "MH"}, headers=auth("admin_ka"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope")
    r = http.put("/api/v1/response-targets", json=ka | {"state": "*"}, headers=auth("admin_ka"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope")
    r = http.put("/api/v1/response-targets", json=ka, headers=auth("dispatcher"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden_role")
    assert http.put("/api/v1/response-targets", json=ka | {"state": "*"}, headers=auth("admin")).status_code == 200
