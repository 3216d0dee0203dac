"""Use cases for the phones that carry helpline numbers: record, correct, retire, and remind before a free period
ends. Station officers keep their own station's phones; administrators those of their scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from suraksha.adapters.outbox import record
from suraksha.core.auth import ROLES_THAT_KEEP_HANDSETS, Locus, Principal
from suraksha.core.clock import Clock
from suraksha.core.errors import Forbidden, InvalidInput, NotFound
from suraksha.core.localtime import to_local, zone
from suraksha.core.phones import to_e164
from suraksha.handsets.events import HandsetFreePeriodEnding, HandsetRecorded
from suraksha.handsets.model import (
    HandsetChange,
    HandsetFacts,
    HandsetProblem,
    check,
    days_left,
    reminder_due_at,
    state_of,
)
from suraksha.handsets.store import handset_changes, handsets
from suraksha.stations.model import HelplineKind, StationRef
from suraksha.stations.service import StationService


class HandsetService:
    def __init__(self, engine: Engine, clock: Clock, stations: StationService,
                 zone_for: Callable[[str | None], str]) -> None:
        self._engine, self._clock, self._stations, self._zone_for = engine, clock, stations, zone_for

    # who may ---------------------------------------------------------------------------------------
    def _allowed(self, principal: Principal, station: StationRef | None) -> None:
        if principal.role not in ROLES_THAT_KEEP_HANDSETS:
            raise Forbidden(f"the {principal.role.value} role does not keep helpline phones", code="forbidden_role")
        where = Locus(station.id, station.city, station.state) if station else Locus()
        if not principal.covers(where):
            raise Forbidden("that station is outside your area", code="out_of_scope")

    def today(self, city: str | None) -> date:
        return to_local(self._clock.now(), self._zone_for(city)).date()

    # reading ---------------------------------------------------------------------------------------
    def station_phones(self, principal: Principal, station_id: int) -> dict:
        """The station's numbers, each with the handsets that carry or carried it and the number's history
        (handsets recorded, edited, retired, reminders, and the number's moves between stations)."""
        station = self._stations.get(station_id)
        self._allowed(principal, station)
        today = self.today(station.city)
        numbers = [(n, k) for n, k in ((station.women_helpline, HelplineKind.WOMEN),
                                       (station.general_number, HelplineKind.GENERAL)) if n]
        with self._engine.connect() as conn:
            rows = conn.execute(select(handsets).where(handsets.c.number.in_([n for n, _ in numbers]))
                                .order_by(handsets.c.id)).all() if numbers else []
            changes = conn.execute(select(handset_changes).where(
                handset_changes.c.number.in_([n for n, _ in numbers])).order_by(handset_changes.c.id)).all() \
                if numbers else []
        out = []
        for number, kind in numbers:
            mine = [_as_dict(r, today) for r in rows if r.number == number]
            history = [_change_dict(c) for c in changes if c.number == number]
            history += [self._move_dict(m) for m in self._stations.number_history(number)]
            history.sort(key=lambda h: h["at"])
            out.append({"number": number, "kind": kind.value,
                        "in_service": [h for h in mine if h["retired_on"] is None],
                        "retired": [h for h in mine if h["retired_on"] is not None], "history": history})
        return {"station": station, "numbers": out, "today": today}

    def _move_dict(self, move: dict) -> dict:
        names = {sid: self._name(sid) for sid in (move["from_station_id"], move["to_station_id"])}
        return {"change": "number_moved", "at": move["changed_at"], "by": move["changed_by"],
                "detail": move["reason"], "from_station": names[move["from_station_id"]],
                "to_station": names[move["to_station_id"]], "handset_id": None}

    def _name(self, station_id: int | None) -> str | None:
        if station_id is None:
            return None
        try:
            return self._stations.get(station_id).name
        except NotFound:
            return None

    def overview(self, principal: Principal, ending_within_days: int | None = None) -> list[dict]:
        """Every handset in service on a number of a station in the principal's scope, the soonest-ending first;
        with `ending_within_days`, only those whose free period ends within that many days (or has ended)."""
        if principal.role not in ROLES_THAT_KEEP_HANDSETS:
            raise Forbidden(f"the {principal.role.value} role does not keep helpline phones", code="forbidden_role")
        holders = {}
        for s in self._stations.all():
            if principal.covers(Locus(s.id, s.city, s.state)):
                for number, kind in ((s.women_helpline, HelplineKind.WOMEN), (s.general_number, HelplineKind.GENERAL)):
                    if number:
                        holders[number] = (s, kind)
        if not holders:
            return []
        with self._engine.connect() as conn:
            rows = conn.execute(select(handsets).where(handsets.c.number.in_(list(holders)),
                                                       handsets.c.retired_on.is_(None))).all()
        out = []
        for r in rows:
            station, kind = holders[r.number]
            item = _as_dict(r, self.today(station.city)) | {"station_id": station.id, "station_name": station.name,
                                                             "kind": kind.value}
            if ending_within_days is None or (item["days_left"] is not None
                                              and item["days_left"] <= ending_within_days):
                out.append(item)
        out.sort(key=lambda h: (h["days_left"] is None, h["days_left"] or 0, h["station_name"]))
        return out

    def _handset(self, conn: Connection, handset_id: int):
        row = conn.execute(select(handsets).where(handsets.c.id == handset_id)).first()
        if row is None:
            raise NotFound(f"no handset {handset_id}", code="handset_not_found")
        return row

    def _holder(self, number: str) -> StationRef | None:
        held = self._stations.by_number(number)
        return held[0] if held else None

    def get(self, principal: Principal, handset_id: int) -> dict:
        with self._engine.connect() as conn:
            row = self._handset(conn, handset_id)
        station = self._holder(row.number)
        self._allowed(principal, station)
        return _as_dict(row, self.today(station.city if station else None))

    # changing --------------------------------------------------------------------------------------
    def add(self, principal: Principal, station_id: int, number: str, facts: HandsetFacts) -> dict:
        """Record a handset carrying one of the station's numbers; its reminder is set from its free period."""
        station = self._stations.get(station_id)
        self._allowed(principal, station)
        number = to_e164(number)
        if number not in (station.women_helpline, station.general_number):
            raise InvalidInput(f"{number} is not one of this station's helpline numbers",
                               code="number_not_at_station")
        facts = _checked(facts)
        now = self._clock.now()
        with self._engine.begin() as conn:
            remind_at = reminder_due_at(facts.free_until, zone(self._zone_for(station.city)))
            handset_id = conn.execute(insert(handsets).values(
                number=number, **_columns(facts), created_at=now, updated_at=now, remind_at=remind_at,
            ).returning(handsets.c.id)).scalar_one()
            self._log(conn, handset_id, number, station, HandsetChange.ADDED, _describe(facts), principal.username, now)
            row = self._handset(conn, handset_id)
        return _as_dict(row, self.today(station.city))

    def edit(self, principal: Principal, handset_id: int, facts: HandsetFacts) -> dict:
        """Correct what is recorded; a new free period sets a new reminder (an old one already sent is kept)."""
        facts = _checked(facts)
        now = self._clock.now()
        with self._engine.begin() as conn:
            row, station = self._in_service(conn, principal, handset_id)
            values: dict = {**_columns(facts), "updated_at": now}
            if facts.free_until != row.free_until:
                values |= {"remind_at": reminder_due_at(facts.free_until, zone(self._zone_for(
                    station.city if station else None))), "reminded_at": None}
            conn.execute(update(handsets).where(handsets.c.id == handset_id).values(**values))
            before = HandsetFacts(row.model, row.sim_number, row.given_on, row.free_until, row.donor, row.note)
            self._log(conn, handset_id, row.number, station, HandsetChange.EDITED, _differences(before, facts),
                      principal.username, now)
            row = self._handset(conn, handset_id)
        return _as_dict(row, self.today(station.city if station else None))

    def retire(self, principal: Principal, handset_id: int, reason: str, on: date | None = None) -> dict:
        """The handset no longer carries the number (lost, broken, replaced, returned); no reminder follows."""
        reason = " ".join(reason.split())
        if not reason:
            raise InvalidInput("say why the handset is retired", code="reason_required")
        now = self._clock.now()
        with self._engine.begin() as conn:
            row, station = self._in_service(conn, principal, handset_id)
            day = on or self.today(station.city if station else None)
            if day < row.given_on:
                raise InvalidInput("a handset cannot be retired before it was given", code="retired_before_given")
            conn.execute(update(handsets).where(handsets.c.id == handset_id).values(
                retired_on=day, retired_reason=reason[:500], remind_at=None, updated_at=now))
            self._log(conn, handset_id, row.number, station, HandsetChange.RETIRED, reason[:500], principal.username,
                      now)
            row = self._handset(conn, handset_id)
        return _as_dict(row, self.today(station.city if station else None))

    def _in_service(self, conn: Connection, principal: Principal, handset_id: int) -> tuple[Any, StationRef | None]:
        """A handset still in service, with the station that holds its number, if the principal may change it."""
        row = self._handset(conn, handset_id)
        station = self._holder(row.number)
        self._allowed(principal, station)
        if row.retired_on is not None:
            raise InvalidInput("that handset is retired: it is kept as it was", code="handset_retired")
        return row, station

    def _log(self, conn: Connection, handset_id: int, number: str, station: StationRef | None, change: HandsetChange,
             detail: str, by: str, at: datetime) -> None:
        conn.execute(insert(handset_changes).values(handset_id=handset_id, number=number,
                                                    station_id=station.id if station else None, change=change.value,
                                                    detail=detail[:1000], changed_by=by, changed_at=at))
        if change is not HandsetChange.REMINDED:
            record(conn, HandsetRecorded(station_id=station.id if station else None,
                                         city=station.city if station else None,
                                         state=station.state if station else None, handset_id=handset_id,
                                         number=number, change=change.value, by=by), at)

    # the reminder: a timer row, claimed by exactly one process -------------------------------------
    def remind_due(self, limit: int = 50) -> int:
        """Send the reminders that are due: each handset's is claimed and done in one transaction (a conditional
        update), so that however many processes run this, each reminder is given once."""
        now = self._clock.now()
        with self._engine.connect() as conn:
            due = conn.execute(select(handsets.c.id).where(
                handsets.c.remind_at <= now, handsets.c.reminded_at.is_(None), handsets.c.retired_on.is_(None))
                .order_by(handsets.c.remind_at).limit(limit)).scalars().all()
        done = 0
        for handset_id in due:
            with self._engine.begin() as conn:
                claimed = conn.execute(update(handsets).where(
                    handsets.c.id == handset_id, handsets.c.reminded_at.is_(None), handsets.c.remind_at <= now,
                    handsets.c.retired_on.is_(None)).values(reminded_at=now)).rowcount == 1
                if not claimed:
                    continue
                row = self._handset(conn, handset_id)
                station = self._holder(row.number)
                left = days_left(row.free_until, self.today(station.city if station else None)) or 0
                self._log(conn, handset_id, row.number, station, HandsetChange.REMINDED,
                          f"free period ends on {row.free_until.isoformat()}", "suraksha", now)
                record(conn, HandsetFreePeriodEnding(
                    station_id=station.id if station else None, city=station.city if station else None,
                    state=station.state if station else None, handset_id=handset_id, number=row.number,
                    model=row.model, free_until=row.free_until.isoformat(), days_left=left), now)
                done += 1
        return done


def _checked(facts: HandsetFacts) -> HandsetFacts:
    try:
        return check(facts)
    except HandsetProblem as problem:
        raise InvalidInput(str(problem), code=problem.code) from None


def _columns(facts: HandsetFacts) -> dict:
    return {"model": facts.model, "sim_number": facts.sim_number, "given_on": facts.given_on,
            "free_until": facts.free_until, "donor": facts.donor, "note": facts.note}


def _describe(facts: HandsetFacts) -> str:
    until = facts.free_until.isoformat() if facts.free_until else "-"
    return (f"{facts.model}, SIM {facts.sim_number}, given {facts.given_on.isoformat()} by {facts.donor}, "
            f"free until {until}")


def _differences(before: HandsetFacts, after: HandsetFacts) -> str:
    """'free_until: 2027-01-01 -> 2027-06-30; donor: A -> B': what an edit changed."""
    parts = []
    for name in ("model", "sim_number", "given_on", "free_until", "donor", "note"):
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            parts.append(f"{name}: {old if old not in (None, '') else '-'} -> {new if new not in (None, '') else '-'}")
    return "; ".join(parts) or "no change"


def _as_dict(row, today: date) -> dict:
    return {"id": row.id, "number": row.number, "model": row.model, "sim_number": row.sim_number,
            "given_on": row.given_on, "free_until": row.free_until, "donor": row.donor, "note": row.note,
            "retired_on": row.retired_on, "retired_reason": row.retired_reason,
            "state": state_of(row.free_until, row.retired_on, today).value,
            "days_left": days_left(row.free_until, today), "reminded_at": row.reminded_at,
            "created_at": row.created_at, "updated_at": row.updated_at}


def _change_dict(c) -> dict:
    return {"change": c.change, "at": c.changed_at, "by": c.changed_by, "detail": c.detail,
            "handset_id": c.handset_id, "from_station": None, "to_station": None}


