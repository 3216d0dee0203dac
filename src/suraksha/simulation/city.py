"""The city a simulation replays: read from the configured database (only read), copied into a scratch SQLite
database built by the product's own migrations and import, and where its incidents happen (hotspots).

The configured database is never written: its stations, helpline numbers, area classes and response targets are
read through the stations' and targets' services, and the scratch copy is filled through the same services an
operator's import uses (`StationService.import_geojson`, `assign_numbers_in_bulk`, `TargetService.set_target`,
`set_area_class`)."""

from __future__ import annotations

import json
import math
import random
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.prepared import prep
from sqlalchemy import event

from suraksha.adapters.db import make_engine
from suraksha.bootstrap import Container, build_container
from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.clock import Clock, SystemClock
from suraksha.core.errors import ConfigurationError, InvalidInput, NotFound
from suraksha.demo.setup import random_point_in
from suraksha.messaging.providers import ConsoleProvider
from suraksha.migrations.run import create_positions_store, upgrade
from suraksha.places import localities
from suraksha.places.model import city_key
from suraksha.places.service import PlaceService
from suraksha.settings import Settings
from suraksha.simulation import model
from suraksha.stations.lookup import JurisdictionIndex, Shape
from suraksha.stations.service import StationService
from suraksha.targets.service import TargetService

SYSTEM = Principal(0, "simulation", Role.ADMIN, ScopeKind.NATIONAL, "")
DISPATCHER = "simulated-dispatcher"


@dataclass(frozen=True)
class SourceStation:
    name: str
    geometry: dict  # GeoJSON
    women_helpline: str | None
    general_number: str | None
    area_class: str


@dataclass(frozen=True)
class SourceCity:
    key: str
    state: str
    stations: tuple[SourceStation, ...]
    targets: tuple[dict, ...]


def read_city(settings: Settings, city: str) -> SourceCity:
    """The city's stations, numbers, area classes and the response targets, as the configured database has them."""
    try:
        key = city_key(city)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="invalid_city") from None
    url = settings.database_url
    if url.startswith("sqlite"):  # connecting would create an empty file: say what is missing instead
        path = url.split("///", 1)[-1]
        if path != ":memory:" and not Path(path).is_file():
            raise ConfigurationError(f"no database at {path}: run `suraksha db upgrade` and import the city's "
                                     "stations (or `make demo`), or set SURAKSHA_DATABASE_URL", code="no_database")
    engine = make_engine(url)
    try:
        clock = SystemClock()
        stations = StationService(engine, clock, PlaceService(engine), gap_distance_m=settings.gap_distance_m)
        stations.reload()
        found = sorted(stations.all(key), key=lambda s: s.name)
        if not found:
            known = ", ".join(stations.cities()) or "none"
            raise NotFound(f"no city {key!r} in the database (cities with stations: {known}); import its stations "
                           "with `suraksha stations import FILE --city NAME`", code="city_not_found")
        targets = TargetService(engine, clock, stations)
        geometries = {f["id"]: f["geometry"] for f in stations.feature_collection(key)["features"]}
        return SourceCity(key, found[0].state or "", tuple(
            SourceStation(s.name, geometries[s.id], s.women_helpline, s.general_number,
                          targets.area_class(s.id).value) for s in found), tuple(targets.targets()))
    finally:
        engine.dispose()


def scratch_settings(base: Settings, url: str, folder: Path) -> Settings:
    """The configured rules (timeouts, road factor, time zones …) on a scratch database; the straight-line
    estimator (a road router would be asked thousands of times); no timer loops (the replay fires them)."""
    return base.model_copy(update={"database_url": url, "run_timers": False, "routing_url": "",
                                   "sms_provider": "console", "registry_files_dir": str(folder / "registry-files")})


def scratch_container(base: Settings, path: Path, clock: Clock) -> Container:
    """The product, built by its composition root, on a scratch SQLite file. The file is thrown away after the
    run, so it is not synced to disk on every commit."""
    c = build_container(scratch_settings(base, f"sqlite:///{path}", path.parent), clock=clock,
                        provider=ConsoleProvider())

    def no_sync(dbapi_conn, _record) -> None:
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    event.listen(c.engine, "connect", no_sync)
    c.stations.reload()
    return c


@dataclass(frozen=True)
class ScratchCity:
    """The scratch template: migrated and filled once, copied for each fleet size."""

    path: Path
    key: str
    station_ids: tuple[int, ...]
    shapes: dict[int, object]  # station id -> shapely geometry
    numbers: dict[int, tuple[str, str]]  # station id -> (women helpline, general number)
    dispatcher: Principal

    def copy_to(self, path: Path) -> Path:
        src, dst = sqlite3.connect(self.path), sqlite3.connect(path)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        create_positions_store(f"sqlite:///{path}")  # the units' fixes: a store of their own, empty at the start
        return path


def build_template(source: SourceCity, folder: Path, base: Settings, clock: Clock) -> ScratchCity:
    path = folder / "city.db"
    upgrade(f"sqlite:///{path}")
    c = scratch_container(base, path, clock)
    try:
        features = [{"type": "Feature", "properties": {"name": s.name}, "geometry": s.geometry}
                    for s in source.stations]
        c.stations.import_geojson(json.dumps({"type": "FeatureCollection", "features": features}), source.key,
                                  actor="simulation", state=source.state or None)
        ids = {s.name: s.id for s in c.stations.all(source.key)}
        numbers = {ids[s.name]: (s.women_helpline or f"+9170008{i:05d}", s.general_number or f"+9170009{i:05d}")
                   for i, s in enumerate(source.stations, start=1)}
        c.stations.assign_numbers_in_bulk(numbers, "simulation", "the configured database's numbers")
        _copy_targets(c, source)
        for s in source.stations:
            if s.area_class != "urban":
                c.targets.set_area_class(SYSTEM, ids[s.name], s.area_class)
        dispatcher = c.accounts.create_account(DISPATCHER, secrets.token_urlsafe(24), Role.DISPATCHER,
                                               ScopeKind.CITY, source.key)
        shapes = {f["id"]: shapely.geometry.shape(f["geometry"])
                  for f in c.stations.feature_collection(source.key)["features"]}
    finally:
        c.engine.dispose()
    return ScratchCity(path, source.key, tuple(sorted(shapes)), shapes, numbers, dispatcher)


def _copy_targets(c: Container, source: SourceCity) -> None:
    """The scratch database's targets become the configured database's (admins may have changed the seeded ones)."""
    def rule(t: dict) -> tuple:
        return t["state"], t["area_class"], t["priority"], t["category"]

    wanted = {rule(t) for t in source.targets}
    for t in c.targets.targets():
        if rule(t) not in wanted:
            c.targets.delete_target(SYSTEM, t["id"])
    for t in source.targets:
        c.targets.set_target(SYSTEM, t["state"], t["area_class"], t["priority"], t["category"], t["minutes"],
                             t["source"] or "")


class Hotspots:
    """Where incidents happen (model.py): near a post office of the city, or anywhere in a station's area."""

    def __init__(self, shapes: dict[int, object], places: list[tuple[float, float]]) -> None:
        self._ids = sorted(shapes)
        self._shapes = shapes
        self._city = prep(shapely.union_all(list(shapes.values())))
        self._places = places
        self._index = JurisdictionIndex([Shape(sid, "city", shape) for sid, shape in shapes.items()])

    @classmethod
    def of(cls, city: ScratchCity) -> Hotspots:
        return cls(city.shapes, [(p.lon, p.lat) for p in localities.in_city(city.key)])

    def station_at(self, lon: float, lat: float) -> int | None:
        """The station that covers the point, by the product's own rule (stations/lookup.py)."""
        return self._index.resolve(lon, lat)[0]

    def draw(self, rng: random.Random) -> tuple[float, float]:
        if self._places and rng.random() < model.HOTSPOT_SHARE:
            lon, lat = rng.choice(self._places)
            for _ in range(20):
                dx, dy = rng.gauss(0, model.HOTSPOT_SPREAD_M), rng.gauss(0, model.HOTSPOT_SPREAD_M)
                p = (lon + dx / (111_320 * math.cos(math.radians(lat))), lat + dy / 110_574)
                if self._city.contains(shapely.Point(*p)):
                    return round(p[0], 6), round(p[1], 6)
        point = random_point_in(self._shapes[rng.choice(self._ids)], rng)
        return round(point.x, 6), round(point.y, 6)
