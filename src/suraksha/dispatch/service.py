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
from suraksha.adapters.group_commit import GroupCommitWriter
from suraksha.adapters.outbox import record
from suraksha.core.auth import Locus, Principal, Role
from suraksha.core.clock import Clock, ensure_utc
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suraksha.core.geo import Point, haversine_m
from suraksha.dispatch import model, store
from suraksha.dispatch.events import (
    AssignmentAtRisk,
    AssignmentReleased,
    UnitCreated,
    UnitDispatched,
    UnitRosterChanged,
    UnitStatusChanged,
)
from suraksha.dispatch.fleet import FleetIndex, FleetUnit, UnitRef
from suraksha.dispatch.model import PositionBatch, UnitStatus
from suraksha.dispatch.ports import Crews, IncidentForDispatch, IncidentPort, StationDirectory
from suraksha.dispatch.position_log import Moved, PositionLog
from suraksha.dispatch.positions import HistoryPolicy, UnitFix
from suraksha.dispatch.routing import TravelTimes, build_travel_times

STAFF = frozenset(Role) - {Role.INTEGRATION}
MANAGERS = frozenset({Role.ADMIN, Role.STATION_OFFICER})
REPORTERS = frozenset({Role.RESPONDER, Role.DISPATCHER, Role.ADMIN})  # may post a unit's positions
STATUS_SETTERS = frozenset({Role.RESPONDER, Role.DISPATCHER})
CREWS = frozenset({Role.RESPONDER})  # the responder's screen: a unit's own crew
MAX_RECOMMENDATIONS = 50
log = logging.getLogger(__name__)
LATEST_BY_ID = 500  # a list of more units reads every latest fix instead of theirs by id
_UNREAD = object()  # a unit's latest fix not read yet


class DispatchService:
    def __init__(
        self, engine: Engine, clock: Clock, settings: Any, incidents: IncidentPort,
        stations: StationDirectory, *, fleet: FleetIndex | None = None, travel: TravelTimes | None = None,
        positions_engine: Engine | None = None, positions_writer: GroupCommitWriter | None = None,
    ) -> None:
        """`positions_engine`: the positions' store (`position_store`; the main database when not given), which
        `positions_writer` writes."""
        self._engine, self._clock = engine, clock
        self._incidents, self._stations = incidents, stations
        self.stale_after = timedelta(minutes=settings.stale_position_minutes)
        self.ack_timeout = int(getattr(settings, "ack_timeout_seconds", 60))
        self.road_factor = settings.road_factor
        self.fleet = fleet or FleetIndex(self.road_factor, self.stale_after)
        self.travel = travel or build_travel_times(settings)  # straight line, or a road router
        self._loaded = fleet is not None
        self._sync = threading.RLock()  # orders index loads against after-commit updates
        self._rostered: set[int] = set()  # units with a roster: on duty only during a shift
        self._shifts: dict[int, list[model.Shift]] = {}  # their shifts that have not ended (a cache)
        policy = HistoryPolicy(timedelta(minutes=getattr(settings, "position_history_minutes", 10)),
                               timedelta(days=getattr(settings, "track_retention_days", 90)))
        self.positions = PositionLog(engine, positions_engine or engine, clock, policy, self.stale_after,
                                     positions_writer, getattr(settings, "position_flush_seconds", 1.0),
                                     self._mirror_moves)

    # ------------------------------------------------------------ the in-memory index

    def load(self) -> None:
        """(Re)build the FleetIndex from the database."""
        with self._sync, self._engine.connect() as conn:
            rows = store.unit_rows(conn)
            latest = self.positions.latest_of()  # after the rows: a unit added since has no fix yet
            self.fleet.load(_fleet_unit(_Located(r, latest.get(r.id))) for r in rows)
            self._load_rosters(conn)
            self._loaded = True

    def _load_rosters(self, conn) -> None:
        shifts: dict[int, list[model.Shift]] = {}
        for r in store.shift_rows(conn, ending_after=self._clock.now()):
            shifts.setdefault(r.unit_id, []).append(_shift(r))
        self._rostered, self._shifts = store.rostered_units(conn), shifts

    def reload_rosters(self, _event=None) -> None:
        """Another process (or this one) changed a roster: read them again."""
        with self._sync, self._engine.connect() as conn:
            self._load_rosters(conn)

    def on_duty(self, unit_id: int, at: datetime | None = None) -> bool:
        if unit_id not in self._rostered:
            return True
        return model.on_duty(self._shifts.get(unit_id, []), at or self._clock.now())

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
            store.log_change(conn, unit_id, now, principal.username if principal else "suraksha", "created",
                             f"{unit_kind.value} at station {station.id}")
            record(conn, UnitCreated(
                unit_id=unit_id, call_sign=call_sign, kind=unit_kind.value, home_station_id=station.id,
                station_id=station.id, city=station.city, state=station.state, status=UnitStatus.AVAILABLE.value,
                lon=lon, lat=lat), now)
            row = store.unit_row(conn, unit_id)
        self._after_commit(lambda f: f.upsert(_fleet_unit(row)))
        return self._unit_dict(row, None)  # a new unit: no fix yet

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
        latest = self.positions.latest_of([r.id for r in rows] if len(rows) <= LATEST_BY_ID else None)
        return [self._unit_dict(r, latest.get(r.id)) for r in rows]

    def units_by_status(self, principal: Principal) -> dict[str, int]:
        """Units in the principal's area (by home station), counted by status: every status, zeros included."""
        u = store.units.c
        with self._engine.connect() as conn:
            counts = store.status_counts(conn, scope_filter(principal, station_id=u.home_station_id, city=u.city,
                                                            state=u.state))
        return {s.value: counts.get(s.value, 0) for s in UnitStatus}

    def position_history(self, unit_id: int, limit: int = 100) -> list[dict]:
        """The unit's latest fixes (those the rolling window keeps), newest first."""
        with self._engine.connect() as conn:
            _existing(store.unit_row(conn, unit_id), unit_id)
        rows = self.positions.history(unit_id, limit)
        return [{"lon": r.lon, "lat": r.lat, "recorded_at": r.recorded_at, "received_at": r.received_at} for r in rows]

    # ------------------------------------------------------------ positions (written by the PositionLog)

    def post_position(
        self, unit_id: int, lon: float, lat: float, recorded_at: datetime | None = None,
        *, principal: Principal | None = None, crew_unit_id: int | None = None,
    ) -> dict:
        """A unit's GPS fix (its crew's phone): into the history, and the unit's latest position unless a newer
        one is there. Answered once written, with the unit as it is then."""
        now = self._clock.now()
        model.check_position(lon, lat, recorded_at or now, now)
        at = ensure_utc(recorded_at or now)
        with self._engine.connect() as conn:
            row = _existing(store.unit_row(conn, unit_id), unit_id)
        _check_may_act(principal, row, crew_unit_id, REPORTERS)
        self.positions.write([_fix(row, lon, lat, at, now)])
        with self._engine.connect() as conn:
            row = store.unit_row(conn, unit_id)
        return self._unit_dict(row)

    def post_positions(
        self, items: list[dict[str, Any]], *, principal: Principal | None = None, crew_unit_id: int | None = None,
    ) -> dict:
        """A device gateway's batch: each item names a unit by unit_id or call_sign. Bad items are reported."""
        now = self._clock.now()
        batch = PositionBatch(items, now)
        batch.resolve(self._unit_refs(*batch.keys()))
        batch.authorise(lambda row: _may_act(principal, row, crew_unit_id, REPORTERS))
        self.positions.write([_fix(row, lon, lat, at, now) for row, (lon, lat, at) in batch.accepted()])
        return batch.report()

    def _unit_refs(self, ids: set[int], call_signs: set[str]) -> list[UnitRef]:
        """The units named, from the index in memory (a unit's call sign and home never change); those it does not
        know (added by another process a moment ago, or none such) are looked for in the database."""
        found = self._index().refs(ids, call_signs)
        ids, call_signs = ids - {u.id for u in found}, call_signs - {u.call_sign for u in found}
        if ids or call_signs:
            with self._engine.connect() as conn:
                found += [UnitRef(r.id, r.call_sign, r.home_station_id, r.city, r.state)
                          for r in store.unit_rows_by_keys(conn, ids, call_signs)]
        return found

    def _mirror_moves(self, moved: Moved) -> None:
        if moved:
            self._after_commit(lambda f: f.move_many(moved))

    def prune_positions(self, limit: int = 2000) -> int:
        """The prune step (a timer): see PositionLog.prune."""
        return self.positions.prune(limit)

    def tracks(self, tracking: str, *, principal: Principal | None = None) -> list[dict]:
        """Each unit sent to this incident with its track (where it was when sent, then its fixes until it ended),
        for replaying the response."""
        with self._engine.connect() as conn:
            incident = self._incident(conn, tracking, principal)
            return [{**_assignment_dict(job), "points": self.positions.track(conn, job)}
                    for job in store.assignments_for(conn, incident.id)]

    # ------------------------------------------------------------ recommendation

    def recommend(self, tracking: str, limit: int = 5, *, principal: Principal | None = None) -> list[dict]:
        """The available units that would reach this incident first (see model.py for the estimate)."""
        _check_limit(limit)
        with self._engine.connect() as conn:
            incident = self._incident(conn, tracking, principal)
        if incident.noise_kind is not None:  # out of the dispatch queue (docs/adr/0009)
            return []
        return self.recommend_at(incident.lon, incident.lat, limit, location_known=incident.location_known)

    def recommend_at(self, lon: float, lat: float, limit: int = 5, *, location_known: bool = True) -> list[dict]:
        """The FleetIndex preselects the nearest units by straight line (PRESELECT × limit) and the travel-time
        estimator ranks them: in memory, plus one request when a road router is configured. Without her location
        (lon, lat is the station's anchor) no distance or time is given; units are ordered from the anchor."""
        now = self._clock.now()
        travel = self.travel
        off_duty = sum(1 for u in self._rostered if not self.on_duty(u, now))  # asked for beyond, then left out
        pool = [c for c in self._index().nearest(lon, lat, now, limit * model.PRESELECT + off_duty)
                if self.on_duty(c.unit_id, now)][:limit * model.PRESELECT]
        if not location_known:
            chosen = model.rank_from_anchor(pool, limit)
        else:
            seconds = travel.drive_seconds([Point(c.lon, c.lat) for c in pool], Point(lon, lat), now) if pool else []
            chosen = model.rank(model.timed(pool, seconds, travel.name), limit)
        return [_recommended(c, now, location_known, travel.name) for c in chosen]

    # ------------------------------------------------------------ assignment and its steps

    def assign(self, tracking: str, unit_id: int, principal: Principal | None = None, *,
               retask_reason: str | None = None) -> dict:
        """A dispatcher sends an available unit to an incident; a unit on another incident only when re-tasked
        explicitly (`retask_reason`), which is recorded on both incidents."""
        now = self._clock.now()
        with self._engine.begin() as conn:
            incident = self._incident(conn, tracking, principal, reading=False)
            if incident.status == "closed":
                raise Conflict(f"incident {incident.tracking} is closed", code="incident_closed")
            if incident.status == "merged":  # its units go to the incident it was merged into
                raise Conflict(f"incident {incident.tracking} is merged into another", code="incident_merged")
            row = _existing(store.unit_row(conn, unit_id, for_update=True), unit_id)
            current = UnitStatus(row.status)
            if retask_reason is None:
                model.check_assignable(current, row.call_sign)
            else:
                reason = model.check_retask(current, row.call_sign, retask_reason)
                job = store.open_assignment(conn, row.id)
                if job is not None and job.incident_id == incident.id:
                    raise Conflict(f"{row.call_sign} is already on {incident.tracking}", code="already_assigned")
                if job is not None:
                    self._release(conn, job, row, now, f"re-tasked to {incident.tracking}: {reason}", "retasked",
                                  unacknowledged_only=False)
            if not store.change_status(conn, row.id, current, UnitStatus.DISPATCHED, now):
                raise Conflict(f"{row.call_sign} was just taken", code="unit_not_available")
            assignment_id = store.insert_assignment(
                conn, incident_id=incident.id, tracking=incident.tracking, unit_id=row.id, dispatched_at=now,
                dispatched_by=principal.account_id if principal else None,
            )
            self.positions.start_track(conn, assignment_id, self._located(row))  # the replay starts where the unit was
            self._incidents.unit_dispatched(conn, incident.id, row.call_sign, now)
            store.log_change(conn, row.id, now, principal.username if principal else "suraksha (escalation)",
                             "status", f"{current.value} -> dispatched to {incident.tracking}")
            record(conn, UnitDispatched(
                unit_id=row.id, call_sign=row.call_sign, station_id=row.home_station_id, city=row.city,
                state=row.state, tracking=incident.tracking, incident_id=incident.id,
                status=UnitStatus.DISPATCHED.value), now)
            result = store.assignment(conn, assignment_id)
        self._after_commit(lambda f: f.set_status(unit_id, UnitStatus.DISPATCHED))
        return _assignment_dict(result)

    def _release(self, conn, job, unit_row, now: datetime, reason: str, why: str, *,
                 unacknowledged_only: bool) -> bool:
        """End a unit's assignment without clearing the scene, tell the incident and the dispatchers (in `conn`)."""
        if not store.release(conn, job.id, now, reason, unacknowledged_only=unacknowledged_only):
            return False
        left = store.open_assignments_on(conn, job.incident_id) == 0
        store.log_change(conn, unit_row.id, now, "suraksha", "released", f"from {job.tracking}: {reason}")
        self._incidents.unit_released(conn, job.incident_id, job.call_sign, now, reason, left)
        incident = self._incidents.incident_for_dispatch(conn, job.tracking)
        record(conn, AssignmentReleased(
            station_id=incident.station_id, city=incident.city, state=incident.state, tracking=job.tracking,
            unit_id=unit_row.id, call_sign=unit_row.call_sign, reason=reason, why=why), now)
        return True

    # ------------------------------------------------------------ escalation: a timer row per assignment

    def escalations_due(self) -> int:
        """How many crews have not acknowledged within the timeout and are not yet released (the metrics)."""
        with self._engine.connect() as conn:
            return store.unacknowledged_count(conn, self._clock.now() - timedelta(seconds=self.ack_timeout))

    def escalate_due(self, limit: int = 20) -> int:
        """Release every crew that has not acknowledged its dispatch within the timeout, and send the next
        recommended unit. The open assignment is the timer: each is claimed by a conditional update in the
        transaction that releases it, so however many processes run this, exactly one acts on each, and a
        restart loses nothing (the rows wait in the database)."""
        now = self._clock.now()
        with self._engine.connect() as conn:
            due = store.unacknowledged_due(conn, now - timedelta(seconds=self.ack_timeout), limit)
        done = 0
        for assignment_id in due:
            released = self._escalate_one(assignment_id, now)
            if released is not None:
                done += 1
                self._send_next(*released)
        return done

    def watch_deadlines(self, limit: int = 100) -> int:
        """Escalate every assignment whose unit, from where it is now, cannot reach her before the incident's
        deadline (straight-line estimate: the watch runs every few seconds and asks no routing service): the
        consoles in the incident's scope are told, with the units of other stations that could still make it.
        Each assignment is escalated once; the claim is a conditional update in the transaction that tells."""
        now = self._clock.now()
        with self._engine.connect() as conn:
            jobs = store.en_route_unwatched(conn, limit)
        escalated = 0
        for job in jobs:
            unit = self._index().get(job.unit_id)
            if unit is None:
                continue
            with self._engine.connect() as conn:
                incident = self._incidents.incident_for_dispatch(conn, job.tracking)
            if incident.respond_by is None or not incident.location_known or incident.status == "closed":
                continue
            metres = haversine_m(Point(unit.lon, unit.lat), Point(incident.lon, incident.lat))
            eta = model.travel_seconds(metres, unit.kind, now, self.road_factor)
            if now + timedelta(seconds=eta) <= incident.respond_by:
                continue
            left = (incident.respond_by - now).total_seconds()
            offers = [{"unit_id": r["unit_id"], "call_sign": r["call_sign"], "home_station_id": r["home_station_id"],
                       "eta_seconds": r["eta_seconds"]}
                      for r in self.recommend_at(incident.lon, incident.lat, 10)
                      if r["home_station_id"] != incident.station_id and r["eta_seconds"] is not None
                      and r["eta_seconds"] <= max(left, 0)][:3]
            with self._engine.begin() as conn:
                if not store.mark_at_risk(conn, job.id, now):
                    continue
                detail = {"call_sign": job.call_sign, "eta_seconds": round(eta),
                          "respond_by": incident.respond_by.isoformat(), "offers": [o["call_sign"] for o in offers]}
                self._incidents.deadline_at_risk(conn, job.incident_id, now, detail)
                record(conn, AssignmentAtRisk(
                    station_id=incident.station_id, city=incident.city, state=incident.state, tracking=job.tracking,
                    unit_id=job.unit_id, call_sign=job.call_sign, eta_seconds=round(eta),
                    respond_by=incident.respond_by.isoformat(), offers=offers), now)
            escalated += 1
        return escalated

    def _escalate_one(self, assignment_id: int, now: datetime) -> tuple[str, int, str] | None:
        with self._engine.begin() as conn:
            job = store.assignment(conn, assignment_id)
            if job is None:
                return None
            row = store.unit_row(conn, job.unit_id, for_update=True)
            reason = model.ack_timeout_reason(job.call_sign, job.tracking, self.ack_timeout)
            if not self._release(conn, job, row, now, reason, "not_acknowledged", unacknowledged_only=True):
                return None  # acknowledged meanwhile, or another process took it
            # Out of service, with the reason: someone must find out why before it is sent again.
            store.change_status(conn, row.id, row.status, UnitStatus.OUT_OF_SERVICE, now, reason=reason)
            store.log_change(conn, row.id, now, "suraksha (escalation)", "status",
                             f"{row.status} -> out_of_service: {reason}")
            record(conn, _status_changed(row, UnitStatus.OUT_OF_SERVICE, job.tracking), now)
        log.warning("%s", reason)
        self._after_commit(lambda f: f.set_status(row.id, UnitStatus.OUT_OF_SERVICE))
        return job.tracking, row.id, row.call_sign

    def _send_next(self, tracking: str, released_unit_id: int, released_call_sign: str) -> None:
        """Dispatch the next recommended unit to an incident whose crew was released (if it still needs one)."""
        try:
            with self._engine.connect() as conn:
                incident = self._incidents.incident_for_dispatch(conn, tracking)
        except NotFound:
            return
        if incident.status != "new":  # another unit is on it, or it was closed meanwhile
            return
        for candidate in self.recommend_at(incident.lon, incident.lat, 5, location_known=incident.location_known):
            if candidate["unit_id"] == released_unit_id:
                continue
            try:
                self.assign(tracking, candidate["unit_id"])
            except Conflict:
                continue  # taken meanwhile: the next one
            log.info("%s dispatched to %s in place of %s", candidate["call_sign"], tracking, released_call_sign)
            return
        log.warning("no available unit to send to %s in place of %s: the unassigned alarm follows",
                    tracking, released_call_sign)

    def set_in_service(self, unit_id: int, in_service: bool, reason: str = "", *,
                       principal: Principal | None = None) -> dict:
        """An administrator or the unit's station officer takes it out of service (with a reason) or back."""
        with self._engine.connect() as conn:
            row = _existing(store.unit_row(conn, unit_id), unit_id)
        _check_may(principal, MANAGERS, _home(row))
        status = UnitStatus.AVAILABLE if in_service else UnitStatus.OUT_OF_SERVICE
        return self.set_status(unit_id, status.value, None, reason=reason,
                               actor=principal.username if principal else None)

    def set_status(
        self, unit_id: int, status: str, principal: Principal | None = None, *, crew_unit_id: int | None = None,
        reason: str = "", disposition: str | None = None, actor: str | None = None,
    ) -> dict:
        """A crew (or their dispatcher) reports acknowledged, en_route, on_scene, available (cleared) or
        out_of_service (with a reason). Clearing may name a `disposition` (a code of the incidents' list): when the
        last unit clears, the incident closes with it instead of "attended and resolved"."""
        target = model.check_reportable(status)
        now = self._clock.now()
        with self._engine.begin() as conn:
            row = _existing(store.unit_row(conn, unit_id, for_update=True), unit_id)
            _check_may_act(principal, row, crew_unit_id, STATUS_SETTERS)
            why = model.check_reason(target, reason)  # after the right to act: an outsider learns nothing
            outcome = model.check_disposition(target, disposition)
            current = UnitStatus(row.status)
            model.check_transition(current, target)
            if not store.change_status(conn, row.id, current, target, now, reason=why):
                raise Conflict(f"{row.call_sign} changed meanwhile: try again", code="invalid_transition")
            job = store.open_assignment(conn, row.id)
            if job is None and outcome is not None:
                raise InvalidInput(f"{row.call_sign} is on no incident: nothing to close", code="invalid_disposition")
            if job is not None:
                self._advance(conn, job, target, now, outcome)
            store.log_change(conn, row.id, now, actor or (principal.username if principal else "suraksha"), "status",
                             f"{current.value} -> {target.value}" + (f" on {job.tracking}" if job else "")
                             + (f": {why}" if why else ""))
            record(conn, _status_changed(row, target, job.tracking if job else None), now)
            after = store.unit_row(conn, unit_id)
            job = store.assignment(conn, job.id) if job else None
        self._after_commit(lambda f: f.set_status(unit_id, target))
        return {**self._unit_dict(after), "assignment": _assignment_dict(job) if job else None}

    def _advance(self, conn, job, target: UnitStatus, now: datetime, disposition: str | None = None) -> None:
        """Timestamp the assignment's step and tell the incident, in this transaction."""
        step = model.ASSIGNMENT_STEP.get(target)
        if step is None:
            return
        store.mark_step(conn, job.id, step, now)
        if target in (UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE):  # moving is acknowledging
            store.mark_step(conn, job.id, "acknowledged_at", now)
        if target is UnitStatus.ACKNOWLEDGED:
            self._incidents.unit_acknowledged(conn, job.incident_id, job.call_sign, now)
        elif target is UnitStatus.EN_ROUTE:
            self._incidents.unit_en_route(conn, job.incident_id, job.call_sign, now)
        elif target is UnitStatus.ON_SCENE:
            self._incidents.unit_arrived(conn, job.incident_id, job.call_sign, now)
        else:
            last = store.open_assignments_on(conn, job.incident_id) == 0
            self._incidents.unit_cleared(conn, job.incident_id, job.call_sign, now, last, disposition=disposition)

    def crew_view(self, unit_id: int, principal: Principal | None = None, *, crew_unit_id: int | None = None) -> dict:
        """The crew's screen: its unit, the assignment it is on (if any), what the crew needs to know of that
        incident (her number only by the need-to-know rule), and the statuses it may report next."""
        with self._engine.connect() as conn:
            row = _existing(store.unit_row(conn, unit_id), unit_id)
            _check_may_act(principal, row, crew_unit_id, CREWS)
            job = store.open_assignment(conn, row.id)
            incident = self._incidents.incident_for_crew(conn, job.incident_id, principal) if job else None
        steps = model.crew_steps(UnitStatus(row.status), job is not None)
        return {"unit": self._unit_dict(row), "assignment": _assignment_dict(job) if job else None,
                "incident": incident, "next_statuses": [s.value for s in steps]}

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
                store.log_change(conn, row.id, at, "suraksha", "status",
                                 f"{row.status} -> available: stood down, {job.tracking} {reason}")
                record(conn, _status_changed(row, UnitStatus.AVAILABLE, job.tracking), at)
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
        if event.type == "UnitsMoved" and self._loaded:
            moves = [(u["unit_id"], u["lon"], u["lat"], datetime.fromisoformat(u["at"])) for u in p["units"]]
            with self._sync:
                try:
                    self.fleet.move_many(moves)
                except KeyError:  # units this index does not know: added by another process
                    self.load()
            return
        unit_id = p.get("unit_id")
        if unit_id is None or not self._loaded:
            return
        with self._sync:
            current = self.fleet.get(unit_id)
            if current is None:
                self.load()
                return
            if "status" in p:  # read the row: an older event must not undo a newer local change
                with self._engine.connect() as conn:
                    row = store.unit_row(conn, unit_id)
                if row is not None:
                    self.fleet.upsert(_fleet_unit(self._located(row)))

    # ------------------------------------------------------------ rosters, crews and the unit's log

    def roster(self, unit_id: int, *, principal: Principal | None = None) -> dict:
        """A unit's shifts that have not ended, whether it is on duty now, and its crew's accounts."""
        with self._engine.connect() as conn:
            row = _existing(store.unit_row(conn, unit_id), unit_id)
            if principal is not None:
                _check_may(principal, STAFF, _home(row))
            rostered = unit_id in store.rostered_units(conn)
            shifts = [_shift(r) for r in store.shift_rows(conn, unit_id, ending_after=self._clock.now())]
        now = self._clock.now()
        return {"unit_id": row.id, "call_sign": row.call_sign, "rostered": rostered,
                "on_duty": (not rostered) or model.on_duty(shifts, now),
                "shifts": [_shift_dict(x) for x in shifts]}

    def add_shift(self, unit_id: int, starts_at: datetime, ends_at: datetime, woman_officer: str = "", crew: str = "",
                  *, principal: Principal | None = None) -> dict:
        """Put a unit on the roster for a shift (admins, and officers of its station)."""
        now = self._clock.now()
        starts_at, ends_at = ensure_utc(starts_at), ensure_utc(ends_at)
        with self._engine.begin() as conn:
            row = _existing(store.unit_row(conn, unit_id, for_update=True), unit_id)
            _check_may(principal, MANAGERS, _home(row))
            officer, crew_text = model.check_shift(model.UnitKind(row.kind), starts_at, ends_at, woman_officer, crew,
                                                   now)
            current = [_shift(r) for r in store.shift_rows(conn, unit_id, ending_after=now)]
            if model.overlaps(current, starts_at, ends_at):
                raise Conflict(f"{row.call_sign} already has a shift at that time", code="shift_overlaps")
            by = principal.username if principal else "suraksha"
            shift_id = store.insert_shift(conn, unit_id=unit_id, starts_at=starts_at, ends_at=ends_at,
                                          woman_officer=officer, crew=crew_text, created_by=by, created_at=now)
            store.log_change(conn, unit_id, now, by, "shift_added",
                             f"{starts_at.isoformat()} to {ends_at.isoformat()}"
                             + (f", woman officer {officer}" if officer else "") + (f", crew {crew_text}" if crew_text
                                                                                     else ""))
            record(conn, UnitRosterChanged(unit_id=row.id, call_sign=row.call_sign, station_id=row.home_station_id,
                                           city=row.city, state=row.state, shift_id=shift_id, change="added"), now)
        self.reload_rosters()
        return self.roster(unit_id)

    def cancel_shift(self, shift_id: int, *, principal: Principal | None = None) -> dict:
        now = self._clock.now()
        with self._engine.begin() as conn:
            shift = store.shift_row(conn, shift_id)
            if shift is None:
                raise NotFound(f"no shift {shift_id}", code="shift_not_found")
            row = store.unit_row(conn, shift.unit_id, for_update=True)
            _check_may(principal, MANAGERS, _home(row))
            by = principal.username if principal else "suraksha"
            if not store.cancel_shift(conn, shift_id, now, by):
                raise Conflict("that shift is already cancelled", code="shift_cancelled")
            store.log_change(conn, row.id, now, by, "shift_cancelled",
                             f"{shift.starts_at.isoformat()} to {shift.ends_at.isoformat()}")
            record(conn, UnitRosterChanged(unit_id=row.id, call_sign=row.call_sign, station_id=row.home_station_id,
                                           city=row.city, state=row.state, shift_id=shift_id, change="cancelled"), now)
        self.reload_rosters()
        return self.roster(row.id)

    def unit_log(self, unit_id: int, *, principal: Principal | None = None) -> list[dict]:
        """Every change to a unit, newest first: status (with incident and reason), shifts, crew."""
        with self._engine.connect() as conn:
            row = _existing(store.unit_row(conn, unit_id), unit_id)
            if principal is not None:
                _check_may(principal, STAFF, _home(row))
            return [{"at": r.at, "by": r.by, "change": r.change, "detail": r.detail}
                    for r in store.unit_log_rows(conn, unit_id)]

    def set_crew(self, unit_id: int, usernames: list[str], crews: Crews, *,
                 principal: Principal | None = None) -> list[dict]:
        """Put these responders' accounts on the unit's crew and take the others off (admins, and officers of its
        station); a responder of another station may not crew it. Written to the unit's log."""
        with self._engine.connect() as conn:
            row = _existing(store.unit_row(conn, unit_id), unit_id)
        _check_may(principal, MANAGERS, _home(row))
        wanted = sorted({u.strip() for u in usernames if u.strip()})
        for username in wanted:
            account = crews.responder(username)
            if not account.covers(_home(row)):
                raise InvalidInput(f"{username} is a responder of another area: they cannot crew {row.call_sign}",
                                   code="crew_out_of_area")
        before = [c["username"] for c in crews.crew_of(unit_id)]
        for username in before:
            if username not in wanted:
                crews.crew_unit(username, None)
        for username in wanted:
            crews.crew_unit(username, unit_id)
        if before != wanted:
            with self._engine.begin() as conn:
                store.log_change(conn, unit_id, self._clock.now(), principal.username if principal else "suraksha",
                                 "crew", f"{', '.join(before) or '-'} -> {', '.join(wanted) or '-'}")
        return crews.crew_of(unit_id)

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

    def _located(self, row, fix: Any = _UNREAD) -> Any:
        """The unit's row with its latest position: its newest fix (`fix`, or read from the positions' store) when
        that is newer than the position on the row."""
        if fix is _UNREAD:
            fix = self.positions.latest_of([row.id]).get(row.id)
        return _Located(row, fix)

    def _unit_dict(self, row, fix: Any = _UNREAD) -> dict:
        row = self._located(row, fix)
        now = self._clock.now()
        return {
            "id": row.id, "call_sign": row.call_sign, "kind": row.kind, "home_station_id": row.home_station_id,
            "city": row.city, "status": row.status, "status_reason": row.status_reason, "lon": row.lon, "lat": row.lat,
            "position_at": row.position_at,
            "stale": model.is_stale(row.position_at, now, self.stale_after),
            "position_age_seconds": _rounded(model.position_age_seconds(row.position_at, now)),
        }


class _Located:
    """A unit's row seen with its latest fix laid over the position it holds (`position_store`)."""

    __slots__ = ("_row", "lon", "lat", "position_at")

    def __init__(self, row: Any, fix: Any) -> None:
        self._row = row
        if fix is not None and (row.position_at is None or fix.recorded_at > row.position_at):
            self.lon, self.lat, self.position_at = fix.lon, fix.lat, fix.recorded_at
        else:
            self.lon, self.lat, self.position_at = row.lon, row.lat, row.position_at

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)


def _fix(row, lon: float, lat: float, at: datetime, received_at: datetime) -> UnitFix:
    return UnitFix(row.id, row.call_sign, row.home_station_id, row.city, row.state, lon, lat, at, received_at)


def _shift(r) -> model.Shift:
    return model.Shift(r.id, r.unit_id, r.starts_at, r.ends_at, r.woman_officer, r.crew, r.cancelled_at is not None)


def _shift_dict(x: model.Shift) -> dict:
    return {"id": x.id, "unit_id": x.unit_id, "starts_at": x.starts_at, "ends_at": x.ends_at,
            "woman_officer": x.woman_officer, "crew": x.crew, "cancelled": x.cancelled}


def _fleet_unit(row) -> FleetUnit:
    return FleetUnit(
        row.id, row.call_sign, model.UnitKind(row.kind), row.home_station_id, UnitStatus(row.status),
        row.lon, row.lat, row.position_at, row.city, row.state,
    )


def _assignment_dict(row, received_at: datetime | None = None) -> dict:
    steps = [("released", row.released_at), ("cleared", row.cleared_at), ("on_scene", row.on_scene_at),
             ("en_route", row.en_route_at), ("acknowledged", row.acknowledged_at)]
    result = {
        "id": row.id, "incident_id": row.incident_id, "tracking": row.tracking, "unit_id": row.unit_id,
        "call_sign": row.call_sign, "kind": row.kind, "dispatched_at": row.dispatched_at,
        "acknowledged_at": row.acknowledged_at, "released_at": row.released_at, "release_reason": row.release_reason,
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


def _recommended(c: model.Candidate, now: datetime, location_known: bool, preferred: str) -> dict:
    """One recommendation as the API gives it: distance and time only where her location is known."""
    return {
        "unit_id": c.unit_id, "call_sign": c.call_sign, "kind": c.kind.value,
        "home_station_id": c.home_station_id, "status": c.status.value,
        "distance_m": round(c.distance_m, 1) if location_known else None,
        "eta_seconds": round(c.eta_seconds) if location_known else None,
        "stale": c.stale, "position_age_seconds": _rounded(c.position_age_seconds),
        "estimator": c.estimator, "location_known": location_known,
        "reason": model.reason(c, now, location_known, preferred),
    }


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


def _status_changed(row, status: UnitStatus, tracking: str | None) -> UnitStatusChanged:
    """The event for a unit row that has just changed to `status` (on `tracking`, if on an incident)."""
    return UnitStatusChanged(unit_id=row.id, call_sign=row.call_sign, station_id=row.home_station_id, city=row.city,
                             state=row.state, status=status.value, lat=row.lat, lon=row.lon, tracking=tracking)
