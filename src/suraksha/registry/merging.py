"""Duplicates across states: dedupe the whole registry, propose merges, let officers confirm, reject or undo.

Confirmed and rejected pairs are the officers' decisions the ranking learns from (see service.refresh).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, NotFound
from suraksha.registry import store
from suraksha.registry.audit import Actor, AuditTrail
from suraksha.registry.matching import linkage
from suraksha.registry.reading import summaries


class MergeDesk:
    def __init__(self, engine: Engine, clock: Clock, audit: AuditTrail) -> None:
        self._engine, self._clock, self._audit = engine, clock, audit

    def dedupe(self, actor: Actor, model=None, threshold: float = linkage.DEFAULT_THRESHOLD,
               progress: Callable[[str, int, int], None] | None = None) -> list[tuple[str, str, float]]:
        """Cluster every registration in the database; store a proposed merge for each new link.

        Returns (record_id as uploaded, cluster_id, confidence), one row per registration."""
        with self._engine.connect() as conn:
            records = store.load_records(conn)
            reg = store.registrations
            info = {r.id: r for r in conn.execute(select(reg.c.id, reg.c.record_id, reg.c.person_id))}
        rows = linkage.dedupe(records, model=model, threshold=threshold, progress=progress)
        proposals = [(int(rid), int(root), conf) for rid, root, conf in rows
                     if rid != root and info[int(rid)].person_id != info[int(root)].person_id]
        with self._engine.begin() as conn:
            added = self._propose(conn, proposals)
            self._audit.record(actor, "dedupe", {"registrations": len(rows), "proposed": added}, conn=conn)
        return [(info[int(rid)].record_id, info[int(root)].record_id, conf) for rid, root, conf in rows]

    def _propose(self, conn: Connection, proposals: list[tuple[int, int, float]]) -> int:
        m = store.merges
        known = {(a, b) for a, b in conn.execute(select(m.c.left_registration_id, m.c.right_registration_id))}
        new = []
        for a, b, score in proposals:
            pair = (min(a, b), max(a, b))
            if pair not in known:
                known.add(pair)
                new.append({"left_registration_id": pair[0], "right_registration_id": pair[1], "score": score,
                            "status": "proposed", "proposed_at": self._clock.now()})
        if new:
            conn.execute(insert(m), new)
        return len(new)

    def list(self, status: str | None = "proposed", limit: int = 100,
             in_scope: Callable[[Any], Any] | None = None, after_id: int | None = None) -> list[dict]:
        """Merges by id (from after `after_id`); `in_scope(state column)` keeps only those whose two registrations
        it both admits."""
        m = store.merges
        q = select(m).order_by(m.c.id).limit(min(max(limit, 1), 500))
        if status:
            q = q.where(m.c.status == status)
        if after_id is not None:
            q = q.where(m.c.id > after_id)
        if in_scope is not None:
            left, right = store.registrations.alias("left_reg"), store.registrations.alias("right_reg")
            q = (q.join(left, left.c.id == m.c.left_registration_id)
                 .join(right, right.c.id == m.c.right_registration_id)
                 .where(in_scope(left.c.state), in_scope(right.c.state)))
        with self._engine.connect() as conn:
            rows = conn.execute(q).all()
            regs = summaries(conn, sorted({x for r in rows for x in (r.left_registration_id, r.right_registration_id)}))
        return [{"id": r.id, "status": r.status, "score": r.score, "left": regs.get(r.left_registration_id),
                 "right": regs.get(r.right_registration_id), "decided_by": r.decided_by,
                 "decided_at": r.decided_at.isoformat() if r.decided_at else None,
                 "proposed_at": r.proposed_at.isoformat()} for r in rows]

    def decide(self, actor: Actor, merge_id: int, confirm: bool) -> dict:
        """Confirm (the two registrations become one person) or reject a proposed merge."""
        m, reg = store.merges, store.registrations
        with self._engine.begin() as conn:
            row = self._load(conn, merge_id, "proposed")
            values = {"status": "confirmed" if confirm else "rejected", "decided_at": self._clock.now(),
                      "decided_by": actor.username}
            if confirm:
                kept, moved = (conn.execute(select(reg.c.person_id).where(reg.c.id == x)).scalar_one()
                               for x in (row.left_registration_id, row.right_registration_id))
                ids = [i for (i,) in conn.execute(select(reg.c.id).where(reg.c.person_id == moved))] \
                    if kept != moved else []
                if ids:
                    conn.execute(update(reg).where(reg.c.id.in_(ids)).values(person_id=kept))
                values |= {"kept_person_id": kept, "moved_person_id": moved,
                           "moved_registrations": ",".join(map(str, ids))}
            conn.execute(update(m).where(m.c.id == merge_id).values(values))
            store.note_changes(conn, "decision", [], values["decided_at"])  # before the audit's lock, as everywhere
            self._audit.record(actor, "merge_" + values["status"], {"merge_id": merge_id}, conn=conn)
        return {"id": merge_id, "status": values["status"]}

    def unmerge(self, actor: Actor, merge_id: int) -> dict:
        """Undo a confirmed merge: the moved registrations go back to their own person."""
        m, reg = store.merges, store.registrations
        with self._engine.begin() as conn:
            row = self._load(conn, merge_id, "confirmed")
            ids = [int(x) for x in row.moved_registrations.split(",") if x]
            if ids:
                conn.execute(update(reg).where(reg.c.id.in_(ids)).values(person_id=row.moved_person_id))
            conn.execute(update(m).where(m.c.id == merge_id).values(
                status="undone", decided_at=self._clock.now(), decided_by=actor.username))
            store.note_changes(conn, "decision", [], self._clock.now())
            self._audit.record(actor, "unmerge", {"merge_id": merge_id}, conn=conn)
        return {"id": merge_id, "status": "undone"}

    def _load(self, conn: Connection, merge_id: int, status: str):
        row = conn.execute(select(store.merges).where(store.merges.c.id == merge_id)).first()
        if row is None:
            raise NotFound("no such merge", code="merge_not_found")
        if row.status != status:
            raise Conflict(f"the merge is {row.status}, not {status}", code="merge_state")
        return row
