"""Use cases for places: the table of states, districts and cities, and which state a point lies in."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import shapely
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from suraksha.core.errors import InvalidInput
from suraksha.places import store
from suraksha.places.model import (
    CITY,
    DISTRICT,
    STATE,
    STATE_BY_CODE,
    STATES_FILE,
    canonical_state,
    city_key,
    city_name,
    data_file,
    seed_rows,
)

log = logging.getLogger(__name__)

# Points this close to a state's outline but outside every polygon (simplified coastlines, rounding gaps
# between states) go to the nearest state: 0.02 degrees is about 2 km.
NEAR_DEGREES = 0.02


@dataclass(frozen=True)
class _Snapshot:
    """Everything read from the places table, swapped whole on reload."""

    states: dict[str, dict] = field(default_factory=dict)  # code -> {code, name, kind}
    districts: dict[str, list[str]] = field(default_factory=dict)  # state code -> district names
    cities: dict[str, str] = field(default_factory=dict)  # city key -> state code
    loaded: bool = False


@dataclass(frozen=True)
class _Boundaries:
    tree: shapely.STRtree
    codes: tuple[str, ...]


class PlaceService:
    """The one table of places every capability uses, cached in memory, plus point-in-state lookup."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._snap = _Snapshot()
        self._lock = threading.Lock()
        self._boundaries: _Boundaries | None = None

    # the table ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the places table into a fresh in-memory snapshot and swap it in."""
        with self._engine.connect() as conn:
            rows = store.all_places(conn)
        states: dict[str, dict] = {}
        districts: dict[str, list[str]] = {}
        cities: dict[str, str] = {}
        for r in rows:
            if r["kind"] == STATE:
                known = STATE_BY_CODE.get(r["key"])
                states[r["key"]] = {"code": r["key"], "name": r["name"], "kind": known.kind if known else STATE}
            elif r["kind"] == DISTRICT:
                districts.setdefault(r["state_code"], []).append(r["name"])
            elif r["kind"] == CITY:
                cities[r["key"]] = r["state_code"]
        for names in districts.values():
            names.sort(key=str.lower)
        self._snap = _Snapshot(states, districts, cities, loaded=True)

    def _snapshot(self) -> _Snapshot:
        if not self._snap.loaded:
            self.reload()
        return self._snap

    def ensure_seeded(self) -> int:
        """Insert any shipped state, district or known-city row the table lacks; returns how many."""
        rows = seed_rows()
        for attempt in (1, 2):
            try:
                with self._engine.begin() as conn:
                    have = store.existing_keys(conn)
                    missing = [r for r in rows if (r["kind"], r["key"]) not in have]
                    store.insert_places(conn, missing)
                break
            except IntegrityError:  # another process seeded at the same time: look again
                if attempt == 2:
                    raise
        if missing:
            log.info("places: added %d missing rows", len(missing))
        self.reload()
        return len(missing)

    def states(self) -> list[dict]:
        """Every state and union territory: code, name and kind, by code."""
        return [dict(s) for _, s in sorted(self._snapshot().states.items())]

    def districts(self, state: str) -> list[str]:
        """District names of a state (any code, old code or name), alphabetical; [] when unknown."""
        return list(self._snapshot().districts.get(canonical_state(state), []))

    def state_of_city(self, city: str | None) -> str | None:
        """The state code of a registered city (by key or name), None when unknown."""
        if not city:
            return None
        try:
            key = city_key(city)
        except ValueError:
            return None
        return self._snapshot().cities.get(key)

    def register_city(self, city: str, state: str, name: str | None = None) -> str:
        """Record (or move) a city in a state; returns the state's code."""
        code = canonical_state(state)
        if not code:
            raise InvalidInput(f"'{state}' is not a state or union territory", code="unknown_state")
        try:
            key = city_key(city)
        except ValueError as exc:
            raise InvalidInput(str(exc), code="invalid_city") from exc
        for attempt in (1, 2):
            try:
                with self._engine.begin() as conn:
                    self._upsert_city(conn, key, code, name)
                break
            except IntegrityError:  # registered by someone else meanwhile: update theirs
                if attempt == 2:
                    raise
        self.reload()
        return code

    @staticmethod
    def _upsert_city(conn, key: str, code: str, name: str | None) -> None:
        found = store.find_place(conn, CITY, key)
        if found is None:
            store.insert_places(conn, [{"kind": CITY, "key": key, "name": name or city_name(key),
                                        "state_code": code, "aliases": json.dumps([]), "time_zone": None}])
            return
        changes = {"state_code": code} if found["state_code"] != code else {}
        if name and name != found["name"]:
            changes["name"] = name
        if changes:
            store.update_place(conn, found["id"], **changes)

    # point in state ----------------------------------------------------------------------------------
    def state_at(self, lon: float, lat: float) -> str | None:
        """The code of the state or union territory whose outline holds the point; None outside India."""
        return self.state_for_points([lon], [lat])[0]

    def state_for_points(self, lons: Iterable[float], lats: Iterable[float]) -> list[str | None]:
        """`state_at` for many points at once."""
        b = self._load_boundaries()
        points = shapely.points(np.asarray(list(lons), dtype=float), np.asarray(list(lats), dtype=float))
        found: list[str | None] = [None] * len(points)
        inside = b.tree.query(points, predicate="intersects")
        for point_i, geom_i in sorted(zip(inside[0].tolist(), inside[1].tolist())):
            if found[point_i] is None:
                found[point_i] = b.codes[geom_i]
        missing = [i for i, code in enumerate(found) if code is None]
        if missing:
            near = b.tree.query_nearest(points[missing], max_distance=NEAR_DEGREES, all_matches=False)
            for point_j, geom_i in zip(near[0].tolist(), near[1].tolist()):
                found[missing[point_j]] = b.codes[geom_i]
        return found

    def _load_boundaries(self) -> _Boundaries:
        if self._boundaries is None:
            with self._lock:
                if self._boundaries is None:
                    self._boundaries = _read_boundaries()
        return self._boundaries


def _read_boundaries() -> _Boundaries:
    """The shipped state outlines as a spatial index (about 1 MB, read once)."""
    collection = json.loads(data_file(STATES_FILE).read_text(encoding="utf-8"))
    features = collection["features"]
    geoms = [shapely.from_geojson(json.dumps(f["geometry"])) for f in features]
    shapely.prepare(geoms)
    log.info("places: loaded %d state outlines", len(geoms))
    return _Boundaries(shapely.STRtree(geoms), tuple(f["properties"]["code"] for f in features))
