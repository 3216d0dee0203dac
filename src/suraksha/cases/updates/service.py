"""Telling her: one update per step, queued in the transaction that made the step (BNSS s193(3)(ii)).

`tell` is called by the case's own steps (the FIR, the investigating officer, an arrest, the charge-sheet or closure
report) and by the courts (each hearing date, the outcome). On her channel "sms" it queues a message in her language
through messaging (her phone unsealed with the case's key ring and sealed again with messaging's, never logged); on
"none" the update waits for the IO to tell her in person and record it. Every update re-arms the 90-day timer; the
closure report and the outcome disarm it. `fire_due` sends the 90-day progress update, once, however many processes
run it. `/track` reads her case's stage through `public_status`, given the FIR number and her case code.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from suraksha.adapters.outbox import record
from suraksha.cases.events import CaseUpdated, from_row
from suraksha.cases.store import cases, find_case
from suraksha.cases.updates import texts
from suraksha.cases.updates.arrests import Arrests
from suraksha.cases.updates.model import (
    FINAL_STEPS,
    NO_UPDATE_STATUSES,
    Channel,
    Step,
    Told,
    UpdateProblem,
    UpdateStatus,
    choose_channel,
    new_case_code,
    next_hearing,
    normalise_code,
    outcome_of,
    progress_due,
    stage_of,
    status_of,
)
from suraksha.cases.updates.store import victim_channels, victim_updates
from suraksha.core.auth import ROLES_THAT_INVESTIGATE, Principal
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suraksha.core.i18n import supported
from suraksha.core.localtime import to_local
from suraksha.core.privacy import Sealer
from suraksha.messaging.model import MessageKind
from suraksha.messaging.service import MessageService

log = logging.getLogger(__name__)  # FIR numbers and steps only: never her phone, never a message body


class VictimUpdates:
    def __init__(self, engine: Engine, clock: Clock, sealer: Sealer, messages: MessageService | None,
                 station_name: Callable[[int, str], str], zone_for: Callable[[str | None], str],
                 access: Callable[..., Any], track_url: str = "") -> None:
        self._engine, self._clock, self._sealer, self._messages = engine, clock, sealer, messages
        self._station_name, self._zone_for, self._access = station_name, zone_for, access
        self._track_url = track_url
        self.arrests = Arrests(engine, clock, access, self)

    # telling her ------------------------------------------------------------------------------------------
    def tell(self, conn: Connection, case: Any, step: Step, now: datetime, **detail: Any) -> None:
        """Queue her message for `step` of the case (`case` is its `cases` row) in the caller's transaction. At the
        FIR, `channel` (sms | none | None: sms when she gave a phone) is her choice and her case code is made."""
        step = Step(step)
        lang = supported(case.victim_language)
        plan = conn.execute(select(victim_channels).where(victim_channels.c.case_id == case.id)).first()
        code = None
        if plan is None:
            channel, code = self._start(conn, case, detail.pop("channel", None), now)
        else:
            channel = Channel(plan.channel)
        kept = self._kept(case, detail)
        message_id = None
        if channel is Channel.SMS and self._messages is not None and case.victim_phone_sealed:
            station = self._station_name(case.station_id, lang)
            body = texts.body(step.value, lang, case.fir_number, station, code=code or "", link=self._track_url,
                              day=self._day(kept.get("hearing_on")), court=str(kept.get("court", "")),
                              disposal=str(kept.get("disposal", "")))
            to = self._messages.sealer.seal(self._sealer.unseal(case.victim_phone_sealed))
            message_id = self._messages.queue(conn, None, to, body, MessageKind.CASE_UPDATE)
        elif step is Step.FIR_REGISTERED and code:
            kept["code_sealed"] = self._sealer.seal(code)  # the IO tells it to her in person; wiped once told
        conn.execute(insert(victim_updates).values(
            case_id=case.id, step=step.value, channel=channel.value, language=lang, message_id=message_id,
            detail=kept, at=now))
        due = None if step in FINAL_STEPS else progress_due(now)
        conn.execute(update(victim_channels).where(victim_channels.c.case_id == case.id)
                     .values(progress_due_at=due))
        log.info("FIR %s: she is told %s (%s)", case.fir_number, step.value, channel.value)

    def _start(self, conn: Connection, case: Any, asked: str | None, now: datetime) -> tuple[Channel, str]:
        try:
            channel = choose_channel(asked, case.victim_phone_sealed is not None)
        except UpdateProblem as err:
            raise InvalidInput(str(err), code=err.code) from None
        code = new_case_code()
        conn.execute(insert(victim_channels).values(case_id=case.id, channel=channel.value,
                                                    track_code_hash=self._hash(case.id, code),
                                                    progress_due_at=None, created_at=now))
        return channel, code

    def _hash(self, case_id: int, code: str) -> str:
        return self._sealer.fingerprint(f"case-code:{case_id}:{code}")

    @staticmethod
    def _kept(case: Any, detail: dict) -> dict:
        """The detail an update keeps: a hearing's date and court, a disposal. Never a name."""
        kept: dict[str, Any] = {}
        hearing = detail.get("hearing_on")
        if isinstance(hearing, datetime):
            kept["hearing_on"] = hearing.isoformat()
        elif isinstance(hearing, date):
            kept["hearing_on"] = hearing.isoformat()
        elif hearing:
            kept["hearing_on"] = str(hearing)[:32]
        if detail.get("court"):
            kept["court"] = " ".join(str(detail["court"]).split())[:200]
        if detail.get("disposal"):
            kept["disposal"] = str(detail["disposal"])[:32]
        return kept

    def _day(self, hearing_on: Any) -> str:
        """A hearing's day as she reads it: dd-mm-yyyy (a time is taken in the city's local date by the caller)."""
        if not hearing_on:
            return ""
        text = str(hearing_on)
        try:
            return date.fromisoformat(text[:10]).strftime("%d-%m-%Y")
        except ValueError:
            return text[:10]

    # the 90-day update -------------------------------------------------------------------------------------
    def fire_due(self, limit: int = 50) -> int:
        """Send every 90-day progress update that is due: each claimed by moving its due time on, in the transaction
        that queues it, so it is sent once however many processes run this."""
        now = self._clock.now()
        vc = victim_channels.c
        with self._engine.connect() as conn:
            due = conn.execute(select(vc.case_id).where(vc.progress_due_at <= now)
                               .order_by(vc.progress_due_at, vc.case_id).limit(limit)).scalars().all()
        sent = 0
        for case_id in due:
            with self._engine.begin() as conn:
                if conn.execute(update(victim_channels).where(vc.case_id == case_id, vc.progress_due_at <= now)
                                .values(progress_due_at=None)).rowcount != 1:
                    continue  # another process took it
                row = conn.execute(select(cases).where(cases.c.id == case_id)).one()
                if row.status in NO_UPDATE_STATUSES or self._decided(conn, row.id):
                    continue  # nothing more is due: the case is closed or decided
                self.tell(conn, row, Step.PROGRESS, now)
                sent += 1
        return sent

    @staticmethod
    def _decided(conn: Connection, case_id: int) -> bool:
        return conn.execute(select(victim_updates.c.id).where(victim_updates.c.case_id == case_id,
                                                              victim_updates.c.step == Step.OUTCOME.value)
                            .limit(1)).first() is not None

    # what the case shows -------------------------------------------------------------------------------------
    def list_for(self, conn: Connection, case_id: int, *, with_code: bool = False) -> list[dict]:
        """Every update of the case, oldest first: step, channel, language, status, when; the case code of an FIR
        update still to be told in person only `with_code` (for the officers who act on the case)."""
        rows = conn.execute(select(victim_updates).where(victim_updates.c.case_id == case_id)
                            .order_by(victim_updates.c.at, victim_updates.c.id)).all()
        fates = self._messages.fates(conn, [r.message_id for r in rows if r.message_id]) if self._messages else {}
        out = []
        for r in rows:
            fate = fates.get(r.message_id) or {}
            status = status_of(r.channel, fate.get("status"), r.told_at)
            detail = {k: v for k, v in dict(r.detail or {}).items() if k != "code_sealed"}
            code = (self._sealer.unseal(r.detail["code_sealed"]) if with_code and r.told_at is None
                    and (r.detail or {}).get("code_sealed") else None)
            out.append({"id": r.id, "step": r.step, "channel": r.channel, "language": r.language,
                        "status": status.value, "at": r.at.isoformat(),
                        "sent_at": fate["sent_at"].isoformat() if fate.get("sent_at") else None,
                        "attempts": fate.get("attempts"), "error": fate.get("last_error"),
                        "told_at": r.told_at.isoformat() if r.told_at else None, "told_by": r.told_by,
                        "told_note": r.told_note, "detail": detail, "case_code": code})
        return out

    def record_told(self, principal: Principal, number: str, update_id: int, note: str = "") -> str:
        """The IO told her in person (her channel is none, or the message failed): recorded with who and when."""
        if principal.role not in ROLES_THAT_INVESTIGATE:
            raise Forbidden(f"the {principal.role.value} role may not change a case", code="forbidden_role")
        now = self._clock.now()
        with self._engine.begin() as conn:
            row = self._access(conn, principal, number, acting=True)
            found = conn.execute(select(victim_updates).where(victim_updates.c.id == update_id,
                                                              victim_updates.c.case_id == row.id)).first()
            if found is None:
                raise NotFound(f"the FIR has no update {update_id}", code="update_not_found")
            fate = (self._messages.fates(conn, [found.message_id]).get(found.message_id, {})
                    if found.message_id and self._messages else {})
            status = status_of(found.channel, fate.get("status"), found.told_at)
            if status not in (UpdateStatus.TO_TELL, UpdateStatus.FAILED):
                raise Conflict(f"that update is {status.value.replace('_', ' ')}", code="update_not_to_tell")
            detail = {k: v for k, v in dict(found.detail or {}).items() if k != "code_sealed"}
            conn.execute(update(victim_updates).where(victim_updates.c.id == found.id).values(
                told_at=now, told_by=principal.username, told_note=" ".join(note.split())[:500], detail=detail))
            conn.execute(update(cases).where(cases.c.id == row.id).values(updated_at=now))
            record(conn, from_row(CaseUpdated, row._mapping, change="victim_told", by=principal.username), now)
        return row.fir_number

    # /track ----------------------------------------------------------------------------------------------
    def public_status(self, number: str, code: str) -> dict | None:
        """Her case as /track shows it, given its FIR number and her case code: the stage, whether an officer is
        assigned and an accused arrested, the next hearing and the outcome. None for a wrong pair or an unknown
        FIR alike. Nothing about her or the accused."""
        number = " ".join((number or "").split()).upper()[:32]
        given = normalise_code(code)
        with self._engine.connect() as conn:
            row = find_case(conn, number) if number else None
            plan = conn.execute(select(victim_channels).where(victim_channels.c.case_id == row.id)).first() \
                if row is not None else None
            got = self._hash(row.id if row is not None else 0, given)  # computed for a wrong FIR too
            if row is None or plan is None or not given or not hmac.compare_digest(got, plan.track_code_hash):
                return None
            told = [Told(r.step, r.at, dict(r.detail or {})) for r in conn.execute(
                select(victim_updates.c.step, victim_updates.c.at, victim_updates.c.detail)
                .where(victim_updates.c.case_id == row.id).order_by(victim_updates.c.at, victim_updates.c.id))]
        zone = self._zone_for(row.city)
        today = to_local(self._clock.now(), zone).date().isoformat()
        hearing = next_hearing(told, today)
        steps = {t.step for t in told}
        return {"fir_number": row.fir_number, "stage": stage_of(row.status, told).value,
                "station_id": row.station_id, "station_name": self._station_name(row.station_id, "en"),
                "io_assigned": row.io_username is not None,
                "arrested": Step.ARREST.value in steps,
                "next_hearing": ({"on": str(hearing["hearing_on"])[:10], "court": hearing.get("court")}
                                 if hearing else None),
                "outcome": outcome_of(told), "zone": zone,
                "last_update_at": max(t.at for t in told).isoformat() if told else None}

