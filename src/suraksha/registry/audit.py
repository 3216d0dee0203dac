"""The tamper-evident audit trail of the registry: every search, record view, import, decision and purge.

Each entry stores sha256(previous entry's hash + canonical JSON of the entry). Changing, deleting or
reordering any entry breaks the chain from that entry on; `verify()` names the first broken one.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text

from suraksha.core.clock import Clock
from suraksha.registry.rules import GENESIS, StatedPurpose, chain_hash, first_broken_link
from suraksha.registry.store import audit


@dataclass(frozen=True)
class Actor:
    """Who acted: an account, or the command line (an operator on the server)."""

    username: str
    role: str


def entry_of(row) -> dict[str, Any]:
    """The hashed content of a stored entry (everything but the hashes and the row id)."""
    return {"seq": row.seq, "at": row.at.isoformat(), "actor": row.actor, "role": row.role, "action": row.action,
            "purpose": row.purpose, "purpose_text": row.purpose_text, "detail": json.loads(row.detail)}


class AuditTrail:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine, self._clock = engine, clock
        self._lock = threading.Lock()  # one writer at a time in this process; PostgreSQL also takes a lock

    def record(self, actor: Actor, action: str, detail: dict[str, Any],
               purpose: StatedPurpose | None = None, conn: Connection | None = None) -> int:
        """Append an entry (inside the caller's transaction when given one). Returns its sequence number."""
        with self._lock:
            if conn is not None:
                return self._append(conn, actor, action, detail, purpose)
            with self._engine.begin() as own:
                return self._append(own, actor, action, detail, purpose)

    def _append(self, conn: Connection, actor: Actor, action: str, detail: dict[str, Any],
                purpose: StatedPurpose | None) -> int:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(726301)"))  # serialise the chain across processes
        last = conn.execute(select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)).first()
        seq, previous = (last.seq + 1, last.hash) if last else (1, GENESIS)
        at = self._clock.now().replace(microsecond=0)
        entry = {"seq": seq, "at": at.isoformat(), "actor": actor.username, "role": actor.role, "action": action,
                 "purpose": purpose.purpose.value if purpose else "", "purpose_text": purpose.text if purpose else "",
                 "detail": json.loads(json.dumps(detail, default=str))}
        conn.execute(insert(audit).values(
            seq=seq, at=at, actor=actor.username, role=actor.role, action=action, purpose=entry["purpose"],
            purpose_text=entry["purpose_text"], detail=json.dumps(entry["detail"], sort_keys=True, ensure_ascii=False),
            prev_hash=previous, hash=chain_hash(previous, entry)))
        return seq

    def verify(self) -> tuple[int, int | None]:
        """(entries checked, sequence number of the first bad entry or None)."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(audit).order_by(audit.c.seq)).all()
        return len(rows), first_broken_link((r.seq, r.prev_hash, r.hash, entry_of(r)) for r in rows)

    def entries(self, limit: int = 100, before_seq: int | None = None, action: str | None = None,
                actor: str | None = None) -> list[dict[str, Any]]:
        q = select(audit).order_by(audit.c.seq.desc()).limit(min(max(limit, 1), 500))
        if before_seq is not None:
            q = q.where(audit.c.seq < before_seq)
        if action:
            q = q.where(audit.c.action == action)
        if actor:
            q = q.where(audit.c.actor == actor)
        with self._engine.connect() as conn:
            rows = conn.execute(q).all()
        return [entry_of(r) | {"hash": r.hash, "prev_hash": r.prev_hash} for r in rows]

    def count(self) -> int:
        with self._engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(audit)).scalar_one()
