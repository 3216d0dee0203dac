"""A large synthetic registry in seconds, for load tests and benchmarks: registrations made by SQL alone.

Names are built from the shipped token lists (first names and surnames) by arithmetic on a counter, so no row
passes through Python; `suraksha registry synth` makes realistic files (variants, typos, ground truth) instead.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from importlib import resources

from sqlalchemy import Date, Engine, bindparam, func, select, text

from suraksha.adapters.db import UtcDateTime
from suraksha.registry.store import persons, registrations

TOKENS = 199  # first names and surnames used (a prime, so that the combinations cycle slowly)


def _tokens() -> tuple[list[str], list[str]]:
    folder = resources.files("suraksha.data") / "names"
    with (folder / "indian_first_names_en_hi.csv").open(encoding="utf-8") as f:
        firsts = [r["name_latin"] for r in csv.DictReader(f) if r["name_latin"].isalpha()]
    with (folder / "indian_surnames_by_state.csv").open(encoding="utf-8") as f:
        lasts = sorted({r["last_name"].title() for r in csv.DictReader(f) if r["last_name"].isalpha()})
    return firsts[::max(1, len(firsts) // TOKENS)][:TOKENS], lasts[::max(1, len(lasts) // TOKENS)][:TOKENS]


def _values(names: list[str]) -> str:
    return ", ".join(f"({k}, '{name}')" for k, name in enumerate(names))


def load_registrations(engine: Engine, n: int, now: datetime, state: str = "MH", district: str = "Mumbai") -> int:
    """Add n registrations (each its own person) to the registry; returns the first new registration id."""
    firsts, lasts = _tokens()
    with engine.begin() as conn:
        base = max(conn.execute(select(func.max(persons.c.id))).scalar() or 0,
                   conn.execute(select(func.max(registrations.c.id))).scalar() or 0)
        counter = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n)"
        conn.execute(text(f"INSERT INTO registry_persons (id, created_at) {counter} SELECT :base + i, :now FROM n")
                     .bindparams(bindparam("now", type_=UtcDateTime)), {"n": n, "base": base, "now": now})
        tokens = f"f(k, name) AS (VALUES {_values(firsts)}), s(k, name) AS (VALUES {_values(lasts)})"
        conn.execute(text(
            "INSERT INTO registry_registrations (id, person_id, state, record_id, district, full_name, father_name, "
            "sex, age, age_as_of, risk_tier, registered_on, fingerprint, created_at, updated_at) "
            f"{counter}, {tokens} "
            "SELECT :base + n.i, :base + n.i, :state, 'BULK-' || (:base + n.i), :district, "
            "f1.name || ' ' || f2.name || ' ' || s1.name, f2.name || ' ' || s1.name, "
            "CASE WHEN n.i % 5 = 0 THEN 'F' ELSE 'M' END, 18 + n.i % 60, :as_of, 1 + n.i % 3, :as_of, "
            "'bulk-' || (:base + n.i), :now, :now "
            f"FROM n JOIN f AS f1 ON f1.k = n.i % {len(firsts)} "
            f"JOIN f AS f2 ON f2.k = (n.i / {len(firsts)}) % {len(firsts)} "
            f"JOIN s AS s1 ON s1.k = (n.i * 7 + n.i / {len(firsts)}) % {len(lasts)}"
        ).bindparams(bindparam("now", type_=UtcDateTime), bindparam("as_of", type_=Date)),
            {"n": n, "base": base, "now": now, "as_of": date(now.year, 1, 1), "state": state, "district": district})
        conn.execute(text("INSERT INTO registry_changes (registration_id, kind, at)"
                          " SELECT id, 'upsert', :now FROM registry_registrations WHERE id > :base ORDER BY id")
                     .bindparams(bindparam("now", type_=UtcDateTime)), {"base": base, "now": now})
    return base + 1
