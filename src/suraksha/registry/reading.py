"""Registrations read back for registry officers' screens: summaries and full records.

Identity numbers are never shown: only which kinds are on file (their keyed hashes stay in the database).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Connection, bindparam, func, select

from suraksha.registry import store


def age_on(dob: date | None, age: int | None, age_as_of: date | None, today: date) -> int | None:
    if dob is not None:
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
    if age is not None and age_as_of is not None:
        return age + (today - age_as_of).days // 365
    return None


def _summary_statements():
    """The two statements of `summaries`, built once (a registry search reads 20 summaries for every answer): the
    aliases, and each registration with its current address (the newest), for an expanding list of ids."""
    r, a, n = store.registrations, store.addresses, store.names
    ids = bindparam("ids", expanding=True)
    aliases = select(n.c.registration_id, n.c.name).where(n.c.registration_id.in_(ids), n.c.is_alias.is_(True))
    other = a.alias("other")
    newest = select(func.max(other.c.id)).where(other.c.registration_id == r.c.id).scalar_subquery()
    shown = [r.c[k] for k in ("id", "person_id", "state", "record_id", "district", "full_name", "father_name", "sex",
                              "dob", "age", "age_as_of", "risk_tier", "registered_on")]
    rows = (select(*shown, a.c.address.label("current_address"), a.c.state.label("current_state"))
            .select_from(r.outerjoin(a, a.c.id == newest)).where(r.c.id.in_(ids)))
    return aliases, rows


_ALIASES, _SUMMARIES = _summary_statements()
_TEXTS: dict[tuple[str, str, int], str] = {}  # (dialect, statement, number of ids) -> the statement's SQL
_TEXTS_UP_TO = 256  # ids: longer lists are rendered each time (a search asks at most 250)


def _sql(conn: Connection, which: str, statement, count: int) -> str:
    """The statement's SQL for this database with `count` placeholders for its ids, rendered once per count."""
    key = (conn.dialect.name, which, count)
    sql = _TEXTS.get(key)
    if sql is None:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        sql = str(statement.compile(dialect=conn.dialect)).replace("__[POSTCOMPILE_ids]", ", ".join([mark] * count))
        if count <= _TEXTS_UP_TO:
            _TEXTS[key] = sql
    return sql


def summaries(conn: Connection, ids: list[int]) -> dict[int, dict]:
    """Registration id -> what a results list shows (names, father, sex, birth, place, current address).

    The two statements go to the driver as SQL rendered once (`_sql`): a registry search reads 20 summaries for
    every answer, and SQLAlchemy's per-call rendering of the id list took some 40% of this read's CPU. Dates then come
    as the driver gives them (SQLite: ISO text), so `_iso` takes either."""
    if not ids:
        return {}
    params = tuple(ids)
    aliases: dict[int, list[str]] = defaultdict(list)
    for registration_id, name in conn.exec_driver_sql(_sql(conn, "aliases", _ALIASES, len(ids)), params):
        aliases[registration_id].append(name)
    out = {}
    # rows unpacked by position, in the statement's column order (reading 15 columns by name took a quarter of this)
    for (rid, person_id, state, record_id, district, full_name, father_name, sex, dob, age, age_as_of, risk_tier,
         registered_on, address, address_state) in conn.exec_driver_sql(_sql(conn, "summaries", _SUMMARIES,
                                                                              len(ids)), params):
        out[rid] = {
            "registration_id": rid, "person_id": person_id, "state": state, "record_id": record_id,
            "district": district, "name": full_name, "aliases": aliases[rid], "father_name": father_name, "sex": sex,
            "dob": _iso(dob), "age": age, "age_as_of": _iso(age_as_of), "risk_tier": risk_tier,
            "registered_on": _iso(registered_on), "address": address or "", "address_state": address_state or "",
        }
    return out


def registration_detail(conn: Connection, registration_id: int) -> dict | None:
    """Everything registered about one registration, with its address history and the person's other ones."""
    base = summaries(conn, [registration_id]).get(registration_id)
    if base is None:
        return None
    reg = store.registrations
    base["purge_due"] = _iso(conn.execute(select(reg.c.purge_due).where(reg.c.id == registration_id)).scalar())
    base["addresses"] = [_address(a) for a in _children(conn, store.addresses, registration_id)]
    base["convictions"] = [{"act": c.act, "section": c.section, "court": c.court, "case_number": c.case_number,
                            "conviction_date": _iso(c.conviction_date), "sentence": c.sentence}
                           for c in _children(conn, store.convictions, registration_id)]
    base["marks"] = [m.description for m in _children(conn, store.marks, registration_id)]
    base["identity_kinds"] = sorted({i.kind for i in _children(conn, store.identities, registration_id)})
    base["files"] = [{"kind": f.kind, "sha256": f.sha256, "content_type": f.content_type, "size": f.size}
                     for f in _children(conn, store.files, registration_id)]
    others = conn.execute(select(reg.c.id, reg.c.state, reg.c.record_id).where(
        reg.c.person_id == base["person_id"], reg.c.id != registration_id)).all()
    base["other_registrations"] = [{"registration_id": o.id, "state": o.state, "record_id": o.record_id}
                                   for o in others]
    return base


def _children(conn: Connection, table, registration_id: int):
    return conn.execute(select(table).where(table.c.registration_id == registration_id).order_by(table.c.id)).all()


def _address(a) -> dict:
    return {"address": a.address, "state": a.state, "district": a.district, "lat": a.lat, "lon": a.lon,
            "valid_from": _iso(a.valid_from), "recorded_at": a.recorded_at.isoformat()}


def _iso(value: date | str | None) -> str | None:
    """A date as ISO text (a driver may give it as such already)."""
    if not value:
        return None
    return value if isinstance(value, str) else value.isoformat()


def merges_of(conn: Connection, registration_id: int) -> list[dict]:
    """Every merge proposed with this registration, newest first, with the other registration's summary."""
    m = store.merges
    rows = conn.execute(select(m).where((m.c.left_registration_id == registration_id)
                                        | (m.c.right_registration_id == registration_id))
                        .order_by(m.c.id.desc())).all()
    others = {r.id: (r.right_registration_id if r.left_registration_id == registration_id else r.left_registration_id)
              for r in rows}
    regs = summaries(conn, sorted(set(others.values())))
    return [{"id": r.id, "status": r.status, "score": r.score, "other": regs.get(others[r.id]),
             "proposed_at": r.proposed_at.isoformat(), "decided_by": r.decided_by,
             "decided_at": r.decided_at.isoformat() if r.decided_at else None} for r in rows]


def suspect_links(conn: Connection, registration_id: int) -> list[dict]:
    """When an FIR's suspect was linked to this registration from another state (the `linked_suspect` alerts: one
    per state told, shown once), newest first."""
    a = store.alerts
    rows = conn.execute(select(a.c.created_at, a.c.from_state, a.c.to_state).where(
        a.c.registration_id == registration_id, a.c.kind == "linked_suspect").order_by(a.c.id.desc())).all()
    seen, out = set(), []
    for r in rows:
        key = (r.created_at, r.from_state, r.to_state)
        if key not in seen:
            seen.add(key)
            out.append({"at": r.created_at.isoformat(), "registered_in": r.from_state, "suspect_in": r.to_state})
    return out


def shared_identities(conn: Connection, left: int, right: int) -> list[str]:
    """The kinds of identity number both registrations hold with the same number (compared by keyed hash)."""
    i = store.identities
    held: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for row in conn.execute(select(i.c.registration_id, i.c.kind, i.c.number_hmac)
                            .where(i.c.registration_id.in_([left, right]))):
        held[row.registration_id].add((row.kind, row.number_hmac))
    return sorted({kind for kind, _ in held[left] & held[right]})
