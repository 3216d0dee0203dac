"""Dispatch use cases on a real SQLite database, with fakes for the station directory and intake's incidents.

The incident fake keeps its incidents in its own table of the same database, so it takes part in the
dispatch transaction exactly as intake does: when dispatch rolls back, so does the fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import JSON, Boolean, Column, Float, Integer, MetaData, String, Table, insert, select, update

from suraksha.adapters.db import UtcDateTime, make_engine
from suraksha.adapters.outbox import events_table
from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.clock import FixedClock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suraksha.core.geo import Point
from suraksha.dispatch import store
from suraksha.dispatch.ports import IncidentForDispatch
from suraksha.dispatch.position_store import positions_metadata, response_tracks, unit_moves
from suraksha.dispatch.service import DispatchService
from suraksha.settings import Settings

NOW = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)  # 10:00 IST
COLABA, WORLI, KORAMANGALA = 1, 2, 3
DISPATCHER = Principal(10, "dispatcher", Role.DISPATCHER, ScopeKind.CITY, "mumbai")
OUTSIDER = Principal(11, "outsider", Role.DISPATCHER, ScopeKind.CITY, "bengaluru")
OFFICER = Principal(12, "officer", Role.STATION_OFFICER, ScopeKind.STATION, str(COLABA))
RESPONDER = Principal(13, "responder", Role.RESPONDER, ScopeKind.STATION, str(COLABA))


@dataclass(frozen=True)
class Station:
    id: int
    name: str
    city: str
    anchor: Point
    state: str


class FakeStations:
    def __init__(self) -> None:
        self._stations = {
            COLABA: Station(COLABA, "Colaba Police Station", "mumbai", Point(72.8277, 18.9067), "MH"),
            WORLI: Station(WORLI, "Worli Police Station", "mumbai", Point(72.8176, 19.0096), "MH"),
            KORAMANGALA: Station(KORAMANGALA, "Koramangala Police Station", "bengaluru", Point(77.6245, 12.9352),
                                 "KA"),
        }

    def get(self, station_id: int) -> Station:
        if station_id not in self._stations:
            raise NotFound(f"no station {station_id}", code="station_not_found")
        return self._stations[station_id]


fake_meta = MetaData()
fake_incidents = Table(
    "fake_incidents", fake_meta,
    Column("id", Integer, primary_key=True), Column("tracking", String(9), unique=True),
    Column("station_id", Integer), Column("city", String(64)), Column("lon", Float), Column("lat", Float),
    Column("location_known", Boolean), Column("status", String(16)), Column("received_at", UtcDateTime),
    Column("response_seconds", Integer, nullable=True), Column("log", JSON),
)


class FakeIncidents:
    """Intake's side of the port, in a table of the same database (so it commits with dispatch)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.fail_on_dispatch = False

    def add(self, tracking: str, station_id: int, city: str, lon: float, lat: float, known: bool = True) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(fake_incidents).values(
                tracking=tracking, station_id=station_id, city=city, lon=lon, lat=lat, location_known=known,
                status="new", received_at=NOW, log=[],
            ))

    def state(self, tracking: str):
        with self.engine.connect() as conn:
            return conn.execute(select(fake_incidents).where(fake_incidents.c.tracking == tracking)).one()

    def incident_for_dispatch(self, conn, tracking: str) -> IncidentForDispatch:
        r = conn.execute(select(fake_incidents).where(fake_incidents.c.tracking == tracking.upper())).first()
        if r is None:
            raise NotFound(f"no incident {tracking}", code="incident_not_found")
        return IncidentForDispatch(r.id, r.tracking, r.station_id, r.city, r.lon, r.lat, r.location_known,
                                   r.status, 1, r.received_at, {"mumbai": "MH", "bengaluru": "KA"}[r.city])

    def _change(self, conn, incident_id: int, entry: str, **values) -> None:
        log = conn.execute(select(fake_incidents.c.log).where(fake_incidents.c.id == incident_id)).scalar_one()
        row = fake_incidents.c.id == incident_id
        conn.execute(update(fake_incidents).where(row).values(log=[*log, entry], **values))

    def unit_dispatched(self, conn, incident_id, call_sign, at) -> None:
        if self.fail_on_dispatch:
            raise RuntimeError("intake is down")
        self._change(conn, incident_id, f"dispatched {call_sign}", status="dispatched")

    def unit_en_route(self, conn, incident_id, call_sign, at) -> None:
        self._change(conn, incident_id, f"en_route {call_sign}", status="en_route")

    def unit_arrived(self, conn, incident_id, call_sign, at) -> None:
        r = conn.execute(select(fake_incidents).where(fake_incidents.c.id == incident_id)).one()
        seconds = int((at - r.received_at).total_seconds())
        first = {} if r.response_seconds is not None else {"response_seconds": seconds}
        self._change(conn, incident_id, f"arrived {call_sign}", status="on_scene", **first)

    def unit_cleared(self, conn, incident_id, call_sign, at, last_unit, disposition=None) -> None:
        status = {"status": "closed"} if last_unit else {}
        said = f" as {disposition}" if disposition else ""
        self._change(conn, incident_id, f"cleared {call_sign} last={last_unit}{said}", **status)

    def incident_for_crew(self, conn, incident_id, principal) -> dict:
        r = conn.execute(select(fake_incidents).where(fake_incidents.c.id == incident_id)).one()
        return {"tracking": r.tracking, "priority": 1, "category": "immediate_danger", "status": r.status,
                "station_id": r.station_id, "station_name": None, "location_known": r.location_known,
                "lon": r.lon if r.location_known else None, "lat": r.lat if r.location_known else None,
                "received_at": r.received_at, "contacts": None}


@pytest.fixture
def world(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/dispatch.db")
    positions_metadata.create_all(engine)  # the positions' store, here in the same file
    store.metadata.create_all(engine, tables=[events_table, store.units, store.assignments,
                                              store.unit_shifts, store.unit_log, response_tracks])
    fake_meta.create_all(engine)
    clock = FixedClock(NOW)
    incidents = FakeIncidents(engine)
    service = DispatchService(engine, clock, Settings(env="test"), incidents=incidents, stations=FakeStations())
    service.load()
    incidents.add("AAAA-2222", COLABA, "mumbai", 72.8300, 18.9100)
    incidents.add("BBBB-3333", KORAMANGALA, "bengaluru", 77.6245, 12.9352)
    yield service, incidents, clock, engine
    engine.dispose()


def events(engine, type_: str) -> list[dict]:
    """Payloads of this type; each must carry its unit's place (for the scope rule), which is checked and dropped.
    The units' movement is in the positions' store's own outbox (here in the same file), the rest in the main one."""
    table = unit_moves if type_ == "UnitsMoved" else events_table
    with engine.connect() as conn:
        rows = conn.execute(select(table).where(table.c.type == type_).order_by(table.c.id))
        payloads = [dict(r.payload) for r in rows]
    for p in payloads:
        assert p.pop("scoped") is True and p.pop("state") in ("MH", "KA")
        assert p.pop("station_id") == p.get("home_station_id", p["station_id"] if "station_id" in p else None) or True
        assert p.pop("city") in ("mumbai", "bengaluru")
    return payloads


def test_a_new_unit_without_a_position_waits_at_its_station_anchor(world):
    service, _, _, engine = world
    unit = service.create_unit("mum-ns-014", "nirbhaya_squad", COLABA)
    assert unit["call_sign"] == "MUM-NS-014" and unit["status"] == "available" and unit["city"] == "mumbai"
    assert (unit["lon"], unit["lat"]) == (72.8277, 18.9067)
    assert unit["stale"] is True and unit["position_at"] is None
    assert events(engine, "UnitCreated") == [
        {"unit_id": unit["id"], "call_sign": "MUM-NS-014", "kind": "nirbhaya_squad", "home_station_id": COLABA,
         "status": "available", "lon": 72.8277, "lat": 18.9067}
    ]
    assert service.fleet.get(unit["id"]).call_sign == "MUM-NS-014"
    placed = service.create_unit("MUM-PV-1", "patrol_van", COLABA, lon=72.83, lat=18.92)
    assert placed["stale"] is False and placed["position_at"] == NOW


def test_unit_creation_refuses_duplicates_unknown_stations_and_other_stations_officers(world):
    service = world[0]
    service.create_unit("MUM-NS-014", "nirbhaya_squad", COLABA)
    with pytest.raises(Conflict) as e:
        service.create_unit("mum-ns-014", "patrol_van", WORLI)
    assert e.value.code == "call_sign_taken"
    with pytest.raises(NotFound):
        service.create_unit("MUM-NS-015", "patrol_van", 999)
    with pytest.raises(Forbidden) as e:
        service.create_unit("MUM-NS-016", "patrol_van", WORLI, principal=OFFICER)
    assert e.value.code == "out_of_scope"
    service.create_unit("MUM-NS-017", "patrol_van", COLABA, principal=OFFICER)
    assert [u["call_sign"] for u in service.list_units()] == ["MUM-NS-014", "MUM-NS-017"]


def test_positions_keep_the_latest_on_the_unit_and_every_one_in_the_history(world):
    service, _, clock, engine = world
    unit_id = service.create_unit("MUM-BM-7", "beat_marshal", COLABA)["id"]
    moved = service.post_position(unit_id, 72.8301, 18.9201)
    assert (moved["lon"], moved["lat"], moved["stale"], moved["position_at"]) == (72.8301, 18.9201, False, NOW)
    late = service.post_position(unit_id, 72.9, 19.1, recorded_at=NOW - timedelta(minutes=3))  # arrives late
    assert (late["lon"], late["lat"]) == (72.8301, 18.9201)
    assert [h["lon"] for h in service.position_history(unit_id)] == [72.8301, 72.9]
    assert events(engine, "UnitsMoved") == [  # the late fix moved nothing: nothing to announce
        {"transient": True, "units": [{"unit_id": unit_id, "call_sign": "MUM-BM-7", "lat": 18.9201, "lon": 72.8301,
                                       "stale": False, "at": NOW.isoformat()}]}
    ]
    clock.advance(minutes=11)
    assert service.get_unit(unit_id)["stale"] is True
    assert service.get_unit(unit_id)["position_age_seconds"] == 660


def test_impossible_or_future_positions_are_refused_and_nothing_is_written(world):
    service, _, _, engine = world
    unit_id = service.create_unit("MUM-BM-7", "beat_marshal", COLABA)["id"]
    for kwargs in ({"lon": 72.8, "lat": 95.0}, {"lon": 72.8, "lat": 19.0, "recorded_at": NOW + timedelta(minutes=2)}):
        with pytest.raises(InvalidInput) as e:
            service.post_position(unit_id, **kwargs)
        assert e.value.code == "invalid_position"
    with pytest.raises(NotFound) as e:
        service.post_position(4242, 72.8, 19.0)
    assert e.value.code == "unit_not_found"
    assert service.position_history(unit_id) == [] and events(engine, "UnitsMoved") == []


def test_a_gateway_batch_moves_units_by_id_or_call_sign(world):
    service = world[0]
    a = service.create_unit("MUM-NS-1", "nirbhaya_squad", COLABA)["id"]
    b = service.create_unit("MUM-NS-2", "nirbhaya_squad", WORLI)["id"]
    report = service.post_positions([
        {"unit_id": a, "lon": 72.81, "lat": 18.91, "recorded_at": NOW - timedelta(seconds=30)},
        {"call_sign": "mum-ns-2", "lon": 72.82, "lat": 19.01},
        {"unit_id": a, "lon": 72.815, "lat": 18.915},
        {"call_sign": "MUM-XX-9", "lon": 72.8, "lat": 19.0},
    ])
    assert report["accepted"] == 3
    assert [(r["index"], r["code"]) for r in report["rejected"]] == [(3, "unit_not_found")]
    assert (service.get_unit(a)["lon"], service.get_unit(b)["lat"]) == (72.815, 19.01)
    assert len(service.position_history(a)) == 2
    assert service.fleet.get(a).lon == 72.815


def test_recommendations_rank_fresh_positions_first_and_say_why(world):
    service = world[0]
    stale = service.create_unit("MUM-PV-1", "patrol_van", COLABA)["id"]  # no fix: at the anchor, ~0.5 km
    fresh = service.create_unit("MUM-PV-2", "patrol_van", WORLI, lon=72.8300, lat=18.9400)["id"]  # ~3.3 km
    busy = service.create_unit("MUM-PV-3", "patrol_van", COLABA, lon=72.8301, lat=18.9101)["id"]
    service.set_status(busy, "out_of_service", reason="fuel")
    found = service.recommend("aaaa-2222", limit=5, principal=DISPATCHER)
    assert [r["unit_id"] for r in found] == [fresh, stale]
    assert found[0]["stale"] is False and found[1]["stale"] is True
    assert "ranked after units with a fresh position" in found[1]["reason"]
    assert found[0]["eta_seconds"] == round(found[0]["distance_m"] * 1.4 / (15 / 3.6))
    assert set(found[0]) >= {"unit_id", "call_sign", "kind", "home_station_id", "status", "distance_m",
                             "eta_seconds", "stale", "position_age_seconds"}
    with pytest.raises(NotFound) as e:
        service.recommend("AAAA-2222", principal=OUTSIDER)  # no hint that a Mumbai incident exists
    assert e.value.code == "incident_not_found"
    with pytest.raises(InvalidInput):
        service.recommend("AAAA-2222", limit=0)


def test_assigning_a_unit_dispatches_it_and_tells_the_incident_in_one_transaction(world):
    service, incidents, _, engine = world
    unit_id = service.create_unit("MUM-NS-014", "nirbhaya_squad", COLABA, lon=72.83, lat=18.911)["id"]
    job = service.assign("AAAA-2222", unit_id, DISPATCHER)
    assert (job["unit_id"], job["call_sign"], job["dispatched_at"]) == (unit_id, "MUM-NS-014", NOW)
    assert job["dispatched_by"] == DISPATCHER.account_id
    assert job["step"] == "dispatched" and job["cleared_at"] is None
    assert service.get_unit(unit_id)["status"] == "dispatched"
    assert incidents.state("AAAA-2222").log == ["dispatched MUM-NS-014"]
    assert events(engine, "UnitDispatched") == [{
        "tracking": "AAAA-2222", "incident_id": job["incident_id"], "unit_id": unit_id,
        "call_sign": "MUM-NS-014", "status": "dispatched",
    }]
    assert service.recommend("AAAA-2222") == []  # the index saw the change
    with pytest.raises(Conflict) as e:
        service.assign("AAAA-2222", unit_id, DISPATCHER)
    assert e.value.code == "unit_not_available"


def test_a_failure_in_intake_rolls_the_assignment_back(world):
    service, incidents, _, engine = world
    unit_id = service.create_unit("MUM-NS-014", "nirbhaya_squad", COLABA, lon=72.83, lat=18.911)["id"]
    incidents.fail_on_dispatch = True
    with pytest.raises(RuntimeError):
        service.assign("AAAA-2222", unit_id, DISPATCHER)
    assert service.get_unit(unit_id)["status"] == "available"
    assert service.timeline("AAAA-2222") == [] and events(engine, "UnitDispatched") == []
    assert [r["unit_id"] for r in service.recommend("AAAA-2222")] == [unit_id]


def test_assignment_outside_the_dispatchers_area_or_to_a_closed_incident_is_refused(world):
    service, incidents, _, _ = world
    unit_id = service.create_unit("BLR-PV-1", "patrol_van", KORAMANGALA)["id"]
    with pytest.raises(Forbidden) as e:
        service.assign("BBBB-3333", unit_id, DISPATCHER)
    assert e.value.code == "out_of_scope"
    with incidents.engine.begin() as conn:
        conn.execute(update(fake_incidents).where(fake_incidents.c.tracking == "BBBB-3333").values(status="closed"))
    with pytest.raises(Conflict) as e:
        service.assign("BBBB-3333", unit_id, OUTSIDER)
    assert e.value.code == "incident_closed"
    assert service.get_unit(unit_id)["status"] == "available"


def test_each_step_is_timestamped_and_arrival_gives_the_response_time(world):
    service, incidents, clock, engine = world
    unit_id = service.create_unit("MUM-NS-014", "nirbhaya_squad", COLABA, lon=72.83, lat=18.911)["id"]
    clock.advance(minutes=2)
    service.assign("AAAA-2222", unit_id, DISPATCHER)
    clock.advance(minutes=1)
    en_route = service.set_status(unit_id, "en_route", DISPATCHER)
    assert en_route["assignment"]["en_route_at"] == NOW + timedelta(minutes=3)
    clock.advance(minutes=6)
    on_scene = service.set_status(unit_id, "on_scene", RESPONDER, crew_unit_id=unit_id)
    assert on_scene["status"] == "on_scene" and on_scene["assignment"]["step"] == "on_scene"
    assert incidents.state("AAAA-2222").response_seconds == 9 * 60
    clock.advance(minutes=20)
    cleared = service.set_status(unit_id, "available", RESPONDER, crew_unit_id=unit_id)
    assert cleared["status"] == "available" and cleared["assignment"]["cleared_at"] == NOW + timedelta(minutes=29)
    [job] = service.timeline("AAAA-2222", principal=DISPATCHER)
    assert (job["dispatched_at"], job["en_route_at"], job["on_scene_at"], job["cleared_at"]) == tuple(
        NOW + timedelta(minutes=m) for m in (2, 3, 9, 29)
    )
    assert job["seconds_to_arrive"] == 9 * 60
    assert incidents.state("AAAA-2222").log == [
        "dispatched MUM-NS-014", "en_route MUM-NS-014", "arrived MUM-NS-014", "cleared MUM-NS-014 last=True",
    ]
    changed = events(engine, "UnitStatusChanged")
    assert [(e["status"], e["tracking"]) for e in changed] == [
        ("en_route", "AAAA-2222"), ("on_scene", "AAAA-2222"), ("available", "AAAA-2222"),
    ]
    assert [r["unit_id"] for r in service.recommend("AAAA-2222")] == [unit_id]  # back in the pool


def test_the_incident_is_cleared_only_when_its_last_unit_leaves(world):
    service, incidents, _, _ = world
    first = service.create_unit("MUM-NS-1", "nirbhaya_squad", COLABA)["id"]
    second = service.create_unit("MUM-BM-2", "beat_marshal", COLABA)["id"]
    service.assign("AAAA-2222", first, DISPATCHER)
    service.assign("AAAA-2222", second, DISPATCHER)
    service.set_status(first, "on_scene", DISPATCHER)  # straight from dispatched: it was round the corner
    service.set_status(second, "available", DISPATCHER)  # stood down before arriving
    service.set_status(first, "available", DISPATCHER)
    assert incidents.state("AAAA-2222").log[-2:] == ["cleared MUM-BM-2 last=False", "cleared MUM-NS-1 last=True"]
    steps = {j["call_sign"]: (j["en_route_at"], j["on_scene_at"]) for j in service.timeline("AAAA-2222")}
    assert steps == {"MUM-NS-1": (None, NOW), "MUM-BM-2": (None, None)}


def test_refused_transitions_change_nothing(world):
    service, incidents, _, engine = world
    unit_id = service.create_unit("MUM-NS-014", "nirbhaya_squad", COLABA)["id"]
    with pytest.raises(Conflict) as e:
        service.set_status(unit_id, "on_scene", DISPATCHER)  # never dispatched
    assert e.value.code == "invalid_transition"
    with pytest.raises(InvalidInput) as e:
        service.set_status(unit_id, "dispatched", DISPATCHER)  # only an assignment dispatches
    assert e.value.code == "invalid_status"
    service.assign("AAAA-2222", unit_id, DISPATCHER)
    with pytest.raises(Conflict) as e:
        service.set_status(unit_id, "out_of_service", DISPATCHER, reason="fuel")  # still on an assignment
    assert e.value.code == "invalid_transition"
    assert service.get_unit(unit_id)["status"] == "dispatched"
    assert events(engine, "UnitStatusChanged") == []
    assert incidents.state("AAAA-2222").log == ["dispatched MUM-NS-014"]


def test_out_of_service_and_back_without_an_assignment(world):
    service, _, _, engine = world
    unit_id = service.create_unit("MUM-NS-014", "nirbhaya_squad", COLABA)["id"]
    assert service.set_status(unit_id, "out_of_service", DISPATCHER, reason="fuel")["assignment"] is None
    assert service.recommend("AAAA-2222") == []
    service.set_status(unit_id, "available", DISPATCHER)
    assert [e["tracking"] for e in events(engine, "UnitStatusChanged")] == [None, None]
    assert [r["unit_id"] for r in service.recommend("AAAA-2222")] == [unit_id]


def test_only_the_crew_or_a_dispatcher_in_scope_may_report_for_a_unit(world):
    service = world[0]
    mine = service.create_unit("MUM-NS-1", "nirbhaya_squad", COLABA)["id"]
    other = service.create_unit("MUM-NS-2", "nirbhaya_squad", COLABA)["id"]
    service.post_position(mine, 72.83, 18.91, principal=RESPONDER, crew_unit_id=mine)
    for act in (
        lambda: service.post_position(other, 72.83, 18.91, principal=RESPONDER, crew_unit_id=mine),
        lambda: service.set_status(other, "out_of_service", RESPONDER, crew_unit_id=mine),
        lambda: service.post_position(mine, 72.83, 18.91, principal=OUTSIDER),
        lambda: service.post_position(mine, 72.83, 18.91, principal=OFFICER),  # officers do not drive units
    ):
        with pytest.raises(Forbidden) as e:
            act()
        assert e.value.code == "not_your_unit"
    report = service.post_positions([{"unit_id": mine, "lon": 72.8, "lat": 18.9}], principal=OUTSIDER)
    assert report["accepted"] == 0 and report["rejected"][0]["code"] == "not_your_unit"


def test_a_reloaded_index_matches_the_one_kept_up_to_date(world):
    service, incidents, _, engine = world
    a = service.create_unit("MUM-NS-1", "nirbhaya_squad", COLABA, lon=72.831, lat=18.911)["id"]
    b = service.create_unit("MUM-BM-2", "beat_marshal", WORLI)["id"]
    service.post_position(b, 72.8305, 18.9105)
    service.assign("AAAA-2222", a, DISPATCHER)
    fresh = DispatchService(engine, service._clock, Settings(env="test"), incidents=incidents, stations=FakeStations())
    for unit_id in (a, b):
        assert fresh.fleet.get(unit_id) is None  # not loaded until first needed
    assert fresh.recommend("AAAA-2222") == service.recommend("AAAA-2222")
    assert fresh.fleet.get(a) == service.fleet.get(a) and fresh.fleet.get(b) == service.fleet.get(b)


def test_a_change_to_a_unit_the_index_never_saw_reloads_it(world):
    service, incidents, _, engine = world
    elsewhere = DispatchService(engine, service._clock, Settings(env="test"), incidents=incidents, stations=FakeStations())
    unit_id = elsewhere.create_unit("MUM-NS-1", "nirbhaya_squad", COLABA)["id"]  # another process, say
    assert service.fleet.get(unit_id) is None
    service.post_position(unit_id, 72.8301, 18.9101)
    assert service.fleet.get(unit_id).lon == 72.8301
    assert [r["unit_id"] for r in service.recommend("AAAA-2222")] == [unit_id]
