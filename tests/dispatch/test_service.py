"""Dispatch with the real intake, stations and database: an SMS becomes an incident, a unit goes, arrives, clears."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from suraksha.adapters.outbox import events_table
from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.errors import Conflict, Forbidden, NotFound
from suraksha.dispatch import store

DISPATCHER = Principal(0, "dispatcher", Role.DISPATCHER, ScopeKind.CITY, "mumbai")
OUTSIDER = Principal(0, "outsider", Role.DISPATCHER, ScopeKind.CITY, "bengaluru")


def north_of(anchor, metres: float) -> tuple[float, float]:
    return anchor.lon, anchor.lat + metres / 110_574.0


def event_types(container) -> list[str]:
    with container.engine.connect() as conn:
        return [r.type for r in conn.execute(select(events_table.c.type).order_by(events_table.c.id))]


def test_a_unit_goes_arrives_and_clears_and_the_incident_follows(container, home_station, make_incident):
    d = container.dispatch
    anchor = home_station.anchor
    tracking = make_incident(lat=anchor.lat, lon=anchor.lon)
    near = d.create_unit("MUM-NS-014", "nirbhaya_squad", home_station.id, *north_of(anchor, 400))["id"]
    far = d.create_unit("MUM-PV-002", "patrol_van", home_station.id, *north_of(anchor, 2500))["id"]
    assert [r["unit_id"] for r in d.recommend(tracking, principal=DISPATCHER)] == [near, far]

    container.clock.advance(minutes=1)
    d.assign(tracking, near, DISPATCHER)
    incident = container.incidents.view(DISPATCHER, tracking)
    assert incident["status"] == "dispatched"
    assert incident["first_dispatched_at"] == (container.clock.now()).isoformat()
    assert [r["unit_id"] for r in d.recommend(tracking)] == [far]

    container.clock.advance(minutes=1)
    d.set_status(near, "en_route")
    assert container.incidents.view(DISPATCHER, tracking)["status"] == "en_route"
    container.clock.advance(minutes=5)
    d.set_status(near, "on_scene")
    incident = container.incidents.view(DISPATCHER, tracking)
    assert incident["status"] == "on_scene" and incident["response_seconds"] == 7 * 60
    told = [m["body"] for m in incident["outbound"]]
    assert any("MUM-NS-014 has been dispatched" in b for b in told)
    assert any("MUM-NS-014 has arrived" in b for b in told)

    container.clock.advance(minutes=15)
    d.set_status(near, "available")
    assert container.incidents.view(DISPATCHER, tracking)["status"] == "closed"
    [job] = d.timeline(tracking, principal=DISPATCHER)
    start = datetime.fromisoformat(incident["received_at"])
    assert [job[k] - start for k in ("dispatched_at", "en_route_at", "on_scene_at", "cleared_at")] == [
        timedelta(minutes=m) for m in (1, 2, 7, 22)
    ]
    assert job["seconds_to_arrive"] == 7 * 60
    types = event_types(container)
    for expected in ("UnitCreated", "UnitDispatched", "UnitStatusChanged"):
        assert expected in types


def test_without_the_callers_location_units_are_ordered_from_the_anchor_without_distances(
        container, home_station, make_incident):
    d = container.dispatch
    tracking = make_incident("Please help, I am scared", sender="+919820099999")
    assert container.incidents.view(DISPATCHER, tracking)["location_known"] is False
    unit_id = d.create_unit("MUM-BM-7", "beat_marshal", home_station.id, *north_of(home_station.anchor, 1000))["id"]
    [rec] = d.recommend(tracking)
    assert rec["unit_id"] == unit_id
    assert (rec["distance_m"], rec["eta_seconds"], rec["location_known"]) == (None, None, False)
    assert "location unknown" in rec["reason"] and "anchor point" in rec["reason"]


def test_a_new_unit_waits_at_its_station_anchor_until_its_first_fix(container, home_station):
    unit = container.dispatch.create_unit("MUM-PV-9", "patrol_van", home_station.id)
    assert (unit["lon"], unit["lat"]) == (home_station.anchor.lon, home_station.anchor.lat)
    assert unit["stale"] is True and unit["city"] == home_station.city
    with pytest.raises(NotFound):
        container.dispatch.create_unit("MUM-PV-10", "patrol_van", 987654)


def test_assigning_to_a_closed_or_foreign_or_unknown_incident_changes_nothing(container, home_station, make_incident):
    d = container.dispatch
    tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)
    unit_id = d.create_unit("MUM-NS-014", "nirbhaya_squad", home_station.id)["id"]
    with pytest.raises(Forbidden) as e:
        d.assign(tracking, unit_id, OUTSIDER)
    assert e.value.code == "out_of_scope"
    container.incidents.close(DISPATCHER, tracking, "false_alarm")
    with pytest.raises(Conflict) as e:
        d.assign(tracking, unit_id, DISPATCHER)
    assert e.value.code == "incident_closed"
    with pytest.raises(NotFound) as e:
        d.assign("ZZZZ-9999", unit_id, DISPATCHER)
    assert e.value.code == "incident_not_found"
    assert d.get_unit(unit_id)["status"] == "available" and d.timeline(tracking) == []


def test_two_dispatchers_cannot_send_the_same_unit_twice(container, home_station, make_incident):
    d = container.dispatch
    first = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon, sender="+919820011111")
    second = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon, sender="+919820022222")
    unit_id = d.create_unit("MUM-NS-014", "nirbhaya_squad", home_station.id)["id"]
    d.assign(first, unit_id, DISPATCHER)
    with pytest.raises(Conflict) as e:
        d.assign(second, unit_id, DISPATCHER)
    assert e.value.code == "unit_not_available"
    assert container.incidents.view(DISPATCHER, second)["status"] == "new"
    with container.engine.connect() as conn:
        assert len(conn.execute(select(store.assignments)).all()) == 1


def test_the_index_rebuilt_from_the_database_answers_as_the_live_one(container, home_station, make_incident):
    d = container.dispatch
    tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)
    a = d.create_unit("MUM-NS-1", "nirbhaya_squad", home_station.id, *north_of(home_station.anchor, 300))["id"]
    b = d.create_unit("MUM-BM-2", "beat_marshal", home_station.id)["id"]
    c = d.create_unit("MUM-PV-3", "patrol_van", home_station.id)["id"]
    d.post_positions([{"unit_id": b, "lon": home_station.anchor.lon, "lat": home_station.anchor.lat + 0.01}])
    d.set_status(c, "out_of_service", reason="fuel")
    d.assign(tracking, a, DISPATCHER)
    live = d.recommend(tracking)
    d.reload()
    assert d.recommend(tracking) == live
    assert [r["unit_id"] for r in live] == [b]
