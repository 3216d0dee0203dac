"""The retention purge: registrations past their purge date (15 or 25 years by risk tier) are deleted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Connection, delete, exists, or_, select

from suraksha.registry import store
from suraksha.registry.audit import Actor, AuditTrail


def due_for_purge(conn: Connection, today: date) -> list[dict]:
    r = store.registrations
    rows = conn.execute(select(r.c.id, r.c.state, r.c.record_id, r.c.risk_tier, r.c.purge_due)
                        .where(r.c.purge_due.is_not(None), r.c.purge_due <= today).order_by(r.c.id)).all()
    return [{"registration_id": x.id, "state": x.state, "record_id": x.record_id, "risk_tier": x.risk_tier,
             "purge_due": x.purge_due.isoformat()} for x in rows]


CHANGES_KEPT = timedelta(days=7)  # the change log's rows: every running server applies them within seconds


def purge(conn: Connection, now: datetime, actor: Actor, audit: AuditTrail,
          dry_run: bool = False) -> tuple[list[dict], set[str]]:
    """Delete what retention no longer allows, and persons left without registrations; the purge is audited. The
    change log forgets what is older than a week (a server that has not applied it since builds its index again).

    Returns what was due and the hashes of files nothing refers to any more (delete them after commit)."""
    today = now.date()
    if not dry_run:
        store.prune_changes(conn, now - CHANGES_KEPT)
    due = due_for_purge(conn, today)
    if dry_run or not due:
        return due, set()
    ids = [d["registration_id"] for d in due]
    p, r = store.persons, store.registrations
    person_ids = {x for (x,) in conn.execute(select(r.c.person_id).where(r.c.id.in_(ids)))}
    hashes = {h for (h,) in conn.execute(select(store.files.c.sha256).where(store.files.c.registration_id.in_(ids)))}
    m = store.merges
    conn.execute(delete(m).where(or_(m.c.left_registration_id.in_(ids), m.c.right_registration_id.in_(ids))))
    conn.execute(delete(store.alerts).where(store.alerts.c.registration_id.in_(ids)))
    for table in store.REGISTRATION_CHILDREN:
        conn.execute(delete(table).where(table.c.registration_id.in_(ids)))
    conn.execute(delete(store.registrations).where(store.registrations.c.id.in_(ids)))
    store.note_changes(conn, "delete", ids, now)
    conn.execute(delete(p).where(p.c.id.in_(person_ids), ~exists().where(r.c.person_id == p.c.id)))
    still_used = {h for (h,) in conn.execute(select(store.files.c.sha256).where(store.files.c.sha256.in_(hashes)))}
    audit.record(actor, "purge", {"today": today.isoformat(), "purged": [
        {k: d[k] for k in ("registration_id", "state", "record_id", "purge_due")} for d in due]}, conn=conn)
    return due, hashes - still_used
