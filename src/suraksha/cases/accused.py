"""A known accused and the offender registry: looked for, and linked to a registered person, only through the
registry's own service, with a stated purpose, each step in the registry's audit trail (`case_linkage`,
`case_link`, with the FIR's number). The case keeps the registered person's id, who linked and when, and the link
goes on its timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from suraksha.adapters.outbox import record
from suraksha.cases.events import CaseUpdated, from_row
from suraksha.cases.model import Entry
from suraksha.cases.store import add_entry, case_accused, cases
from suraksha.core.auth import ROLES_THAT_INVESTIGATE, Principal
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suraksha.registry.service import CASE_LINKERS, RegistryService

SEX_CODES = {"male": "M", "female": "F", "other": "X"}  # as the registry writes sex


class AccusedInRegistry:
    def __init__(self, engine: Engine, clock: Clock, registry: RegistryService | None,
                 access: Callable[..., Any]) -> None:
        self._engine, self._clock, self.registry, self._access = engine, clock, registry, access

    def _known(self, principal: Principal, number: str, position: int) -> tuple[Any, Any]:
        """The case (in the principal's scope, for a station officer) and its known accused at `position`."""
        if principal.role not in ROLES_THAT_INVESTIGATE:
            raise Forbidden(f"the {principal.role.value} role may not change a case", code="forbidden_role")
        with self._engine.connect() as conn:
            row = self._access(conn, principal, number, acting=True)
            accused = self._accused(conn, row.id, position)
        if not accused.known:
            raise InvalidInput("an unknown accused cannot be looked for in the registry", code="accused_unknown")
        return row, accused

    @staticmethod
    def _accused(conn: Connection, case_id: int, position: int) -> Any:
        accused = conn.execute(select(case_accused).where(case_accused.c.case_id == case_id,
                                                          case_accused.c.position == position)).first()
        if accused is None:
            raise NotFound(f"the FIR has no accused {position}", code="accused_not_found")
        return accused

    def _registry(self) -> RegistryService:
        if self.registry is None:
            raise Conflict("the offender registry is not available here", code="registry_unavailable")
        return self.registry

    def matches(self, principal: Principal, number: str, position: int, purpose: str | None,
                purpose_text: str | None = "") -> list[dict]:
        """Registered persons who may be this accused, best first, as the registry's linkage finds them."""
        row, accused = self._known(principal, number, position)
        suspect = {"name": accused.name, "age": accused.age, "sex": SEX_CODES.get(accused.sex or "", ""),
                   "state": row.state or "", "district": ""}
        return self._registry().link_suspect(principal, purpose, suspect, purpose_text=purpose_text,
                                             action="case_linkage", roles=CASE_LINKERS,
                                             context={"fir_number": row.fir_number, "accused": position})

    def link(self, principal: Principal, number: str, position: int, person_id: int, purpose: str | None,
             purpose_text: str | None = "") -> str:
        """Record that the accused is this registered person (the registry checks and audits it first); the FIR's
        number comes back."""
        row, accused = self._known(principal, number, position)
        if accused.registry_person_id == person_id:
            raise Conflict("the accused is already linked to that registered person", code="already_linked")
        self._registry().confirm_case_link(principal, purpose, person_id,
                                           {"fir_number": row.fir_number, "accused": position},
                                           purpose_text=purpose_text)
        now = self._clock.now()
        with self._engine.begin() as conn:
            row = self._access(conn, principal, number, acting=True)
            conn.execute(update(case_accused).where(case_accused.c.id == accused.id).values(
                registry_person_id=person_id, registry_linked_by=principal.username, registry_linked_at=now))
            conn.execute(update(cases).where(cases.c.id == row.id).values(updated_at=now))
            add_entry(conn, row.id, now, Entry.ACCUSED_LINKED.value, principal.username,
                      {"accused": position, "person_id": person_id, "previous": accused.registry_person_id,
                       "purpose": (purpose or "")[:32]})
            record(conn, from_row(CaseUpdated, row._mapping, change=Entry.ACCUSED_LINKED.value,
                                  by=principal.username), now)
        return row.fir_number
