"""The tamper-evident audit trail of the registry: every search, record view, import, decision and purge.

Each entry stores sha256(previous entry's hash + canonical JSON of the entry). Changing, deleting or
reordering any entry breaks the chain from that entry on; `verify()` names the first broken one. Deleting the
newest entries leaves a valid chain: signed checkpoints of the head, kept outside the database
(`checkpoints.py`, taken by `take_checkpoint` once per period), find that too (`report()`).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, or_, select, text

from suraksha.core.clock import Clock
from suraksha.registry import store
from suraksha.registry.checkpoints import AuditCheckpoints, Checkpoint, CheckpointReport
from suraksha.registry.rules import GENESIS, StatedPurpose, chain_hash, first_broken_link
from suraksha.registry.store import audit

CHECKPOINT = "checkpoint"  # the entry that claims a period's checkpoint (its detail names the period)
SCAN_BATCH = 500  # entries read at a time when a filter is decided per entry (the record filter)
FULL_CHECK_EVERY = timedelta(hours=1)  # the supervisors' pages recompute the whole chain at most this often


@dataclass(frozen=True)
class Actor:
    """Who acted: an account, or the command line (an operator on the server)."""

    username: str
    role: str


def entry_of(row) -> dict[str, Any]:
    """The hashed content of a stored entry (everything but the hashes and the row id)."""
    return {"seq": row.seq, "at": row.at.isoformat(), "actor": row.actor, "role": row.role, "action": row.action,
            "purpose": row.purpose, "purpose_text": row.purpose_text, "detail": json.loads(row.detail)}


_HEAD = select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)  # the chain's newest entry
_INSERT = insert(audit)  # an entry's row (or a group commit's rows, as one executemany)
SYSTEM = Actor("suraksha", "system")  # who takes the checkpoints
Written = tuple[int, str, datetime]  # an entry just appended: (seq, hash, time)


@dataclass
class _Queued:
    """An entry waiting for a group commit, and what became of it."""

    actor: Actor
    action: str
    detail: dict[str, Any]
    purpose: StatedPurpose | None
    seq: int | None = None
    error: BaseException | None = None


@dataclass(frozen=True)
class AuditReport:
    """The whole trail checked: the chain (first bad entry) and the signed checkpoints kept outside the database."""

    entries: int
    first_bad_seq: int | None
    checkpoints: CheckpointReport

    @property
    def intact(self) -> bool:
        return self.first_bad_seq is None and not self.checkpoints.problems


@dataclass(frozen=True)
class AuditFilters:
    """What a supervisor narrows the trail to; `registrations` are the ids an entry must concern (any of them)."""

    action: str | None = None
    actor: str | None = None
    purpose: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    registrations: frozenset[int] | None = None


class AuditTrail:
    def __init__(self, engine: Engine, clock: Clock, checkpoints: AuditCheckpoints | None = None) -> None:
        self._engine, self._clock = engine, clock
        self.checkpoints = checkpoints or AuditCheckpoints("", "", "")
        self._checked: tuple[int, str] | None = None  # (seq, hash) of the newest entry this process checked
        self._full_at: datetime | None = None  # when this process last recomputed the whole chain
        self._lock = threading.Lock()  # one writer at a time in this process; PostgreSQL also takes a lock
        self._queue: list[_Queued] = []  # entries waiting for the next group commit (see record)
        self._queue_lock = threading.Lock()

    def record(self, actor: Actor, action: str, detail: dict[str, Any],
               purpose: StatedPurpose | None = None, conn: Connection | None = None) -> int:
        """Append an entry (inside the caller's transaction when given one). Returns its sequence number.

        Without a transaction, the entries of concurrent callers are committed together (group commit): each caller
        queues its entry, and whoever next holds the writer's lock writes every queued entry in one transaction, so
        that many searches share one commit (and its flush to disk). A caller returns only once its own entry is
        committed, and raises if that transaction failed."""
        if conn is not None:
            with self._lock:
                return self._append(conn, actor, action, detail, purpose)
        mine = _Queued(actor, action, _plain(detail), purpose)  # a detail that cannot be written fails here, alone
        with self._queue_lock:
            self._queue.append(mine)
        with self._lock:
            if mine.seq is None and mine.error is None:  # not written by an earlier holder of the lock
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._commit(batch)
        if mine.error is not None:
            raise mine.error
        assert mine.seq is not None
        return mine.seq

    def _commit(self, batch: list[_Queued]) -> None:
        """Write queued entries in one transaction, one statement (the caller holds the writer's lock)."""
        try:
            with self._engine.begin() as own:
                _lock_chain(own)
                rows, last = [], None
                for item in batch:
                    row, last = self._entry(own, item.actor, item.action, item.detail, item.purpose, last)
                    rows.append(row)
                own.execute(_INSERT, rows)
            for item, row in zip(batch, rows):
                item.seq = row["seq"]
        except BaseException as error:
            for item in batch:
                item.seq, item.error = None, error

    def _append(self, conn: Connection, actor: Actor, action: str, detail: dict[str, Any],
                purpose: StatedPurpose | None) -> int:
        _lock_chain(conn)
        return self._write(conn, actor, action, detail, purpose)[0]

    def _write(self, conn: Connection, actor: Actor, action: str, detail: dict[str, Any],
               purpose: StatedPurpose | None) -> Written:
        """Append after the head (the caller holds the chain's lock): (seq, hash, time) of the new entry."""
        row, written = self._entry(conn, actor, action, detail, purpose)
        conn.execute(_INSERT, row)
        return written

    def _entry(self, conn: Connection, actor: Actor, action: str, detail: dict[str, Any],
               purpose: StatedPurpose | None, last: Written | None = None) -> tuple[dict[str, Any], Written]:
        """The row of the entry after the head, and its (seq, hash, time). `last`: the entry this transaction is
        writing just before (the head is not read again)."""
        if last is not None:
            seq, previous = last[0] + 1, last[1]
        else:
            head = conn.execute(_HEAD).first()
            seq, previous = (head.seq + 1, head.hash) if head else (1, GENESIS)
        at = self._clock.now().replace(microsecond=0)
        entry = {"seq": seq, "at": at.isoformat(), "actor": actor.username, "role": actor.role, "action": action,
                 "purpose": purpose.purpose.value if purpose else "", "purpose_text": purpose.text if purpose else "",
                 "detail": _plain(detail)}
        digest = chain_hash(previous, entry)
        row = {"seq": seq, "at": at, "actor": actor.username, "role": actor.role, "action": action,
               "purpose": entry["purpose"], "purpose_text": entry["purpose_text"],
               "detail": json.dumps(entry["detail"], sort_keys=True, ensure_ascii=False), "prev_hash": previous,
               "hash": digest}
        return row, (seq, digest, at)

    def take_checkpoint(self) -> Checkpoint | None:
        """Sign the chain's head into the checkpoint file if this period has none yet and the trail grew since the
        last one. Claimed in the chain's own write transaction, under its lock (PostgreSQL: the advisory lock;
        SQLite: BEGIN IMMEDIATE), by an entry `checkpoint` naming the period: however many processes run this
        step, one takes each period's checkpoint. The line is written after the commit (a process that stops in
        between leaves an entry without its line: verify-audit warns)."""
        if not self.checkpoints.enabled:
            return None
        slot = self.checkpoints.slot(self._clock.now()).isoformat()
        with self._lock, self._engine.begin() as conn:
            _lock_chain(conn)
            head = conn.execute(select(audit.c.action).order_by(audit.c.seq.desc()).limit(1)).scalar()
            if head is None or head == CHECKPOINT:
                return None  # nothing written since the last checkpoint: it still covers the head
            last = conn.execute(select(audit.c.detail).where(audit.c.action == CHECKPOINT)
                                .order_by(audit.c.seq.desc()).limit(1)).scalar()
            if last is not None and str(json.loads(last).get("slot", "")) >= slot:
                return None
            seq, digest, at = self._write(conn, SYSTEM, CHECKPOINT, {"slot": slot}, None)
        checkpoint = Checkpoint(seq, digest, at.isoformat(), slot)
        self.checkpoints.append(checkpoint)
        return checkpoint

    def verify(self) -> tuple[int, int | None]:
        """(entries checked, sequence number of the first bad entry or None)."""
        rows = self._all()
        return len(rows), first_broken_link((r.seq, r.prev_hash, r.hash, entry_of(r)) for r in rows)

    def report(self, incremental: bool = False) -> AuditReport:
        """The chain and the signed checkpoints: what `suraksha registry verify-audit` prints (the whole chain
        recomputed). With `incremental` (the supervisors' pages and API) the chain is recomputed only after the
        newest entry this process checked before, while that entry keeps its hash, no entry is missing (the
        sequence numbers run 1..count) and the whole chain was recomputed within `FULL_CHECK_EVERY`: an older entry
        changed in place is found by the next whole check. The checkpoints are checked whole every time (they
        need only the checkpoint entries and those after the newest)."""
        signed, file_problems = self.checkpoints.read()
        with self._engine.connect() as conn:
            count, last = conn.execute(select(func.count(), func.max(audit.c.seq))).one()
            start = self._resume_point(conn, count, last) if incremental else None
            q = select(audit).order_by(audit.c.seq)
            rows = list(conn.execute(q if start is None else q.where(audit.c.seq > start[0])).all())
            heads = _heads(conn, signed, rows if start is None else None)
        previous, expected = (start[1], start[0] + 1) if start else (GENESIS, 1)
        bad = first_broken_link(((r.seq, r.prev_hash, r.hash, entry_of(r)) for r in rows), previous, expected)
        if start is None:
            self._full_at = self._clock.now()
        if bad is not None:
            self._checked = None
        elif rows:
            self._checked = (rows[-1].seq, rows[-1].hash)
        recorded = sorted(seq for seq, (_, _, action) in heads.items() if action == CHECKPOINT)
        report = self.checkpoints.check({seq: (h, at) for seq, (h, at, _) in heads.items()}, recorded,
                                        self._clock.now(), (signed, file_problems))
        return AuditReport(count, bad, report)

    def _resume_point(self, conn: Connection, count: int, last: int | None) -> tuple[int, str] | None:
        """(seq, hash) of the newest entry this process checked, if the chain can be resumed after it."""
        if self._checked is None or count != (last or 0) or self._full_check_due():
            return None
        seq, head_hash = self._checked
        stored = conn.execute(select(audit.c.hash).where(audit.c.seq == seq)).scalar()
        return (seq, head_hash) if stored == head_hash else None

    def _full_check_due(self) -> bool:
        return self._full_at is None or self._clock.now() - self._full_at > FULL_CHECK_EVERY

    def keep_checked(self) -> None:
        """A timer step: recompute the whole chain when this process's last whole check is older than
        `FULL_CHECK_EVERY`, so that the supervisors' pages only ever check what is new (`report(incremental=True)`)."""
        if self._full_check_due():
            self.report(incremental=True)

    def _all(self):
        with self._engine.connect() as conn:
            return conn.execute(select(audit).order_by(audit.c.seq)).all()

    def entries(self, filters: AuditFilters | None = None, limit: int = 100, before_seq: int | None = None,
                after_seq: int | None = None) -> list[dict[str, Any]]:
        """Entries newest first, narrowed by `filters`; a page ends before `before_seq` or starts after `after_seq`."""
        f = filters or AuditFilters()
        limit = min(max(limit, 1), 500)
        q = select(audit)
        for column, value in ((audit.c.action, f.action), (audit.c.actor, f.actor), (audit.c.purpose, f.purpose)):
            if value:
                q = q.where(column == value)
        if f.since is not None:
            q = q.where(audit.c.at >= f.since)
        if f.until is not None:
            q = q.where(audit.c.at < f.until)
        with self._engine.connect() as conn:
            if f.registrations is None:
                rows = _page(conn, q, limit, before_seq, after_seq)
            else:
                rows = _page_concerning(conn, q, f.registrations, limit, before_seq, after_seq)
        return [entry_of(r) | {"hash": r.hash, "prev_hash": r.prev_hash} for r in rows]

    def count(self) -> int:
        with self._engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(audit)).scalar_one()

    def activity(self, since: datetime) -> dict[str, Any]:
        """What happened in the trail since a time, for the supervisor's overview: entries by action and purpose,
        refusals, and the busiest accounts."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(audit.c.actor, audit.c.action, audit.c.purpose, audit.c.detail)
                                .where(audit.c.at >= since, audit.c.action != CHECKPOINT)).all()
        by_action: dict[str, int] = defaultdict(int)
        by_purpose: dict[str, int] = defaultdict(int)
        by_actor: dict[str, int] = defaultdict(int)
        refused = 0
        for r in rows:
            by_action[r.action] += 1
            by_actor[r.actor] += 1
            if r.purpose:
                by_purpose[r.purpose] += 1
            refused += '"refused"' in r.detail
        busiest = sorted(by_actor.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        return {"entries": len(rows), "refused": refused, "by_action": dict(sorted(by_action.items())),
                "by_purpose": dict(sorted(by_purpose.items())), "busiest": busiest}


def _heads(conn: Connection, signed: list[Checkpoint], rows: list | None) -> dict[int, tuple[str, datetime, str]]:
    """seq -> (hash, time, action) of the entries the checkpoints are compared with: every checkpoint entry, every
    entry after the newest signed checkpoint, the last one, and any other the file names. From `rows` when the
    whole trail was read anyway."""
    if rows is not None:
        return {r.seq: (r.hash, r.at, r.action) for r in rows}
    columns = select(audit.c.seq, audit.c.hash, audit.c.at, audit.c.action)
    newest = max((c.seq for c in signed), default=0)
    found = [*conn.execute(columns.where(audit.c.action == CHECKPOINT)),
             *conn.execute(columns.where(audit.c.seq > newest)),
             *conn.execute(columns.order_by(audit.c.seq.desc()).limit(1))]
    heads = {r.seq: (r.hash, r.at, r.action) for r in found}
    named = sorted({c.seq for c in signed} - set(heads))[:1000]  # a signed entry that is no checkpoint entry now
    if named:
        heads |= {r.seq: (r.hash, r.at, r.action) for r in conn.execute(columns.where(audit.c.seq.in_(named)))}
    return heads


def _plain(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail as it is stored and hashed: JSON types only (dates and other values as text)."""
    return json.loads(json.dumps(detail, default=str))


def _lock_chain(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(726301)"))  # serialise the chain across processes


def _page(conn: Connection, q, limit: int, before_seq: int | None, after_seq: int | None) -> list:
    if after_seq is not None:
        return list(reversed(conn.execute(q.where(audit.c.seq > after_seq).order_by(audit.c.seq)
                                          .limit(limit)).all()))
    if before_seq is not None:
        q = q.where(audit.c.seq < before_seq)
    return list(conn.execute(q.order_by(audit.c.seq.desc()).limit(limit)).all())


def _page_concerning(conn: Connection, q, registrations: frozenset[int], limit: int, before_seq: int | None,
                     after_seq: int | None) -> list:
    """A page of the entries that concern any of these registrations. The database narrows by the ids' digits in
    the entry's text; `concerns` decides from the entry itself, batch by batch until the page is full."""
    related = _related(conn, registrations)
    q = q.where(or_(*(audit.c.detail.contains(str(n)) for n in related.every_id())))
    found: list = []
    ascending = after_seq is not None
    bound = after_seq if ascending else before_seq
    while len(found) < limit:
        batch_q = q.where(audit.c.seq > bound) if ascending and bound is not None else (
            q.where(audit.c.seq < bound) if bound is not None else q)
        order = audit.c.seq if ascending else audit.c.seq.desc()
        batch = conn.execute(batch_q.order_by(order).limit(SCAN_BATCH)).all()
        found += [r for r in batch if related.concerns(json.loads(r.detail))]
        if len(batch) < SCAN_BATCH:
            break
        bound = batch[-1].seq
    found = found[:limit]
    return list(reversed(found)) if ascending else found


@dataclass(frozen=True)
class _Related:
    """The ids an entry may name when it concerns these registrations: theirs, their merges', alerts' and persons'."""

    registrations: frozenset[int]
    merges: frozenset[int]
    alerts: frozenset[int]
    persons: frozenset[int]

    def every_id(self) -> set[int]:
        return set(self.registrations | self.merges | self.alerts | self.persons) or {0}

    def concerns(self, detail: dict[str, Any]) -> bool:
        """Whether an entry's detail names one of the ids: a registration viewed, found, listed or given a file; a
        merge listed or decided; an alert listed or read; a person a suspect was linked to."""
        named = {"registration_id": self.registrations, "results": self.registrations,
                 "registrations": self.registrations, "merge_id": self.merges, "merges": self.merges,
                 "alert_id": self.alerts, "alerts": self.alerts, "persons": self.persons}
        return any(_names_any(detail.get(key), ids) for key, ids in named.items())


def _names_any(value: Any, ids: frozenset[int]) -> bool:
    """An id, or a list of ids, among `ids` (a count such as an import's `alerts: 3` is not an id)."""
    if isinstance(value, list):
        return any(isinstance(x, int) and x in ids for x in value)
    return False if isinstance(value, bool) else isinstance(value, int) and value in ids


def _related(conn: Connection, registrations: frozenset[int]) -> _Related:
    ids = list(registrations)
    m, a, r = store.merges, store.alerts, store.registrations
    merges = conn.execute(select(m.c.id).where(or_(m.c.left_registration_id.in_(ids),
                                                   m.c.right_registration_id.in_(ids)))).scalars().all()
    alerts = conn.execute(select(a.c.id).where(a.c.registration_id.in_(ids))).scalars().all()
    persons = conn.execute(select(r.c.person_id).where(r.c.id.in_(ids))).scalars().all()
    return _Related(registrations, frozenset(merges), frozenset(alerts), frozenset(persons))
