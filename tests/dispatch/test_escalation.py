"""Dispatch that keeps its promise (issue 10): a crew acknowledges, or is released after the timeout and the next
unit is sent; a unit is re-tasked only explicitly, and that is recorded; a P1 without a unit alarms. The timers are
rows in the database: they survive a restart and fire once with two processes on one database."""

from __future__ import annotations

import threading

from sqlalchemy import select

from suraksha.adapters.outbox import events_table
from suraksha.bootstrap import build_container
from tests.dispatch.test_api import crew_headers, new_unit


def events(container, kind: str) -> list[dict]:
    with container.engine.connect() as conn:
        rows = conn.execute(select(events_table.c.payload).where(events_table.c.type == kind)
                            .order_by(events_table.c.id)).scalars().all()
    return list(rows)


def two_units_near(http, auth, container, station_id):
    anchor = container.stations.get(station_id).anchor
    first = new_unit(http, auth, station_id, call_sign="MUM-NS-101", lon=anchor.lon + 0.001, lat=anchor.lat)
    second = new_unit(http, auth, station_id, call_sign="MUM-NS-102", lon=anchor.lon + 0.01, lat=anchor.lat)
    return first, second


def dispatch(http, auth, tracking, unit_id, **body):
    return http.post(f"/api/v1/incidents/{tracking}/assignments", json={"unit_id": unit_id, **body},
                     headers=auth("dispatcher"))


def test_a_crew_acknowledges_and_the_timeline_says_so(http, auth, container, station_id, make_incident):
    unit, _ = two_units_near(http, auth, container, station_id)
    tracking = make_incident()
    assert dispatch(http, auth, tracking, unit["id"]).status_code == 201
    crew = crew_headers(container, unit["id"], station_id)
    r = http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "acknowledged"}, headers=crew)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "acknowledged" and r.json()["assignment"]["step"] == "acknowledged"
    container.clock.advance(seconds=120)
    assert container.dispatch.escalate_due() == 0  # acknowledged: nothing to escalate
    r = http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "en_route"}, headers=crew)
    assert r.json()["assignment"]["step"] == "en_route"
    timeline = http.get(f"/api/v1/incidents/{tracking}/timeline", headers=auth("dispatcher")).json()
    kinds = [e["kind"] for e in timeline["timeline"]]
    assert kinds.index("unit_dispatched") < kinds.index("unit_acknowledged") < kinds.index("unit_en_route")


def test_a_crew_that_does_not_acknowledge_is_released_and_the_next_unit_sent(http, auth, container, station_id,
                                                                             make_incident):
    first, second = two_units_near(http, auth, container, station_id)
    tracking = make_incident()
    dispatch(http, auth, tracking, first["id"])
    container.clock.advance(seconds=59)
    assert container.dispatch.escalate_due() == 0
    container.clock.advance(seconds=2)
    assert container.dispatch.escalate_due() == 1
    assert container.dispatch.escalate_due() == 0  # once
    released = container.dispatch.get_unit(first["id"])
    assert released["status"] == "out_of_service"
    assert released["status_reason"] == f"MUM-NS-101 did not acknowledge {tracking} within 60 s"
    steps = http.get(f"/api/v1/incidents/{tracking}/assignments", headers=auth("dispatcher")).json()["assignments"]
    assert [(a["call_sign"], a["step"]) for a in steps] == [("MUM-NS-101", "released"), ("MUM-NS-102", "dispatched")]
    assert steps[0]["release_reason"] == released["status_reason"] and steps[1]["dispatched_by"] is None
    assert container.dispatch.get_unit(second["id"])["status"] == "dispatched"
    [told] = events(container, "AssignmentReleased")
    assert (told["tracking"], told["call_sign"], told["why"]) == (tracking, "MUM-NS-101", "not_acknowledged")
    assert told["station_id"] == station_id  # the incident's consoles are told
    detail = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()
    assert detail["status"] == "dispatched"
    # an out-of-service unit comes back only when a person says so
    assert all(r["unit_id"] != first["id"] for r in container.dispatch.recommend_at(
        container.stations.get(station_id).anchor.lon, container.stations.get(station_id).anchor.lat, 5))


def test_without_another_unit_the_incident_waits_again_and_alarms(http, auth, container, station_id, make_incident):
    anchor = container.stations.get(station_id).anchor
    only = new_unit(http, auth, station_id, call_sign="MUM-NS-201", lon=anchor.lon, lat=anchor.lat)
    tracking = make_incident()
    dispatch(http, auth, tracking, only["id"])
    container.clock.advance(seconds=61)
    assert container.dispatch.escalate_due() == 1
    assert http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()["status"] == "new"
    assert container.incidents.alarm_unassigned() == 1
    [alarm] = events(container, "IncidentUnassignedAlarm")
    assert alarm["tracking"] == tracking and alarm["waiting_seconds"] >= 61


def test_a_p1_without_a_unit_alarms_once_and_only_a_p1(http, auth, container, station_id, make_incident,
                                                       home_station):
    p1 = make_incident()
    p3 = make_incident("Someone keeps calling me at night", to=home_station.general_number, sender="+919820099999")
    container.clock.advance(seconds=29)
    assert container.incidents.alarm_unassigned() == 0
    container.clock.advance(seconds=2)
    assert container.incidents.alarm_unassigned() == 1
    assert container.incidents.alarm_unassigned() == 0
    assert [a["tracking"] for a in events(container, "IncidentUnassignedAlarm")] == [p1]
    assert p3 not in [a["tracking"] for a in events(container, "IncidentUnassignedAlarm")]
    timeline = http.get(f"/api/v1/incidents/{p1}/timeline", headers=auth("dispatcher")).json()["timeline"]
    assert any(e["kind"] == "unassigned_alarm" for e in timeline)


def test_a_p1_with_a_unit_does_not_alarm(http, auth, container, station_id, make_incident):
    unit, _ = two_units_near(http, auth, container, station_id)
    tracking = make_incident()
    container.clock.advance(seconds=10)
    dispatch(http, auth, tracking, unit["id"])
    container.clock.advance(seconds=60)
    assert container.incidents.alarm_unassigned() == 0


def test_double_assignment_is_refused_and_retasking_is_recorded(http, auth, container, station_id, make_incident):
    unit, _ = two_units_near(http, auth, container, station_id)
    first = make_incident()
    second = make_incident("Help me, I am being followed", sender="+919820077777")
    assert dispatch(http, auth, first, unit["id"]).status_code == 201
    r = dispatch(http, auth, second, unit["id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "unit_not_available"
    assert "re-task" in r.json()["error"]["message"]
    r = dispatch(http, auth, second, unit["id"], retask=True)
    assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"
    r = dispatch(http, auth, second, unit["id"], retask=True, reason="closer to the P1 in progress")
    assert r.status_code == 201, r.text
    old = http.get(f"/api/v1/incidents/{first}/assignments", headers=auth("dispatcher")).json()["assignments"]
    assert old[0]["step"] == "released" and old[0]["release_reason"].startswith(f"re-tasked to {second}")
    assert http.get(f"/api/v1/incidents/{first}", headers=auth("dispatcher")).json()["status"] == "new"
    timeline = http.get(f"/api/v1/incidents/{first}/timeline", headers=auth("dispatcher")).json()["timeline"]
    assert any(e["kind"] == "unit_released" and "closer to the P1" in e["detail"]["reason"] for e in timeline)
    [told] = events(container, "AssignmentReleased")
    assert told["why"] == "retasked" and told["tracking"] == first
    r = dispatch(http, auth, second, unit["id"], retask=True, reason="again")
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_assigned"


def test_out_of_service_needs_a_reason(http, auth, container, station_id):
    unit, _ = two_units_near(http, auth, container, station_id)
    crew = crew_headers(container, unit["id"], station_id)
    r = http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "out_of_service"}, headers=crew)
    assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"
    r = http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "out_of_service", "reason": "puncture"},
                  headers=crew)
    assert r.status_code == 200 and r.json()["status_reason"] == "puncture"
    r = http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "available"}, headers=crew)
    assert r.json()["status_reason"] is None


def test_the_timer_survives_a_restart_and_fires_once_with_two_processes(http, auth, container, test_settings,
                                                                        station_id, make_incident):
    first, second = two_units_near(http, auth, container, station_id)
    tracking = make_incident()
    dispatch(http, auth, tracking, first["id"])
    container.clock.advance(seconds=90)
    # two fresh processes (as after a restart) look at once: one releases and sends the next unit
    nodes = [build_container(test_settings, clock=container.clock) for _ in range(2)]
    for node in nodes:
        node.stations.reload()
    barrier, results = threading.Barrier(2), []

    def run(node):
        barrier.wait()
        results.append(node.dispatch.escalate_due())

    try:
        threads = [threading.Thread(target=run, args=(node,)) for node in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for node in nodes:
            node.engine.dispose()
    assert sorted(results) == [0, 1]
    steps = http.get(f"/api/v1/incidents/{tracking}/assignments", headers=auth("dispatcher")).json()["assignments"]
    assert [(a["call_sign"], a["step"]) for a in steps] == [("MUM-NS-101", "released"), ("MUM-NS-102", "dispatched")]
    assert len(events(container, "AssignmentReleased")) == 1


def test_a_unit_that_cannot_arrive_before_the_deadline_is_escalated_with_other_stations_units(
        http, auth, container, station_id, home_station, make_incident):
    a = home_station.anchor
    far = new_unit(http, auth, station_id, call_sign="MUM-NS-401", lon=a.lon + 0.09, lat=a.lat + 0.09)  # ~13 km
    other = next(s for s in container.stations.all("mumbai") if s.id != station_id)
    near = new_unit(http, auth, other.id, call_sign="MUM-PV-402", kind="patrol_van", user="admin",
                    lon=a.lon + 0.002, lat=a.lat)
    tracking = make_incident(lat=a.lat, lon=a.lon)  # a P1 in Colaba: 10 minutes (Maharashtra, urban)
    dispatch(http, auth, tracking, far["id"])
    assert container.dispatch.watch_deadlines() == 1
    assert container.dispatch.watch_deadlines() == 0  # once
    [told] = events(container, "AssignmentAtRisk")
    assert (told["tracking"], told["call_sign"], told["station_id"]) == (tracking, "MUM-NS-401", station_id)
    assert told["eta_seconds"] > 600
    assert [o["call_sign"] for o in told["offers"]] == ["MUM-PV-402"] and told["offers"][0]["home_station_id"] == \
        other.id
    timeline = http.get(f"/api/v1/incidents/{tracking}/timeline", headers=auth("dispatcher")).json()["timeline"]
    [entry] = [e for e in timeline if e["kind"] == "deadline_at_risk"]
    assert entry["detail"]["offers"] == ["MUM-PV-402"]
    assert near["status"] == "available"


def test_a_unit_that_can_arrive_in_time_is_not_escalated(http, auth, container, station_id, home_station,
                                                         make_incident):
    a = home_station.anchor
    unit = new_unit(http, auth, station_id, call_sign="MUM-NS-403", lon=a.lon + 0.002, lat=a.lat)
    tracking = make_incident(lat=a.lat, lon=a.lon)
    dispatch(http, auth, tracking, unit["id"])
    assert container.dispatch.watch_deadlines() == 0
    container.clock.advance(minutes=9, seconds=50)  # still on its way near the deadline: now it cannot make it
    http.post(f"/api/v1/units/{unit['id']}/status", json={"status": "en_route"},
              headers=crew_headers(container, unit["id"], station_id))
    assert container.dispatch.watch_deadlines() == 1
    [told] = events(container, "AssignmentAtRisk")
    assert told["offers"] == []  # nobody else could be there in time either
