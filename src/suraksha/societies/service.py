"""Use cases for housing societies: a station's officers register, edit, deactivate and reactivate societies and
add or remove their coordinators; intake asks, without the database, whether a sender is a registered coordinator.

The coordinator lookup is a cache of the database, swapped whole on `reload`: after each change this process
makes, and on every `SocietyChanged` event from any process (the composition root wires it), so several nodes
agree. Coordinators' numbers are sealed; their keyed fingerprint is the one intake computes for every sender.
A number is shown masked (`core.phones.mask`), never in full, and never logged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from suraksha.adapters.db import scope_filter
from suraksha.adapters.outbox import record
from suraksha.core.auth import ROLES_THAT_REGISTER_SOCIETIES, Locus, Principal, ScopeKind
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suraksha.core.phones import mask, to_e164
from suraksha.core.privacy import Sealer
from suraksha.societies import model
from suraksha.societies.events import SocietyChanged
from suraksha.societies.model import SocietyDetails, SocietyProblem, SocietyRef
from suraksha.societies.store import societies, society_coordinators
from suraksha.stations.model import StationRef
from suraksha.stations.service import StationService

LISTED = 1000  # a list shows at most this many societies


class SocietyService:
    def __init__(self, engine: Engine, clock: Clock, stations: StationService, sealer: Sealer) -> None:
        self._engine, self._clock, self._stations, self._sealer = engine, clock, stations, sealer
        self._lock = threading.Lock()
        self._by_fingerprint: dict[str, SocietyRef] | None = None  # None until first built

    # intake's question: no database on the message's path --------------------------------------------------
    def coordinator(self, fingerprint: str) -> SocietyRef | None:
        """The active society whose registered coordinator has this number's fingerprint, or None."""
        lookup = self._by_fingerprint
        if lookup is None:  # not built yet in this process: built once, then kept fresh by reload
            self.reload()
            lookup = self._by_fingerprint or {}
        return lookup.get(fingerprint)

    def reload(self) -> None:
        """Rebuild the coordinator lookup from the database (active societies, coordinators not removed)."""
        s, k = societies.c, society_coordinators.c
        q = (select(k.phone_fingerprint, s.id, s.name, s.station_id, s.lon, s.lat)
             .join(societies, s.id == k.society_id).where(s.active.is_(True), k.removed_at.is_(None)))
        with self._lock:  # one reload at a time: a slower, older read never replaces a newer one
            with self._engine.connect() as conn:
                rows = conn.execute(q).all()
            self._by_fingerprint = {r.phone_fingerprint: SocietyRef(r.id, r.name, r.station_id, r.lon, r.lat)
                                    for r in rows}

    # reading ----------------------------------------------------------------------------------------------
    def in_area(self, principal: Principal, active: bool | None = None, limit: int = LISTED) -> list[dict]:
        """The societies in the principal's area, by name; each with its coordinators (numbers masked)."""
        _check_role(principal)
        s = societies.c
        q = select(societies).where(scope_filter(principal, station_id=s.station_id, city=s.city, state=s.state))
        if active is not None:
            q = q.where(s.active.is_(active))
        with self._engine.connect() as conn:
            rows = conn.execute(q.order_by(s.name, s.id).limit(limit)).all()
            coordinators = self._coordinators(conn, [r.id for r in rows])
        return [self._as_dict(r, coordinators.get(r.id, [])) for r in rows]

    def get(self, principal: Principal, society_id: int) -> dict:
        _check_role(principal)
        with self._engine.connect() as conn:
            row = self._society(conn, society_id)
            if not principal.covers(_locus(row)):
                raise NotFound(f"no society {society_id}", code="society_not_found")
            return self._as_dict(row, self._coordinators(conn, [row.id]).get(row.id, []))

    # registering --------------------------------------------------------------------------------------------
    def register(self, principal: Principal, details: SocietyDetails, station_id: int | None = None) -> dict:
        """A society in the principal's area: at its station (a station account's own; else the one named, or
        the one whose jurisdiction holds the pin)."""
        _check_role(principal)
        d = _problem(lambda: model.check_details(details))
        station = self._station_for(principal, d, station_id)
        now = self._clock.now()
        with self._engine.begin() as conn:
            society_id = conn.execute(insert(societies).values(
                name=d.name, address=d.address, lon=d.lon, lat=d.lat, station_id=station.id, city=station.city,
                state=station.state, active=True, created_by=principal.username[:64], created_at=now,
                updated_by=principal.username[:64], updated_at=now).returning(societies.c.id)).scalar_one()
            self._announce(conn, Locus(station.id, station.city, station.state), society_id, "registered",
                           principal, now)
        return self.get(principal, society_id)

    def edit(self, principal: Principal, society_id: int, details: SocietyDetails) -> dict:
        """Its name, address or pin: the alerts that come after take the new place."""
        d = _problem(lambda: model.check_details(details))
        return self._change(principal, society_id, "edited", name=d.name, address=d.address, lon=d.lon, lat=d.lat)

    def set_active(self, principal: Principal, society_id: int, active: bool) -> dict:
        """A deactivated society's coordinators are ordinary senders again (its record and theirs are kept)."""
        return self._change(principal, society_id, "reactivated" if active else "deactivated", active=active)

    def add_coordinator(self, principal: Principal, society_id: int, name: str, phone: str) -> dict:
        """A coordinator's name and mobile number (sealed). One number coordinates one society at a time."""
        who = _problem(lambda: model.check_coordinator_name(name))
        number = to_e164(phone)
        fingerprint = self._sealer.fingerprint(number)
        now = self._clock.now()
        try:
            with self._engine.begin() as conn:
                row = self._acting_on(conn, principal, society_id)
                taken = conn.execute(select(society_coordinators.c.id).where(
                    society_coordinators.c.phone_fingerprint == fingerprint,
                    society_coordinators.c.removed_at.is_(None))).first()
                if taken is not None:
                    raise Conflict("that number already coordinates a society", code="coordinator_taken")
                conn.execute(insert(society_coordinators).values(
                    society_id=row.id, name=who, phone_sealed=self._sealer.seal(number),
                    phone_fingerprint=fingerprint, added_by=principal.username[:64], added_at=now))
                self._touch(conn, row, principal, now)
                self._announce(conn, _locus(row), row.id, "coordinator_added", principal, now)
        except IntegrityError:  # the same number added at the same moment elsewhere
            raise Conflict("that number already coordinates a society", code="coordinator_taken") from None
        self.reload()
        return self.get(principal, society_id)

    def remove_coordinator(self, principal: Principal, society_id: int, coordinator_id: int) -> dict:
        """No longer a coordinator: their messages are ordinary ones from now on (the record is kept)."""
        now = self._clock.now()
        k = society_coordinators.c
        with self._engine.begin() as conn:
            row = self._acting_on(conn, principal, society_id)
            done = conn.execute(update(society_coordinators).where(
                k.id == coordinator_id, k.society_id == row.id, k.removed_at.is_(None))
                .values(removed_at=now, removed_by=principal.username[:64])).rowcount
            if done != 1:
                raise NotFound(f"no coordinator {coordinator_id} of this society", code="coordinator_not_found")
            self._touch(conn, row, principal, now)
            self._announce(conn, _locus(row), row.id, "coordinator_removed", principal, now)
        self.reload()
        return self.get(principal, society_id)

    # shared ------------------------------------------------------------------------------------------------
    def _change(self, principal: Principal, society_id: int, change: str, **values: Any) -> dict:
        now = self._clock.now()
        with self._engine.begin() as conn:
            row = self._acting_on(conn, principal, society_id)
            conn.execute(update(societies).where(societies.c.id == row.id)
                         .values(updated_by=principal.username[:64], updated_at=now, **values))
            self._announce(conn, _locus(row), row.id, change, principal, now)
        self.reload()
        return self.get(principal, society_id)

    def _station_for(self, principal: Principal, d: SocietyDetails, station_id: int | None) -> StationRef:
        if station_id is None and principal.scope_kind is ScopeKind.STATION:
            station_id = int(principal.scope_value)
        if station_id is not None:
            try:
                station = self._stations.get(station_id)
            except NotFound:
                raise InvalidInput(f"no station {station_id}", code="station_not_found") from None
        else:
            found = self._stations.resolve(d.lon, d.lat).station
            if found is None:
                raise InvalidInput("no station covers that place: choose the station", code="outside_area")
            station = found
        if not principal.covers(Locus(station.id, station.city, station.state)):
            raise Forbidden("that station is outside your area", code="out_of_scope")
        return station

    def _acting_on(self, conn: Connection, principal: Principal, society_id: int) -> Any:
        _check_role(principal)
        row = self._society(conn, society_id)
        if not principal.covers(_locus(row)):
            raise Forbidden("that society belongs to another area", code="out_of_scope")
        return row

    def _society(self, conn: Connection, society_id: int) -> Any:
        row = conn.execute(select(societies).where(societies.c.id == society_id)).first()
        if row is None:
            raise NotFound(f"no society {society_id}", code="society_not_found")
        return row

    def _touch(self, conn: Connection, row: Any, principal: Principal, now: datetime) -> None:
        conn.execute(update(societies).where(societies.c.id == row.id)
                     .values(updated_by=principal.username[:64], updated_at=now))

    @staticmethod
    def _announce(conn: Connection, where: Locus, society_id: int, change: str, principal: Principal,
                  at: datetime) -> None:
        record(conn, SocietyChanged(station_id=where.station_id, city=where.city, state=where.state,
                                    society_id=society_id, change=change, by=principal.username[:64]), at)

    def _coordinators(self, conn: Connection, society_ids: list[int]) -> dict[int, list[dict]]:
        if not society_ids:
            return {}
        k = society_coordinators.c
        found: dict[int, list[dict]] = {}
        for r in conn.execute(select(society_coordinators).where(k.society_id.in_(society_ids),
                                                                 k.removed_at.is_(None)).order_by(k.name, k.id)):
            found.setdefault(r.society_id, []).append({
                "id": r.id, "name": r.name, "phone_masked": mask(self._sealer.unseal(r.phone_sealed)),
                "added_by": r.added_by, "added_at": r.added_at})
        return found

    def _as_dict(self, row: Any, coordinators: list[dict]) -> dict:
        try:
            station_name: str | None = self._stations.get(row.station_id).name
        except NotFound:
            station_name = None
        return {"id": row.id, "name": row.name, "address": row.address,
                "location": {"lat": row.lat, "lon": row.lon}, "station_id": row.station_id,
                "station_name": station_name, "city": row.city, "state": row.state, "active": bool(row.active),
                "coordinators": coordinators, "created_by": row.created_by, "created_at": row.created_at,
                "updated_by": row.updated_by, "updated_at": row.updated_at}


def _locus(row: Any) -> Locus:
    return Locus(row.station_id, row.city, row.state)


def _check_role(principal: Principal) -> None:
    if principal.role not in ROLES_THAT_REGISTER_SOCIETIES:
        raise Forbidden(f"the {principal.role.value} role registers no societies", code="forbidden_role")


def _problem(rule: Callable[[], Any]) -> Any:
    """A model rule's answer; a broken rule becomes InvalidInput (422) with its code."""
    try:
        return rule()
    except SocietyProblem as problem:
        raise InvalidInput(str(problem), code=problem.code) from None
