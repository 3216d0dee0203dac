"""An accused's arrest: when and where, on the case's timeline, and she is told (without a name)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, insert, select, update

from suraksha.adapters.outbox import record
from suraksha.cases.events import CaseUpdated, from_row
from suraksha.cases.model import Entry
from suraksha.cases.store import add_entry, case_accused, cases
from suraksha.cases.updates.model import NO_UPDATE_STATUSES, Step, UpdateProblem, check_arrest
from suraksha.cases.updates.store import accused_arrests
from suraksha.core.auth import ROLES_THAT_INVESTIGATE, Principal
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound

if TYPE_CHECKING:
    from suraksha.cases.updates.service import VictimUpdates

NOT_ARRESTABLE = ("awaiting_signature", *NO_UPDATE_STATUSES)  # an arrest is recorded during investigation and trial


class Arrests:
    def __init__(self, engine: Engine, clock: Clock, access: Callable[..., Any], updates: VictimUpdates) -> None:
        self._engine, self._clock, self._access, self._updates = engine, clock, access, updates

    def record_arrest(self, principal: Principal, number: str, position: int, arrested_at: datetime,
                      place: str) -> str:
        """Record that the accused at `position` was arrested, when and where; the FIR's number comes back."""
        if principal.role not in ROLES_THAT_INVESTIGATE:
            raise Forbidden(f"the {principal.role.value} role may not change a case", code="forbidden_role")
        now = self._clock.now()
        with self._engine.begin() as conn:
            row = self._access(conn, principal, number, acting=True)
            if row.status in NOT_ARRESTABLE:
                raise Conflict(f"the case is {row.status.replace('_', ' ')}", code="case_not_open_for_arrest")
            accused = conn.execute(select(case_accused.c.id).where(case_accused.c.case_id == row.id,
                                                                   case_accused.c.position == position)).first()
            if accused is None:
                raise NotFound(f"the FIR has no accused {position}", code="accused_not_found")
            if self._arrested(conn, row.id, position):
                raise Conflict("that accused's arrest is already recorded", code="already_arrested")
            try:
                when, where = check_arrest(arrested_at, place, row.occurred_at, now)
            except UpdateProblem as err:
                raise InvalidInput(str(err), code=err.code) from None
            conn.execute(insert(accused_arrests).values(case_id=row.id, position=position, arrested_at=when,
                                                        place=where, recorded_by=principal.username, recorded_at=now))
            conn.execute(update(cases).where(cases.c.id == row.id).values(updated_at=now))
            add_entry(conn, row.id, now, Entry.ACCUSED_ARRESTED.value, principal.username,
                      {"accused": position, "arrested_at": when.isoformat(), "place": where})
            record(conn, from_row(CaseUpdated, row._mapping, change=Entry.ACCUSED_ARRESTED.value,
                                  by=principal.username), now)
            self._updates.tell(conn, row, Step.ARREST, now)
        return row.fir_number

    @staticmethod
    def _arrested(conn: Connection, case_id: int, position: int) -> bool:
        return conn.execute(select(accused_arrests.c.id).where(accused_arrests.c.case_id == case_id,
                                                               accused_arrests.c.position == position)).first() \
            is not None

    @staticmethod
    def of_case(conn: Connection, case_id: int) -> list[dict]:
        rows = conn.execute(select(accused_arrests).where(accused_arrests.c.case_id == case_id)
                            .order_by(accused_arrests.c.position)).all()
        return [{"position": r.position, "arrested_at": r.arrested_at.isoformat(), "place": r.place,
                 "recorded_by": r.recorded_by, "recorded_at": r.recorded_at.isoformat()} for r in rows]
