"""The investigation clock's timers: a row per alert point (and per e-FIR's signature deadline), claimed when due by a
conditional update in the transaction that acts on it, so however many processes run `fire_due`, each alert is
raised once and a restart loses none. A charge-sheet or closure report cancels the rows still waiting."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update

from suraksha.adapters.db import scope_filter
from suraksha.adapters.outbox import record
from suraksha.cases.events import CaseDeadlineAlert, CaseUpdated, from_row
from suraksha.cases.model import CaseStatus, ClockRule, Entry, alert_reaches, alert_schedule, days_left
from suraksha.cases.store import add_entry, case_timers, cases
from suraksha.core.auth import Locus, Principal
from suraksha.core.clock import Clock

log = logging.getLogger(__name__)
DEADLINE_ALERT = "deadline_alert"
E_FIR_LAPSE = "e_fir_lapse"
ADJOURNMENTS = "adjournments"  # a trial adjourned more than twice (cases.courts): raised at once, fired when written
BREACH = "breach"


def schedule_alerts(conn: Connection, case_id: int, recorded_at: datetime, rule: ClockRule) -> None:
    """A timer row for each alert point of the rule, from the moment the FIR was put on record."""
    rows = [{"case_id": case_id, "kind": DEADLINE_ALERT, "point": p.point, "notify": list(p.notify), "due_at": due}
            for p, due in alert_schedule(recorded_at, rule)]
    if rows:
        conn.execute(insert(case_timers), rows)


def schedule_lapse(conn: Connection, case_id: int, due_at: datetime) -> None:
    conn.execute(insert(case_timers).values(case_id=case_id, kind=E_FIR_LAPSE, point=None, notify=["station_head"],
                                            due_at=due_at))


def adjournments_of(point: str | None) -> int | None:
    """How many adjournments an adjournments alert's point counts ('adjourned_3' -> 3); None for the clock's."""
    if point and point.startswith("adjourned_") and point[10:].isdigit():
        return int(point[10:])
    return None


def alert_at_once(conn: Connection, row, point: str, notify: tuple[str, ...], now: datetime) -> None:
    """An alert that is due as it happens (a trial adjourned more than twice): its timer row, written fired, and its
    event, in the caller's transaction; `alerts_for` and the live pages show it like the clock's."""
    conn.execute(insert(case_timers).values(case_id=row.id, kind=ADJOURNMENTS, point=point, notify=list(notify),
                                            due_at=now, fired_at=now))
    record(conn, from_row(CaseDeadlineAlert, row._mapping, point=point, days_left=None, deadline_at=None,
                          notify=tuple(notify)), now)


def cancel(conn: Connection, case_id: int, now: datetime, kind: str | None = None) -> int:
    """Cancel the case's timers still waiting (of one kind, or all): the clock stopped."""
    t = case_timers.c
    q = update(case_timers).where(t.case_id == case_id, t.fired_at.is_(None), t.cancelled_at.is_(None))
    if kind is not None:
        q = q.where(t.kind == kind)
    return conn.execute(q.values(cancelled_at=now)).rowcount


class CaseTimers:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine, self._clock = engine, clock

    def due_count(self) -> int:
        """How many alerts and lapses are due and not yet fired (the metrics: a timer step that keeps up keeps it
        near 0)."""
        t = case_timers.c
        with self._engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(case_timers).where(
                t.fired_at.is_(None), t.cancelled_at.is_(None), t.due_at <= self._clock.now())).scalar_one()

    def fire_due(self, limit: int = 50) -> int:
        """Raise every alert (and lapse every e-FIR) that is due: each row claimed and acted on in one transaction."""
        now = self._clock.now()
        t = case_timers.c
        waiting = (t.fired_at.is_(None), t.cancelled_at.is_(None), t.due_at <= now)
        with self._engine.connect() as conn:
            due = conn.execute(select(t.id).where(*waiting).order_by(t.due_at, t.id).limit(limit)).scalars().all()
        fired = 0
        for timer_id in due:
            with self._engine.begin() as conn:
                if conn.execute(update(case_timers).where(t.id == timer_id, *waiting)
                                .values(fired_at=now)).rowcount != 1:
                    continue  # another process took it
                timer = conn.execute(select(case_timers).where(t.id == timer_id)).one()
                row = conn.execute(select(cases).where(cases.c.id == timer.case_id)).one()
                if timer.kind == E_FIR_LAPSE:
                    fired += self._lapse(conn, row, now)
                else:
                    fired += self._alert(conn, row, timer, now)
        return fired

    def fired_alerts(self, conn: Connection, principal: Principal, limit: int = 500) -> list[dict]:
        """The alerts raised for cases in scope that went to this account (`model.alert_reaches`), newest first: the
        clock's while the case is under investigation, the adjournments' while its trial is pending."""
        t, c = case_timers.c, cases.c
        q = (select(t.kind, t.point, t.notify, t.fired_at, c.fir_number, c.pseudonym, c.station_id, c.city, c.state,
                    c.io_username, c.deadline_at)
             .join(cases, c.id == t.case_id)
             .where(or_(and_(t.kind == DEADLINE_ALERT, c.status == CaseStatus.UNDER_INVESTIGATION.value),
                        and_(t.kind == ADJOURNMENTS, c.status == CaseStatus.CHARGE_SHEETED.value)),  # trial pending
                    t.fired_at.is_not(None),
                    scope_filter(principal, station_id=c.station_id, city=c.city, state=c.state))
             .order_by(t.fired_at.desc(), t.id.desc()).limit(limit))
        return [dict(r._mapping) for r in conn.execute(q)
                if alert_reaches(principal, r.notify, r.io_username, Locus(r.station_id, r.city, r.state))]

    def _alert(self, conn: Connection, row, timer, now: datetime) -> int:
        if row.status != CaseStatus.UNDER_INVESTIGATION.value or row.deadline_at is None:
            return 0  # the clock stopped in the meantime (its rows are cancelled with it)
        left = days_left(row.deadline_at, now)
        kind = Entry.DEADLINE_BREACHED if timer.point == BREACH else Entry.DEADLINE_ALERT
        day = round((timer.due_at - (row.recorded_at or row.registered_at)) / timedelta(days=1))  # the point's day
        add_entry(conn, row.id, now, kind.value, None,
                  {"point": timer.point, "day": day, "of_days": row.deadline_days, "days_left": left,
                   "notify": list(timer.notify), "deadline_at": row.deadline_at.isoformat(), "io": row.io_username})
        conn.execute(update(cases).where(cases.c.id == row.id).values(updated_at=now))
        record(conn, from_row(CaseDeadlineAlert, row._mapping, point=timer.point, days_left=left,
                              deadline_at=row.deadline_at.isoformat(), notify=tuple(timer.notify)), now)
        log.info("FIR %s: investigation clock %s (%s days left)", row.fir_number, timer.point, left)
        return 1

    def _lapse(self, conn: Connection, row, now: datetime) -> int:
        if row.status != CaseStatus.AWAITING_SIGNATURE.value:
            return 0  # signed in time
        conn.execute(update(cases).where(cases.c.id == row.id).values(status=CaseStatus.LAPSED.value, updated_at=now))
        add_entry(conn, row.id, now, Entry.E_FIR_LAPSED.value, None,
                  {"signature_due_at": row.signature_due_at.isoformat() if row.signature_due_at else None})
        record(conn, from_row(CaseUpdated, row._mapping, change=Entry.E_FIR_LAPSED.value,
                              status=CaseStatus.LAPSED.value, by=None), now)
        log.info("e-FIR %s lapsed: not signed within three days", row.fir_number)
        return 1
