"""Her sealed identity: her name, phone number and address are sealed (AES-GCM, `core.privacy`), the FIR's substance
is kept with them replaced by her pseudonym (and sealed too), and only the case's investigating officer unseals
them, stating why. Every request to unseal, granted or refused, is written to `case_unsealings` with who, their role
and when; a granted one also goes on the timeline. Nothing here is logged."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import Engine, insert, select, update

from suraksha.adapters.outbox import record
from suraksha.cases.events import CaseUpdated, from_row
from suraksha.cases.model import CaseProblem, Entry, Fir, check_reason, redact
from suraksha.cases.store import add_entry, case_unsealings, cases, find_case
from suraksha.core.auth import ROLES_THAT_UNSEAL_VICTIMS, Locus, Principal
from suraksha.core.clock import Clock
from suraksha.core.errors import Forbidden, InvalidInput, NotFound, SurakshaError
from suraksha.core.privacy import Sealer

log = logging.getLogger(__name__)
SEALED_COLUMNS = ("victim_name_sealed", "victim_phone_sealed", "victim_address_sealed", "summary_sealed")


class SealedIdentity:
    def __init__(self, engine: Engine, clock: Clock, sealer: Sealer) -> None:
        self._engine, self._clock, self._sealer = engine, clock, sealer

    @property
    def newest_key(self) -> str:
        """The id of the key new values are sealed with ("" for the key derived from the secret key)."""
        return self._sealer.newest

    def sealed_columns(self, fir: Fir, pseudonym: str) -> dict[str, Any]:
        """Her details sealed, and the substance with them replaced by her pseudonym, sealed."""
        v = fir.victim
        summary = redact(fir.summary, [v.name, v.phone, v.address], pseudonym)
        return {"victim_name_sealed": self._sealer.seal(v.name),
                "victim_phone_sealed": self._sealer.seal(v.phone) if v.phone else None,
                "victim_address_sealed": self._sealer.seal(v.address) if v.address else None,
                "summary_sealed": self._sealer.seal(summary)}

    def summary(self, row: Any) -> str:
        """The FIR's substance as case pages show it (her details were replaced by her pseudonym when stored)."""
        return self._sealer.unseal(row.summary_sealed)

    def without_her(self, row: Any, text: str) -> str:
        """Words an officer writes about the case (a forensic sample, a result) with her name, phone and address, as
        sealed on the case, replaced by her pseudonym: they are opened here and kept nowhere."""
        secrets: list[str | None] = [self._sealer.unseal(v) for v in (row.victim_name_sealed, row.victim_phone_sealed,
                                                    row.victim_address_sealed) if v]
        return redact(text, secrets, row.pseudonym)

    # unsealing -------------------------------------------------------------------------------------------
    def unseal(self, principal: Principal, number: str, reason: str | None) -> dict:
        """Her name, phone number and address, for the case's investigating officer, with a stated reason.
        Refused (and audited) for any other role, outside the scope, for an officer who is not the case's IO,
        and without a reason."""
        with self._engine.connect() as conn:
            row = find_case(conn, number)
        if row is None:
            raise NotFound(f"no FIR {number}", code="case_not_found")
        said = " ".join((reason or "").split())[:500]
        if principal.role not in ROLES_THAT_UNSEAL_VICTIMS:
            self._refuse(principal, row, said, Forbidden(
                f"the {principal.role.value} role may not unseal a victim's identity", code="unseal_forbidden_role"))
        if not principal.covers(Locus(row.station_id, row.city, row.state)):
            self._refuse(principal, row, said, NotFound(f"no FIR {number}", code="case_not_found"), "out_of_scope")
        if row.io_username != principal.username:
            self._refuse(principal, row, said, Forbidden(
                "only the case's investigating officer may unseal her identity",
                code="not_the_investigating_officer"))
        try:
            why = check_reason(reason, "the reason for unsealing her identity")
        except CaseProblem as problem:
            self._refuse(principal, row, said, InvalidInput(str(problem), code=problem.code))
        now = self._clock.now()
        with self._engine.begin() as conn:
            self._audit(conn, principal, row.id, why, now, None)
            add_entry(conn, row.id, now, Entry.IDENTITY_UNSEALED.value, principal.username, {"reason": why})
            record(conn, from_row(CaseUpdated, row._mapping, change=Entry.IDENTITY_UNSEALED.value,
                                  by=principal.username), now)
        log.info("identity unsealed on FIR %s by %s", row.fir_number, principal.username)
        return {"fir_number": row.fir_number, "pseudonym": row.pseudonym,
                "name": self._sealer.unseal(row.victim_name_sealed),
                "phone": self._sealer.unseal(row.victim_phone_sealed) if row.victim_phone_sealed else None,
                "address": self._sealer.unseal(row.victim_address_sealed) if row.victim_address_sealed else None,
                "unsealed_at": now.isoformat(), "unsealed_by": principal.username}

    def _refuse(self, principal: Principal, row: Any, reason: str, err: SurakshaError,
                code: str | None = None) -> NoReturn:
        """Write the refused request to the audit (its own transaction), then raise the error."""
        with self._engine.begin() as conn:
            self._audit(conn, principal, row.id, reason, self._clock.now(), code or err.code)
        log.warning("unsealing refused on FIR %s for %s (%s): %s", row.fir_number, principal.username,
                    principal.role.value, code or err.code)
        raise err

    def _audit(self, conn, principal: Principal, case_id: int, reason: str, at: datetime,
               refused: str | None) -> None:
        conn.execute(insert(case_unsealings).values(case_id=case_id, at=at, actor=principal.username[:64],
                                                    role=principal.role.value, reason=reason[:500],
                                                    granted=refused is None, refused_code=refused))

    # key rotation ---------------------------------------------------------------------------------------
    def reseal(self, batch: int = 200) -> int:
        """Seal again, with the newest key, every case whose details were sealed with an older one; the number of
        cases changed. Run after a new key is put first in the ring; then the old key may leave the ring."""
        changed, after = 0, 0
        while True:
            with self._engine.begin() as conn:
                rows = conn.execute(select(cases.c.id, *(cases.c[c] for c in SEALED_COLUMNS))
                                    .where(cases.c.id > after).order_by(cases.c.id).limit(batch)).all()
                for r in rows:
                    values = {c: self._sealer.reseal(getattr(r, c)) for c in SEALED_COLUMNS
                              if getattr(r, c) and self._sealer.needs_reseal(getattr(r, c))}
                    if values:
                        conn.execute(update(cases).where(cases.c.id == r.id).values(**values))
                        changed += 1
            if len(rows) < batch:
                return changed
            after = rows[-1].id

    def stale(self) -> int:
        """How many cases still hold a detail sealed with another key than the newest."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(*(cases.c[c] for c in SEALED_COLUMNS))).all()
        return sum(1 for r in rows if any(v and self._sealer.needs_reseal(v) for v in r))
