"""The Nirbhaya squads' list: registered offenders whose current address lies in a station's jurisdiction.

No identity numbers, no identity kinds: a squad needs a name, a face and an address, not an Aadhaar number.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import Connection, select

from suraksha.registry import store
from suraksha.registry.reading import age_on
from suraksha.registry.rules import add_years


def offenders_in_station(conn: Connection, stations, station_id: int, today: date, years: int) -> list[dict]:
    """Registrations from the last `years` years whose current address resolves to this station."""
    r = store.registrations
    current = store.latest_addresses(conn)
    recent = conn.execute(select(r).where(r.c.registered_on >= add_years(today, -years))).all()
    located = [(reg, current[reg.id]) for reg in recent
               if reg.id in current and current[reg.id]["lat"] is not None]
    if not located:
        return []
    ids, _codes = stations.resolve_many(np.array([a["lon"] for _, a in located]),
                                        np.array([a["lat"] for _, a in located]))
    mine = [(reg, a) for (reg, a), sid in zip(located, ids.tolist()) if sid == station_id]
    convictions = _convictions(conn, [reg.id for reg, _ in mine])
    return [{
        "registration_id": reg.id, "state": reg.state, "record_id": reg.record_id, "name": reg.full_name,
        "father_name": reg.father_name, "sex": reg.sex, "age": age_on(reg.dob, reg.age, reg.age_as_of, today),
        "risk_tier": reg.risk_tier, "registered_on": reg.registered_on.isoformat(),
        "address": a["address"], "lat": a["lat"], "lon": a["lon"], "convictions": convictions.get(reg.id, []),
    } for reg, a in sorted(mine, key=lambda x: (-x[0].risk_tier, x[0].full_name))]


def _convictions(conn: Connection, ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    if not ids:
        return out
    c = store.convictions
    for row in conn.execute(select(c).where(c.c.registration_id.in_(ids)).order_by(c.c.id)):
        out.setdefault(row.registration_id, []).append({
            "act": row.act, "section": row.section,
            "conviction_date": row.conviction_date.isoformat() if row.conviction_date else None})
    return out
