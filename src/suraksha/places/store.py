"""Table: every place Suraksha knows (states and union territories, districts, cities) and its queries."""

from __future__ import annotations

from sqlalchemy import Column, Connection, Index, Integer, String, Table, Text, UniqueConstraint, insert, select, update

from suraksha.adapters.db import metadata

places = Table(
    "places",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # state (also a union territory) | district | city
    # state: its code ('MH'); district: '<code>/<lower-case name>' ('MH/pune'); city: city key ('navi-mumbai')
    Column("key", String(120), nullable=False),
    Column("name", String(200), nullable=False),
    Column("state_code", String(2), nullable=False),  # for a state, its own code
    Column("aliases", Text, nullable=False, server_default="[]"),  # JSON list of other names
    Column("time_zone", String(64), nullable=True),  # IANA name; None: as its state
    UniqueConstraint("kind", "key", name="uq_places_kind_key"),
    Index("ix_places_kind_state", "kind", "state_code"),
)


def all_places(conn: Connection) -> list[dict]:
    """Every row of the places table, in id order."""
    return [dict(r._mapping) for r in conn.execute(select(places).order_by(places.c.id))]


def existing_keys(conn: Connection) -> set[tuple[str, str]]:
    """(kind, key) of every stored place."""
    return {(r.kind, r.key) for r in conn.execute(select(places.c.kind, places.c.key))}


def insert_places(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(places), rows)


def find_place(conn: Connection, kind: str, key: str) -> dict | None:
    row = conn.execute(select(places).where(places.c.kind == kind, places.c.key == key)).first()
    return dict(row._mapping) if row else None


def update_place(conn: Connection, place_id: int, **values) -> None:
    conn.execute(update(places).where(places.c.id == place_id).values(**values))
