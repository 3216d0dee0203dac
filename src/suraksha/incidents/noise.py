"""Use cases of noise (docs/adr/0009, rules in noise_rules.py): a person marks an incident noise or genuine again,
with who and why on its timeline; the noise list; and the contacts the supervisor's share counts.

Nothing here deletes: a noise incident keeps its contacts, messages and timeline, and search finds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from suraksha.adapters.outbox import record
from suraksha.core.auth import Principal
from suraksha.core.clock import Clock
from suraksha.incidents import events as ev
from suraksha.incidents import model, noise_rules, reading
from suraksha.incidents.service import IncidentService
from suraksha.incidents.store import inbound_messages, incident_log, incidents


class NoiseService:
    def __init__(self, engine: Any, clock: Clock, incidents_service: IncidentService) -> None:
        self._engine, self._clock, self._incidents = engine, clock, incidents_service

    def mark_noise(self, principal: Principal, tracking: str, kind: str, note: str = "") -> dict:
        """Mark an incident noise (`kind`: blank, silent, abusive, prank or test), or change its kind: it leaves
        the queue and the alarm, and is kept. The call-taker's screen calls this for a blank or silent call.
        Refused while a unit is on it (close it as a false alarm instead). Returns the incident with its timeline."""
        kind = noise_rules.check_kind(kind)
        text = " ".join((note or "").split())[:500]
        with self._engine.begin() as conn:
            row = self._incidents.access_incident(conn, principal, tracking, acting=True)
            noise_rules.check_may_mark(row.noise_kind, kind, row.status, row.tracking)
            now = self._clock.now()
            detail = {"kind": kind, "note": text} | ({"from": row.noise_kind} if row.noise_kind else {})
            self._change(conn, row, now, "marked_noise", principal.username, detail, noise_kind=kind)
        return self._incidents.view(principal, tracking, with_timeline=True)

    def mark_genuine(self, principal: Principal, tracking: str, reason: str) -> dict:
        """Undo: the incident is genuine again and back in the queue (and the alarm, if it is a P1 still waiting)."""
        why = model.check_reason(reason)
        with self._engine.begin() as conn:
            row = self._incidents.access_incident(conn, principal, tracking, acting=True)
            noise_rules.check_is_noise(row.noise_kind, row.tracking)
            self._change(conn, row, self._clock.now(), "marked_genuine", principal.username,
                         {"from": row.noise_kind, "reason": why}, noise_kind=None)
        return self._incidents.view(principal, tracking, with_timeline=True)

    def noise_list(self, principal: Principal, *, kind: str | None = None, include_closed: bool = False,
                   limit: int = 200) -> list[dict]:
        """Noise incidents in scope, newest first: what the console's "Noise" view shows."""
        q = reading.scoped(select(incidents).where(incidents.c.noise_kind.is_not(None)), principal)
        if kind:
            q = q.where(incidents.c.noise_kind == noise_rules.check_kind(kind))
        if not include_closed:
            q = q.where(incidents.c.status.in_(model.OPEN_STATUS_VALUES))
        with self._engine.connect() as conn:
            rows = conn.execute(q.order_by(incidents.c.received_at.desc(), incidents.c.id.desc()).limit(limit)).all()
        return [self._incidents.view_of(r) for r in rows]

    def contacts_since(self, principal: Principal, since: datetime,
                       until: datetime) -> list[tuple[str, datetime, bool]]:
        """Every contact in scope received in [since, until): (channel, received_at, genuine), for the
        supervisor's share of contacts that became incidents. Genuine: its incident is not marked noise."""
        m, i = inbound_messages.c, incidents.c
        q = (select(m.channel, m.received_at, i.noise_kind).join(incidents, i.id == m.incident_id)
             .where(m.received_at >= since, m.received_at < until))
        with self._engine.connect() as conn:
            rows = conn.execute(reading.scoped(q, principal)).all()
        return [(r.channel, r.received_at, r.noise_kind is None) for r in rows]

    def _change(self, conn: Connection, row: Any, now: datetime, kind: str, actor: str, detail: dict,
                **values: Any) -> None:
        conn.execute(update(incidents).where(incidents.c.id == row.id).values(updated_at=now, **values))
        conn.execute(insert(incident_log).values(incident_id=row.id, at=now, kind=kind, actor=actor, detail=detail))
        record(conn, ev.from_row(ev.IncidentUpdated, row._mapping, change=kind, **values), now)
