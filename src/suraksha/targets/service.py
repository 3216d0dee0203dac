"""Use cases for response-time targets: the table an administrator edits, each station's area class, and the
deadline of an incident. What a process keeps in memory is a cache of the tables, reloaded on every change
(`ResponseTargetsChanged`, from any process)."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select, update

from suraksha.adapters.outbox import record
from suraksha.core.auth import ROLES_THAT_MANAGE_STATIONS, Locus, Principal, ScopeKind
from suraksha.core.clock import Clock
from suraksha.core.errors import Forbidden, InvalidInput, NotFound
from suraksha.stations.service import StationService
from suraksha.targets.events import ResponseTargetsChanged
from suraksha.targets.model import ANY_STATE, AreaClass, Target, TargetProblem, check, choose, deadline
from suraksha.targets.store import response_targets as rt
from suraksha.targets.store import station_areas


class TargetService:
    def __init__(self, engine: Engine, clock: Clock, stations: StationService) -> None:
        self._engine, self._clock, self._stations = engine, clock, stations
        self._lock = threading.Lock()
        self._targets: list[Target] = []
        self._areas: dict[int, AreaClass] = {}
        self._loaded = False

    def reload(self) -> None:
        with self._engine.connect() as conn:
            targets = [Target(r.id, r.state, AreaClass(r.area_class), r.priority, r.category, r.minutes, r.source)
                       for r in conn.execute(select(rt).order_by(rt.c.id))]
            areas = {r.station_id: AreaClass(r.area_class) for r in conn.execute(select(station_areas))}
        with self._lock:
            self._targets, self._areas, self._loaded = targets, areas, True

    def _ready(self) -> None:
        if not self._loaded:
            self.reload()

    # reading ---------------------------------------------------------------------------------------
    def targets(self) -> list[dict]:
        self._ready()
        return [_as_dict(t) for t in sorted(self._targets, key=lambda t: (t.state, t.area_class, t.priority or 0,
                                                                          t.category or ""))]

    def area_class(self, station_id: int | None) -> AreaClass:
        self._ready()
        return self._areas.get(station_id, AreaClass.URBAN) if station_id is not None else AreaClass.URBAN

    def for_incident(self, state: str | None, station_id: int | None, priority: int, category: str,
                     received_at: datetime) -> dict:
        """`respond_by` (the deadline) and the target it comes from, or nulls where no target applies."""
        self._ready()
        area = self.area_class(station_id)
        chosen = choose(self._targets, state, area, priority, category)
        due = deadline(received_at, chosen)
        return {"respond_by": due.isoformat() if due else None,
                "target_minutes": chosen.minutes if chosen else None, "area_class": area.value}

    # changing --------------------------------------------------------------------------------------
    def _may(self, principal: Principal, state: str) -> None:
        """Administrators set their state's targets; a target for any state (`*`) needs a national account."""
        if principal.role not in ROLES_THAT_MANAGE_STATIONS:
            raise Forbidden(f"the {principal.role.value} role may not change targets", code="forbidden_role")
        national = principal.scope_kind is ScopeKind.NATIONAL
        if not (national if state == ANY_STATE else principal.covers(Locus(state=state))):
            raise Forbidden("that state is outside your area", code="out_of_scope")

    def set_target(self, principal: Principal, state: str, area_class: str, priority: int | None,
                   category: str | None, minutes: int, source: str = "") -> dict:
        """Add a target, or change the minutes of the one with the same state, area, priority and category."""
        state = state.strip().upper() if state.strip() != ANY_STATE else ANY_STATE
        category = (category or "").strip() or None
        try:
            check(state, area_class, priority, category, minutes)
        except TargetProblem as problem:
            raise InvalidInput(str(problem), code=problem.code) from None
        self._may(principal, state)
        now = self._clock.now()
        same = (rt.c.state == state, rt.c.area_class == area_class,
                rt.c.priority.is_(None) if priority is None else rt.c.priority == priority,
                rt.c.category.is_(None) if category is None else rt.c.category == category)
        values = {"minutes": minutes, "source": source.strip()[:300], "updated_by": principal.username,
                  "updated_at": now}
        with self._engine.begin() as conn:
            existing = conn.execute(select(rt.c.id).where(*same)).scalar_one_or_none()
            if existing is None:
                target_id = conn.execute(insert(rt).values(state=state, area_class=area_class, priority=priority,
                                                           category=category, **values).returning(rt.c.id)
                                         ).scalar_one()
            else:
                target_id = existing
                conn.execute(update(rt).where(rt.c.id == existing).values(**values))
            record(conn, ResponseTargetsChanged(by=principal.username, what="target"), now)
        self.reload()
        return next(t for t in self.targets() if t["id"] == target_id)

    def delete_target(self, principal: Principal, target_id: int) -> None:
        self._ready()
        found = next((t for t in self._targets if t.id == target_id), None)
        if found is None:
            raise NotFound(f"no target {target_id}", code="target_not_found")
        self._may(principal, found.state)
        now = self._clock.now()
        with self._engine.begin() as conn:
            conn.execute(delete(rt).where(rt.c.id == target_id))
            record(conn, ResponseTargetsChanged(by=principal.username, what="target"), now)
        self.reload()

    def set_area_class(self, principal: Principal, station_id: int, area_class: str) -> dict:
        station = self._stations.get(station_id)
        try:
            area = AreaClass(area_class)
        except ValueError:
            raise InvalidInput("area class: urban or rural", code="invalid_area_class") from None
        if principal.role not in ROLES_THAT_MANAGE_STATIONS:
            raise Forbidden(f"the {principal.role.value} role may not change this", code="forbidden_role")
        if not principal.covers(Locus(station.id, station.city, station.state)):
            raise Forbidden("that station is outside your area", code="out_of_scope")
        now = self._clock.now()
        with self._engine.begin() as conn:
            conn.execute(delete(station_areas).where(station_areas.c.station_id == station.id))
            conn.execute(insert(station_areas).values(station_id=station.id, area_class=area.value,
                                                      updated_by=principal.username, updated_at=now))
            record(conn, ResponseTargetsChanged(by=principal.username, what="area_class"), now)
        self.reload()
        return {"station_id": station.id, "area_class": area.value}


def _as_dict(t: Target) -> dict:
    return {"id": t.id, "state": t.state, "area_class": t.area_class.value, "priority": t.priority,
            "category": t.category, "minutes": t.minutes, "source": t.source}
