"""Dispatch use cases: register units, take their GPS positions, recommend the nearest, assign, track each step.

Each change loads through the store, applies the rules in model.py, writes its event in the same
transaction and, once committed, updates the in-memory FleetIndex that recommendations read.
Incidents belong to the incidents capability: dispatch reads and advances them only through the IncidentPort, inside its
own transaction, so an assignment and the incident's new status commit together.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from suraksha.adapters.db import scope_filter
from suraksha.adapters.outbox import record
from suraksha.core.auth import Locus, Principal, Role
from suraksha.core.clock import Clock, ensure_utc
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suraksha.dispatch import model, store
from suraksha.dispatch.events import UnitCreated, UnitDispatched, UnitMoved, UnitStatusChanged
from suraksha.dispatch.fleet import FleetIndex, FleetUnit
from suraksha.dispatch.model import PositionBatch, UnitStatus
from suraksha.dispatch.ports import IncidentForDispatch, IncidentPort, StationDirectory

STAFF = frozenset(Role)
MANAGERS = frozenset({Role.ADMIN, Role.STATION_OFFICER})
REPORTERS = frozenset({Role.RESPONDER, Role.DISPATCHER, Role.ADMIN})  # may post a unit's positions
STATUS_SETTERS = frozenset({Role.RESPONDER, Role.DISPATCHER})
MAX_RECOMMENDATIONS = 50
log = logging.getLogger(__name__)


class DispatchService:
    def __init__(
        self, engine: Engine, clock: Clock, settings: Any, incidents: IncidentPort,
        stations: StationDirectory, *, fleet: FleetIndex | None = None,
    ) -> None:
        self._engine, self._clock = engine, clock
        self._incidents, self._stations = incidents, stations
        self.stale_after = timedelta(minutes=settings.stale_position_minutes)
        self.road_factor = settings.road_factor
        self.fleet = fleet or FleetIndex(self.road_factor, self.stale_after)
        self._loaded = fleet is not None
        self._sync = threading.RLock()  # orders index loads against after-commit updates

    # ------------------------------------------------------------ the in-memory index

    def load(self) -> None:
        """(Re)build the FleetIndex from the database."""
        with self._sync, self._engine.connect() as conn:
            self.fleet.load(_fleet_unit(r) for r in store.unit_rows(conn))
            self._loaded = True

    reload = load

    def _index(self) -> FleetIndex:
        if not self._loaded:
            self.load()
        return self.fleet

    def _after_commit(self, change: Callable[[FleetIndex], None]) -> None:
        """Mirror a committed change in the index; a unit it does not know (added elsewhere) means reload."""
        with self._sync:
            if not self._loaded:  # the first load will read the committed row
                return
            try:
                change(self.fleet)
            except KeyError:
                log.warning("the fleet index missed a unit: reloading it from the database")
                self.load()

    # ------------------------------------------------------------ units

    def create_unit(
        self, call_sign: str, kind: str, home_station_id: int, lon: float | None = None, lat: float | None = None,
        *, principal: Principal | None = None,
    ) -> dict:
        call_sign, unit_kind = model.normalise_call_sign(call_sign), model.check_kind(kind)
        station = self._stations.get(home_station_id)
        _check_may(principal, MANAGERS, Locus(station.id, station.city, station.state))
        now = self._clock.now()
        position_at = None
        if lon is None or lat is None:
            lon, lat = station.anchor.lon, station.anchor.lat
        else:
            model.check_position(lon, lat, now, now)
            position_at = now
        with self._engine.begin() as conn:
            if store.call_sign_taken(conn, call_sign):
                raise Conflict(f"call sign {call_sign} is taken", code="call_sign_taken")
            unit_id = store.insert_unit(
                conn, call_sign=call_sign, kind=unit_kind.value, home_station_id=station.id, city=station.city,
                state=station.state,
                status=UnitStatus.AVAILABLE.value, lon=lon, lat=lat, position_at=position_at,
                created_at=now, updated_at=now,
            )
            record(conn, UnitCreated(
                unit_id=unit_id, call_sign=call_sign, kind=unit_kind.value, home_station_id=station.id,
                station_id=station.id, city=station.city, state=station.state, status=UnitStatus.AVAILABLE.value,
                lon=lon, lat=lat), now)
            row = store.unit_row(conn, unit_id)
        self._after_commit(lambda f: f.upsert(_fleet_unit(row)))
        return self._unit_dict(row)

    def get_unit(self, unit_id: int, *, principal: Principal | None = None, crew_unit_id: int | None = None) -> dict:
        with self._engine.connect() as conn:
            row = _existing(store.unit_row(conn, unit_id), unit_id)
        if principal is not None and crew_unit_id != unit_id:
            _check_may(principal, STAFF, _home(row))
        return self._unit_dict(row)

    def list_units(
        self, city: str | None = None, station_id: int | None = None, *, principal: Principal | None = None,
    ) -> list[dict]:
        scope = None
        if principal is not None:
            u = store.units.c
            scope = scope_filter(principal, station_id=u.home_station_id, city=u.city, state=u.state)
        with self._engine.connect() as conn:
            rows = store.unit_rows(conn, city=city, station_id=station_id, where=scope)
        return [self._unit_dict(r) for r in rows]

    def position_history(self, unit_id: int, limit: int = 100) -> list[dict]:
        with self._engine.connect() as conn:
            _existing(store.unit_row(conn, unit_id), unit_id)
            rows = store.position_history(conn, unit_id, limit)
        return [{"lon": r.lon, "lat": r.lat, "recorded_at": r.recorded_at, "received_at": r.received_at} for r in rows]

    # ------------------------------------------------------------ positions

    def post_position(
        self, unit_id: int, lon: float, lat: float, recorded_at: datetime | None = None,
        *, principal: Principal | None = None, crew_unit_id: int | None = None,
    ) -> dict:
        now = self._clock.now()
        model.check_position(lon, lat, recorded_at or now, now)
        at = ensure_utc(recorded_at or now)
        with self._engine.begin() as conn:
            row = _existing(store.unit_row(conn, unit_id), unit_id)
            _check_may_act(principal, row, crew_unit_id, REPORTERS)
            store.record_positions(conn, [{"unit_id": unit_id, "lon": lon, "lat": lat, "recorded_at": at,
                                           "received_at": now}])
            latest = store.move_if_newer(conn, unit_id, lon, lat, at, now)
            if latest:
                self._record_moved(conn, row, lon, lat, at, now)
            row = store.unit_row(conn, unit_id)
        if latest:
            self._after_commit(lambda f: f.move(unit_id, lon, lat, at))
        return self._unit_dict(row)

    def post_positions(
        self, items: list[dict[str, Any]], *, principal: Principal | None = None, crew_unit_id: int | None = None,
    ) -> dict:
        """A device gateway's batch: each item names a unit by unit_id or call_sign. Bad items are reported."""
        now = self._clock.now()
        batch = PositionBatch(items, now)
        with self._engine.begin() as conn:
            batch.resolve(store.unit_rows_by_keys(conn, *batch.keys()))
            batch.authorise(lambda row: _may_act(principal, row, crew_unit_id, REPORTERS))
            store.record_positions(conn, batch.history_rows())
            moved = []
            for row, (lon, lat, at) in batch.latest_per_unit():
                if store.move_if_newer(conn, row.id, lon, lat, at, now):
                    self._record_moved(conn, row, lon, lat, at, now)
                    moved.append((row.id, lon, lat, at))
        def mirror(fleet: FleetIndex) -> None:
            for m in moved:
                fleet.move(*m)

        self._after_commit(mirror)
        return batch.report()

    def _record_moved(self, conn, row, lon: float, lat: float, at: datetime, now: datetime) -> None:
        record(conn, UnitMoved(unit_id=row.id, call_sign=row.call_sign, station_id=row.home_station_id,
                               city=row.city, state=row.state, lon=lon, lat=lat, at=at.isoformat(),
                               stale=model.is_stale(at, now, self.stale_after)), now)

    # ------------------------------------------------------------ recommendation

    def recommend(self, tracking: str, limit: int = 5, *, principal: Principal | None = None) -> list[dict]:
        """The available units that would reach this incident first (see model.py for the estimate)."""
        _check_limit(limit)
        with self._engine.connect() as conn:
            incident = self._incident(conn, tracking, principal)
        return self.recommend_at(incident.lon, incident.lat, limit, location_known=incident.location_known)

    def recommend_at(self, lon: float, lat: float, limit: int = 5, *, location_known: bool = True) -> list[dict]:
        """In memory only: the FleetIndex search and the answer's dictionaries."""
        now = self._clock.now()
        return [
            {
                "unit_id": c.unit_id, "call_sign": c.call_sign, "kind": c.kind.value,
                "home_station_id": c.home_station_id, "status": c.status.value,
                "distance_m": round(c.distance_m, 1), "eta_seconds": round(c.eta_seconds),
                "stale": c.stale, "position_age_seconds": _rounded(c.position_age_seconds),
                "reason": model.reason(c, now, location_known),
            }
            for c in self._index().nearest(lon, lat, now, limit)
        ]

    # ------------------------------------------------------------ assignment and its steps

    def assign(self, tracking: str, unit_id: int, principal: Principal | None = None) -> dict:
        """A dispatcher sends an available unit to an incident."""
        now = self._clock.now()
        with self._engine.begin() as conn:
            incident = self._incident(conn, tracking, principal, reading=False)
            if incident.status == "closed":
                raise Conflict(f"incident {incident.tracking} is closed", code="incident_closed")
            row = _existing(store.unit_row(conn, unit_id, for_update=True), unit_id)
            model.check_assignable(UnitStatus(row.status), row.call_sign)
            if not store.change_status(conn, row.id, UnitStatus.AVAILABLE, UnitStatus.DISPATCHED, now):
                raise Conflict(f"{row.call_sign} was just taken", code="unit_not_available")
            assignment_id = store.insert_assignment(
                conn, incident_id=incident.id, tracking=incident.tracking, unit_id=row.id, dispatched_at=now,
                dispatched_by=principal.account_id if principal else None,
            )
            self._incidents.unit_dispatched(conn, incident.id, row.call_sign, now)
            record(conn, UnitDispatched(
                unit_id=row.id, call_sign=row.call_sign, station_id=row.home_station_id, city=row.city,
                state=row.state, tracking=incident.tracking, incident_id=incident.id,
                status=UnitStatus.DISPATCHED.value), now)
            result = store.assignment(conn, assignment_id)
        self._after_commit(lambda f: f.set_status(unit_id, UnitStatus.DISPATCHED))
        return _assignment_dict(result)

    def set_status(
        self, unit_id: int, status: str, principal: Principal | None = None, *, crew_unit_id: int | None = None,
    ) -> dict:
        """A crew (or their dispatcher) reports en_route, on_scene, available (cleared) or out_of_service."""
        target = model.check_reportable(status)
        now = self._clock.now()
        with self._engine.begin() as conn:
            row = _existing(store.unit_row(conn, unit_id, for_update=True), unit_id)
            _check_may_act(principal, row, crew_unit_id, STATUS_SETTERS)
            current = UnitStatus(row.status)
            model.check_transition(current, target)
            if not store.change_status(conn, row.id, current, target, now):
                raise Conflict(f"{row.call_sign} changed meanwhile: try again", code="invalid_transition")
            job = store.open_assignment(conn, row.id)
            if job is not None:
                self._advance(conn, job, target, now)
            record(conn, UnitStatusChanged(
                unit_id=row.id, call_sign=row.call_sign, station_id=row.home_station_id, city=row.city,
                state=row.state, status=target.value, lat=row.lat, lon=row.lon,
                tracking=job.tracking if job else None), now)
            after = store.unit_row(conn, unit_id)
            job = store.assignment(conn, job.id) if job else None
        self._after_commit(lambda f: f.set_status(unit_id, target))
        return {**self._unit_dict(after), "assignment": _assignment_dict(job) if job else None}

    def _advance(self, conn, job, target: UnitStatus, now: datetime) -> None:
        """Timestamp the assignment's step and tell the incident, in this transaction."""
        step = model.ASSIGNMENT_STEP.get(target)
        if step is None:
            return
        store.mark_step(conn, job.id, step, now)
        if target is UnitStatus.EN_ROUTE:
            self._incidents.unit_en_route(conn, job.incident_id, job.call_sign, now)
        elif target is UnitStatus.ON_SCENE:
            self._incidents.unit_arrived(conn, job.incident_id, job.call_sign, now)
        else:
            last = store.open_assignments_on(conn, job.incident_id) == 0
            self._incidents.unit_cleared(conn, job.incident_id, job.call_sign, now, last)

    def timeline(self, tracking: str, *, principal: Principal | None = None) -> list[dict]:
        """Every unit sent to this incident, with the time of each step."""
        with self._engine.connect() as conn:
            incident = self._incident(conn, tracking, principal)
            rows = store.assignments_for(conn, incident.id)
        return [_assignment_dict(r, incident.received_at) for r in rows]

    # ------------------------------------------------------------ the port the incident uses

    def units_on(self, conn, incident_id: int) -> list[tuple[int, str]]:
        """(unit id, call sign) of every unit still on the incident."""
        return [(r.unit_id, r.call_sign) for r in store.assignments_for(conn, incident_id) if r.cleared_at is None]

    def stand_down(self, conn, incident_id: int, at: datetime, reason: str) -> list[tuple[int, str]]:
        """The incident was closed: every unit still on it is cleared and available again."""
        released = []
        for job in store.assignments_for(conn, incident_id):
            if job.cleared_at is not None:
                continue
            row = store.unit_row(conn, job.unit_id, for_update=True)
            store.mark_step(conn, job.id, "cleared_at", at)
            if store.change_status(conn, row.id, row.status, UnitStatus.AVAILABLE, at):
                record(conn, UnitStatusChanged(
                    unit_id=row.id, call_sign=row.call_sign, station_id=row.home_station_id, city=row.city,
                    state=row.state, status=UnitStatus.AVAILABLE.value, lat=row.lat, lon=row.lon,
                    tracking=job.tracking), at)
            released.append((row.id, row.call_sign))
        if released:
            log.info("%s unit(s) stood down: %s", len(released), reason)
        return released

    def after_stand_down(self, unit_ids: list[int]) -> None:
        def mirror(fleet: FleetIndex) -> None:
            for unit_id in unit_ids:
                fleet.set_status(unit_id, UnitStatus.AVAILABLE)

        self._after_commit(mirror)

    def apply_event(self, event) -> None:
        """Keep the fleet index current with changes committed by any process (the bus brings them)."""
        p = event.payload
        unit_id = p.get("unit_id")
        if unit_id is None or not self._loaded:
            return
        with self._sync:
            current = self.fleet.get(unit_id)
            if current is None:
                self.load()
                return
            if event.type == "UnitMoved":
                at = datetime.fromisoformat(p["at"])
                if current.position_at is None or at >= current.position_at:
                    self.fleet.move(unit_id, p["lon"], p["lat"], at)
            elif "status" in p:  # read the row: an older event must not undo a newer local change
                with self._engine.connect() as conn:
                    row = store.unit_row(conn, unit_id)
                if row is not None:
                    self.fleet.upsert(_fleet_unit(row))

    # ------------------------------------------------------------ helpers

    def _incident(
        self, conn, tracking: str, principal: Principal | None, *, reading: bool = True,
    ) -> IncidentForDispatch:
        """The incident, if the principal's area covers it: reads outside it see no hint that it exists."""
        incident = self._incidents.incident_for_dispatch(conn, tracking)
        if principal is None or principal.covers(Locus(incident.station_id, incident.city, incident.state)):
            return incident
        if reading:
            raise NotFound(f"no incident {tracking}", code="incident_not_found")
        raise Forbidden(f"incident {incident.tracking} is outside your area", code="out_of_scope")

    def _unit_dict(self, row) -> dict:
        now = self._clock.now()
        return {
            "id": row.id, "call_sign": row.call_sign, "kind": row.kind, "home_station_id": row.home_station_id,
            "city": row.city, "status": row.status, "lon": row.lon, "lat": row.lat, "position_at": row.position_at,
            "stale": model.is_stale(row.position_at, now, self.stale_after),
            "position_age_seconds": _rounded(model.position_age_seconds(row.position_at, now)),
        }


def _fleet_unit(row) -> FleetUnit:
    return FleetUnit(
        row.id, row.call_sign, model.UnitKind(row.kind), row.home_station_id, UnitStatus(row.status),
        row.lon, row.lat, row.position_at,
    )


def _assignment_dict(row, received_at: datetime | None = None) -> dict:
    steps = [("cleared", row.cleared_at), ("on_scene", row.on_scene_at), ("en_route", row.en_route_at)]
    result = {
        "id": row.id, "incident_id": row.incident_id, "tracking": row.tracking, "unit_id": row.unit_id,
        "call_sign": row.call_sign, "kind": row.kind, "dispatched_at": row.dispatched_at,
        "en_route_at": row.en_route_at, "on_scene_at": row.on_scene_at, "cleared_at": row.cleared_at,
        "dispatched_by": row.dispatched_by, "step": next((name for name, at in steps if at), "dispatched"),
    }
    if received_at is not None:
        arrived = row.on_scene_at
        result["seconds_to_arrive"] = None if arrived is None else int((arrived - received_at).total_seconds())
    return result


def _existing(row, unit_id: int):
    if row is None:
        raise NotFound(f"no unit {unit_id}", code="unit_not_found")
    return row


def _rounded(value: float | None) -> int | None:
    return None if value is None else round(value)


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_RECOMMENDATIONS:
        raise InvalidInput(f"limit must be 1 to {MAX_RECOMMENDATIONS}", code="invalid_limit")


def _may_act(principal: Principal | None, row, crew_unit_id: int | None, roles: frozenset[Role]) -> bool:
    if principal is None:  # the system itself: demo data, the benchmark
        return True
    return model.may_act_for_unit(principal, row.id, _home(row), crew_unit_id, roles)


def _check_may_act(principal: Principal | None, row, crew_unit_id: int | None, roles: frozenset[Role]) -> None:
    if not _may_act(principal, row, crew_unit_id, roles):
        raise Forbidden(f"you may not act for unit {row.call_sign}", code="not_your_unit")


def _check_may(principal: Principal | None, roles: frozenset[Role], home: Locus) -> None:
    if principal is None:
        return
    if principal.role not in roles:
        raise Forbidden(f"the {principal.role.value} role may not do this", code="forbidden_role")
    if not principal.covers(home):
        raise Forbidden("that station is outside your area", code="out_of_scope")


def _home(row) -> Locus:
    """A unit's place for the scope rule: its home station, city and state."""
    return Locus(row.home_station_id, row.city, row.state)
