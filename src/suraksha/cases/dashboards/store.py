"""Tables of the case dashboards: each case's facts (`case_facts`, one narrow row per case on record) and the roll-up
(`case_rollup`: one row per station × cohort month × offence class, additive counters). Both are kept in the same
transaction as every change to a case (`save`): the national view reads a few thousand roll-up rows, never the
cases. `rebuild` makes both again from the cases, in batches (the migration's backfill, the benchmark's load)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from suraksha.adapters.db import metadata, scope_filter
from suraksha.cases.courts.store import case_courts, hearings
from suraksha.cases.dashboards.model import (
    AGE_BUCKETS,
    COUNTERS,
    DELAYS,
    NO_REASON,
    CaseFacts,
    Court,
    Forensics,
    counters,
    difference,
    facts_of,
)
from suraksha.cases.forensics.store import forensic_requests
from suraksha.cases.model import Entry
from suraksha.cases.store import case_log, cases
from suraksha.core.auth import Principal

case_facts = Table(
    "case_facts",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("station_id", Integer, nullable=False),
    Column("city", String(64), nullable=True),
    Column("state", String(2), nullable=True),
    Column("month", Date, nullable=False),
    Column("offence_class", String(16), nullable=False),
    Column("since_on", Date, nullable=False),
    Column("deadline_on", Date, nullable=True),
    Column("status", String(16), nullable=False),  # open | charge_sheet | closure_report
    Column("filed_on", Date, nullable=True),
    Column("delays", Integer, nullable=False),
    Column("forensic_requests", Integer, nullable=False),
    Column("forensic_results", Integer, nullable=False),
    Column("forensic_days", Integer, nullable=False),
    Column("forensic_on_time", Integer, nullable=False),
    Column("forensic_pending", Integer, nullable=False),
    Column("forensic_due_on", Date, nullable=True),
    Column("in_court", Boolean, nullable=False),
    Column("disposal", String(12), nullable=True),
    Column("hearings", Integer, nullable=False),
    Column("adjournments", Integer, nullable=False),
    Column("report_days", Integer, nullable=True),  # filed_on - since_on: the medians read it
    # the open cases now (by age, over the deadline), the medians of a period, the overdue samples
    Index("ix_case_facts_status_state", "status", "state", "month"),
    Index("ix_case_facts_report_days", "status", "month", "state", "report_days"),  # an index-only scan
    Index("ix_case_facts_forensic_due", "forensic_due_on"),
    Index("ix_case_facts_station_month", "station_id", "month"),
    Index("ix_case_facts_city_month", "city", "month"),
)

case_rollup = Table(
    "case_rollup",
    metadata,
    Column("station_id", Integer, primary_key=True),
    Column("month", Date, primary_key=True),
    Column("offence_class", String(16), primary_key=True),
    Column("city", String(64), nullable=True),
    Column("state", String(2), nullable=True),
    *(Column(name, Integer, nullable=False, server_default="0") for name in COUNTERS),
    Index("ix_case_rollup_state_month", "state", "month"),
    Index("ix_case_rollup_city_month", "city", "month"),
)

FACT_FIELDS = tuple(f.name for f in fields(CaseFacts))
ZoneFor = Callable[[str | None], str]


# keeping them ------------------------------------------------------------------------------------------------
def load_facts(conn: Connection, case_id: int, zone_for: ZoneFor) -> CaseFacts | None:
    """The case's facts as they are now, from the case, its timeline, its forensic requests and its court."""
    row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        return None
    delays = [d.get("category") for d in conn.execute(
        select(case_log.c.detail).where(case_log.c.case_id == case_id,
                                        case_log.c.kind == Entry.DELAY_REASON.value)).scalars()]
    samples = conn.execute(select(forensic_requests.c.sent_on, forensic_requests.c.result_on,
                                  forensic_requests.c.due_on).where(forensic_requests.c.case_id == case_id)).all()
    court = None
    allocated = conn.execute(select(case_courts.c.disposal).where(case_courts.c.case_id == case_id)).first()
    if allocated is not None:
        held = conn.execute(select(hearings.c.outcome).where(hearings.c.case_id == case_id)).scalars().all()
        court = Court(allocated.disposal, len(held), sum(1 for o in held if o == "adjourned"))
    return facts_of(row._mapping, zone_for(row.city), [d for d in delays if d], Forensics.of(samples), court)


def stored_facts(conn: Connection, case_id: int) -> CaseFacts | None:
    row = conn.execute(select(case_facts).where(case_facts.c.case_id == case_id)).first()
    return None if row is None else CaseFacts(**{k: row._mapping[k] for k in FACT_FIELDS})


def _row(f: CaseFacts) -> dict[str, Any]:
    return asdict(f) | {"report_days": f.report_days}


def _key(f: CaseFacts) -> tuple[int, date, str, str | None, str | None]:
    return f.station_id, f.month, f.offence_class, f.city, f.state


def save(conn: Connection, new: CaseFacts | None, old: CaseFacts | None) -> None:
    """Keep the case's facts and move the roll-up by the difference, in the caller's transaction."""
    if new == old:
        return
    deltas: dict[tuple, dict[str, int]] = {}
    if old is not None:
        deltas[_key(old)] = difference({}, counters(old))
    if new is not None:
        key = _key(new)
        base = deltas.get(key, dict.fromkeys(COUNTERS, 0))
        deltas[key] = {k: base[k] + v for k, v in counters(new).items()}
    for key in sorted(deltas, key=lambda k: (k[0], k[1], k[2])):  # one order: two changes never deadlock
        if any(deltas[key].values()):
            _add(conn, key, deltas[key])
    if new is None:
        if old is not None:
            conn.execute(delete(case_facts).where(case_facts.c.case_id == old.case_id))
    elif old is None:
        conn.execute(insert(case_facts).values(**_row(new)))
    else:
        conn.execute(update(case_facts).where(case_facts.c.case_id == new.case_id).values(**_row(new)))


def _add(conn: Connection, key: tuple, delta: dict[str, int]) -> None:
    """Add to one roll-up row (made at zero if new): one atomic upsert on both databases."""
    station_id, month, offence_class, city, state = key
    build = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = build(case_rollup).values(station_id=station_id, month=month, offence_class=offence_class,
                                          city=city, state=state, **delta)
    statement = statement.on_conflict_do_update(
        index_elements=[case_rollup.c.station_id, case_rollup.c.month, case_rollup.c.offence_class],
        set_={"city": city, "state": state, **{k: case_rollup.c[k] + v for k, v in delta.items() if v}})
    conn.execute(statement)


def rebuild(conn: Connection, zone_for: ZoneFor, batch: int = 20_000) -> int:
    """Make the facts and the roll-up again from every case (in batches of case ids); returns the cases counted."""
    conn.execute(delete(case_rollup))
    conn.execute(delete(case_facts))
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    counted = 0
    for chunk in _facts_in_batches(conn, zone_for, batch):
        if chunk:
            conn.execute(insert(case_facts), [_row(f) for f in chunk])
        for f in chunk:
            row = totals[_key(f)]
            for k, v in counters(f).items():
                row[k] += v
        counted += len(chunk)
    rows = [{"station_id": k[0], "month": k[1], "offence_class": k[2], "city": k[3], "state": k[4]} | v
            for k, v in totals.items()]
    for start in range(0, len(rows), batch):
        conn.execute(insert(case_rollup), rows[start:start + batch])
    return counted


def _facts_in_batches(conn: Connection, zone_for: ZoneFor, batch: int) -> Iterator[list[CaseFacts]]:
    last = 0
    while True:
        rows = conn.execute(select(cases.c.id, cases.c.station_id, cases.c.city, cases.c.state, cases.c.status,
                                   cases.c.sections, cases.c.sexual_offence, cases.c.recorded_at,
                                   cases.c.deadline_at, cases.c.report_filed_on, cases.c.stopped_at)
                            .where(cases.c.id > last).order_by(cases.c.id).limit(batch)).all()
        if not rows:
            return
        first, last = rows[0].id, rows[-1].id
        delays: dict[int, list[str]] = defaultdict(list)
        for case_id, detail in conn.execute(select(case_log.c.case_id, case_log.c.detail).where(
                case_log.c.kind == Entry.DELAY_REASON.value, case_log.c.case_id.between(first, last))):
            if detail and detail.get("category"):
                delays[case_id].append(detail["category"])
        samples: dict[int, list] = defaultdict(list)
        r = forensic_requests.c
        for case_id, *sample in conn.execute(select(r.case_id, r.sent_on, r.result_on, r.due_on)
                                             .where(r.case_id.between(first, last))):
            samples[case_id].append(tuple(sample))
        held: dict[int, list[str | None]] = defaultdict(list)
        for case_id, outcome in conn.execute(select(hearings.c.case_id, hearings.c.outcome)
                                             .where(hearings.c.case_id.between(first, last))):
            held[case_id].append(outcome)
        courts: dict[int, str | None] = {}
        for case_id, disposal in conn.execute(select(case_courts.c.case_id, case_courts.c.disposal)
                                              .where(case_courts.c.case_id.between(first, last))):
            courts[case_id] = disposal
        chunk = []
        for row in rows:
            court = (Court(courts[row.id], len(held[row.id]), sum(1 for o in held[row.id] if o == "adjourned"))
                     if row.id in courts else None)
            f = facts_of(row._mapping, zone_for(row.city), delays.get(row.id, []), Forensics.of(samples[row.id]),
                         court)
            if f is not None:
                chunk.append(f)
        yield chunk


# reading ---------------------------------------------------------------------------------------------------
def _where(table: Table, principal: Principal, area: dict[str, Any], offence: str | None) -> list:
    """The one scope rule (`core.auth.scope_key`, as `cases.reading.scoped` applies it to cases), the area chosen
    within it, and the offence class."""
    out = [scope_filter(principal, station_id=table.c.station_id, city=table.c.city, state=table.c.state)]
    out += [table.c[name] == value for name, value in area.items() if value is not None]
    if offence:
        out.append(table.c.offence_class == offence)
    return out


def rollup_by(conn: Connection, principal: Principal, area: dict[str, Any], offence: str | None,
              first: date, last: date, group: str) -> list[dict]:
    """The roll-up's counters summed per `group` (state, city, station_id, month or offence_class)."""
    t = case_rollup
    sums = [func.sum(t.c[k]).label(k) for k in COUNTERS]
    q = (select(t.c[group].label("key"), *sums).where(*_where(t, principal, area, offence),
                                                     t.c.month.between(first, last)).group_by(t.c[group]))
    return [dict(r._mapping) for r in conn.execute(q)]


def open_now(conn: Connection, principal: Principal, area: dict[str, Any], offence: str | None, today: date,
             group: str, first: date, last: date) -> list[dict]:
    """The cases under investigation now, per `group`: by age (days since the FIR), and those past their deadline's
    day with the categories of delay recorded on them."""
    t = case_facts
    late = and_(t.c.deadline_on.is_not(None), t.c.deadline_on < today)

    def n(condition) -> Any:
        return func.sum(case((condition, 1), else_=0))

    ages = [n(and_(t.c.since_on <= today - timedelta(days=low),
                   *([t.c.since_on >= today - timedelta(days=high)] if high is not None else []))).label(f"age_{name}")
            for name, low, high in AGE_BUCKETS]
    reasons = [n(and_(late, t.c.delays.op("&")(1 << i) != 0)).label(f"late_{d}") for i, d in enumerate(DELAYS)]
    q = (select(t.c[group].label("key"), func.count().label("open"), *ages, n(late).label("over_deadline"),
                n(and_(late, t.c.delays == 0)).label(f"late_{NO_REASON}"), *reasons)
         .where(t.c.status == "open", t.c.month.between(first, last), *_where(t, principal, area, offence))
         .group_by(t.c[group]))
    return [{k: (int(v or 0) if k != "key" else v) for k, v in r._mapping.items()} for r in conn.execute(q)]


def report_days(conn: Connection, principal: Principal, area: dict[str, Any], offence: str | None,
                first: date, last: date, group: str) -> list[dict]:
    """How many charge-sheets took each number of days, per `group` (for the medians)."""
    t = case_facts
    q = (select(t.c[group].label("key"), t.c.report_days, func.count().label("n"))
         .where(t.c.status == "charge_sheet", t.c.report_days.is_not(None), t.c.month.between(first, last),
                *_where(t, principal, area, offence))
         .group_by(t.c[group], t.c.report_days))
    return [dict(r._mapping) for r in conn.execute(q)]


def overdue_samples(conn: Connection, principal: Principal, area: dict[str, Any], offence: str | None,
                    today: date, group: str, first: date, last: date) -> dict[Any, int]:
    """Cases with a sample sent and without a result past its due day, per `group`."""
    t = case_facts
    q = (select(t.c[group].label("key"), func.count().label("n"))
         .where(and_(t.c.forensic_due_on.is_not(None), t.c.forensic_due_on < today), t.c.month.between(first, last),
                *_where(t, principal, area, offence)).group_by(t.c[group]))
    return {r.key: int(r.n or 0) for r in conn.execute(q)}
