"""Use cases for stations: import jurisdictions, resolve points, assign helpline numbers, the public directory."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field

import numpy as np
import shapely
from rapidfuzz import fuzz, process
from sqlalchemy import Engine, insert, or_, select, update

from suraksha.adapters.outbox import record
from suraksha.core.auth import Principal, ScopeKind
from suraksha.core.clock import Clock
from suraksha.core.errors import InvalidInput, NotFound
from suraksha.core.geo import Point
from suraksha.core.memory import settle_long_lived
from suraksha.core.phones import to_e164
from suraksha.core.scripts import has_devanagari, to_latin
from suraksha.core.threads import finished_before_exit
from suraksha.places.model import city_key
from suraksha.places.service import PlaceService
from suraksha.stations.events import HelplineReassigned, StationsImported
from suraksha.stations.importing import check_features, parse_feature_collection
from suraksha.stations.local_names import for_station
from suraksha.stations.lookup import JurisdictionIndex, Shape
from suraksha.stations.model import HelplineKind, ImportReport, Resolution, StationRef
from suraksha.stations.store import helpline_changes, stations

GENERIC_WORDS = frozenset({"police", "station", "ps", "p.s.", "thana", "chowki", "outpost",
                           "पुलिस", "पोलीस", "पोलिस", "थाना", "ठाणे", "स्टेशन", "चौकी", "polis", "thane"})
NUMBER_COLUMN = {HelplineKind.WOMEN: "women_helpline", HelplineKind.GENERAL: "general_number"}
WHATSAPP_ID = re.compile(r"^\d{6,20}$")  # Meta's phone number id: digits


@dataclass(frozen=True)
class _Snapshot:
    """Everything read from the stations table, swapped whole on reload (readers never see a half state)."""

    by_id: dict[int, StationRef]
    by_number: dict[str, tuple[StationRef, HelplineKind]]
    index: JurisdictionIndex
    geometries: dict[int, str]
    version: int
    by_whatsapp: dict[str, tuple[StationRef, HelplineKind]] = field(default_factory=dict)


class StationService:
    def __init__(self, engine: Engine, clock: Clock, places: PlaceService, gap_distance_m: float = 2000.0) -> None:
        self._engine, self._clock, self._gap = engine, clock, gap_distance_m
        self._places = places
        self._lock = threading.Lock()
        self._snap = _Snapshot({}, {}, JurisdictionIndex([], gap_distance_m), {}, 0)
        self.warm_cells = False
        self._warmer: threading.Thread | None = None  # one at a time: it warms the newest lookup, then stops
        self._to_warm: JurisdictionIndex | None = None

    # reading ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Rebuild the in-memory directory and lookup from the database."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(stations).order_by(stations.c.id)).all()
        by_id, by_number, by_whatsapp, shapes, geoms = {}, {}, {}, [], {}
        for r in rows:
            ref = StationRef(r.id, r.name, r.city, r.women_helpline, r.general_number,
                             Point(r.anchor_lon, r.anchor_lat), r.state, r.name_hi, r.name_mr)
            by_id[r.id], geoms[r.id] = ref, r.geometry
            shapes.append(Shape(r.id, r.city, shapely.from_geojson(r.geometry)))
            if r.women_helpline:
                by_number[r.women_helpline] = (ref, HelplineKind.WOMEN)
            if r.general_number:
                by_number[r.general_number] = (ref, HelplineKind.GENERAL)
            if r.whatsapp_phone_number_id:  # the women helpline, on WhatsApp
                by_whatsapp[r.whatsapp_phone_number_id] = (ref, HelplineKind.WOMEN)
        with self._lock:
            index = JurisdictionIndex(shapes, self._gap)
            self._snap = _Snapshot(by_id, by_number, index, geoms, self._snap.version + 1, by_whatsapp)
        if self.warm_cells:  # a long-running server: build the cell caches now, off the request path
            with self._lock:
                self._to_warm = index
                if self._warmer is None:
                    self._warmer = finished_before_exit(self._warm, "jurisdiction-cells")

    def _warm(self) -> None:
        """Build the newest lookup's cell caches; a reload meanwhile gives a newer one to build next."""
        while True:
            with self._lock:
                index, self._to_warm = self._to_warm, None
                if index is None or not self.warm_cells:
                    self._warmer = None
                    return
            index.warm(lambda: not self.warm_cells)
            settle_long_lived()  # the cells are kept until the next import: out of the collector's sight

    def stop_warming(self) -> None:
        """At a server's stop: no more cell caches after the city being built (the process waits for that one when
        it exits: `core.threads`)."""
        self.warm_cells = False

    @property
    def version(self) -> int:
        return self._snap.version

    def get(self, station_id: int) -> StationRef:
        ref = self._snap.by_id.get(int(station_id))
        if ref is None:
            raise NotFound(f"no station {station_id}", code="station_not_found")
        return ref

    def all(self, city: str | None = None) -> list[StationRef]:
        return [s for s in self._snap.by_id.values() if city is None or s.city == city]

    def home_city(self, principal: Principal) -> str:
        """The city an account works in: its city, or its station's; "" for a state or national account."""
        if principal.scope_kind is ScopeKind.CITY:
            return principal.scope_value
        if principal.scope_kind is ScopeKind.STATION:
            try:
                return self.get(int(principal.scope_value)).city
            except (NotFound, ValueError):
                return ""
        return ""

    def cities(self) -> list[str]:
        return sorted({s.city for s in self._snap.by_id.values()})

    def by_number(self, number: str) -> tuple[StationRef, HelplineKind] | None:
        return self._snap.by_number.get(number)

    def by_whatsapp(self, phone_number_id: str) -> tuple[StationRef, HelplineKind] | None:
        """The station whose women helpline is this WhatsApp Business number (Meta's phone number id)."""
        return self._snap.by_whatsapp.get(phone_number_id)

    def whatsapp_of(self, station_id: int) -> str | None:
        """The WhatsApp phone number id linked to this station's women helpline, if any."""
        self.get(station_id)
        return next((pid for pid, (ref, _k) in self._snap.by_whatsapp.items() if ref.id == station_id), None)

    def link_whatsapp(self, station_id: int, phone_number_id: str | None, actor: str, reason: str = "") -> str | None:
        """Link a station's women helpline to a WhatsApp Business phone number id (Meta's id, as its deliveries name
        it in `metadata.phone_number_id`); None unlinks. An id linked to another station moves, and every change is
        recorded in the number history (kind `whatsapp`)."""
        target = self.get(station_id)
        if phone_number_id is not None:
            phone_number_id = phone_number_id.strip()
            if not WHATSAPP_ID.match(phone_number_id):
                raise InvalidInput("a WhatsApp phone number id is 6 to 20 digits (Meta's id, not the number)",
                                   code="invalid_whatsapp_id")
        now = self._clock.now()
        column = stations.c.whatsapp_phone_number_id
        with self._engine.begin() as conn:
            current = conn.execute(select(column).where(stations.c.id == target.id)).scalar()
            holder = None
            if phone_number_id is not None:
                holder = conn.execute(select(stations.c.id).where(column == phone_number_id)).scalar()
                if holder is not None and holder != target.id:
                    conn.execute(update(stations).where(stations.c.id == holder).values(whatsapp_phone_number_id=None))
            conn.execute(update(stations).where(stations.c.id == target.id)
                         .values(whatsapp_phone_number_id=phone_number_id, updated_at=now))
            if phone_number_id is not None:
                conn.execute(insert(helpline_changes).values(
                    number=phone_number_id, kind="whatsapp", from_station_id=holder if holder != target.id else None,
                    to_station_id=target.id, changed_by=actor, reason=reason[:500], changed_at=now))
            elif current is not None:
                conn.execute(insert(helpline_changes).values(
                    number=current, kind="whatsapp_off", from_station_id=target.id, to_station_id=target.id,
                    changed_by=actor, reason=reason[:500], changed_at=now))
            record(conn, HelplineReassigned(number_kind="whatsapp", station_id=target.id,
                                            from_station_id=holder if holder not in (None, target.id) else None), now)
        self.reload()
        return phone_number_id

    def resolve(self, lon: float, lat: float) -> Resolution:
        snap = self._snap
        station_id, match, distance = snap.index.resolve(lon, lat)
        return Resolution(snap.by_id.get(station_id) if station_id else None, match, distance)

    def resolve_many(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._snap.index.resolve_many(lons, lats)

    def search(self, query: str, city: str | None = None, limit: int = 20) -> list[StationRef]:
        """Stations by name, in Latin or Devanagari: substring matches first (of the name, or of its Hindi or
        Marathi name), then close spellings (a Devanagari query is read in Latin letters: कोलाबा finds Colaba)."""
        pool = self.all(city)
        q = " ".join(query.split()).casefold()
        if not q:
            return sorted(pool, key=lambda s: (s.city, s.name))[:limit]
        core = _core_name(q)
        exact = [s for s in pool if _names_contain(s, q) or (core and _names_contain(s, core))]
        rest = [s for s in pool if s not in exact]
        latin = _core_name(to_latin(q)) if has_devanagari(q) else core
        if not latin:
            return sorted(exact, key=lambda s: s.name)[:limit]
        fuzzy = process.extract(latin, {i: _core_name(s.name) for i, s in enumerate(rest)}, scorer=fuzz.ratio,
                                score_cutoff=70, limit=limit)
        return (sorted(exact, key=lambda s: s.name) + [rest[k] for _, _, k in fuzzy])[:limit]

    def feature_collection(self, city: str | None = None) -> dict:
        snap = self._snap
        features = [
            {"type": "Feature", "id": s.id, "geometry": json.loads(snap.geometries[s.id]),
             "properties": s.as_public_dict()}
            for s in snap.by_id.values() if city is None or s.city == city
        ]
        return {"type": "FeatureCollection", "features": features}

    # changing --------------------------------------------------------------------------------------
    def import_geojson(self, raw: bytes | str, city: str, name_property: str = "name", actor: str = "cli",
                       state: str | None = None) -> ImportReport:
        """Check every feature, then store the good ones in one transaction (update by city and name).

        The city's state comes from `state` if given, else from the places table, else from where the
        polygons lie (the shipped state boundaries); the city is then recorded in the places table.
        """
        try:
            city = city_key(city)
        except ValueError as exc:
            raise InvalidInput(str(exc), code="invalid_city") from None
        checked, report = check_features(parse_feature_collection(raw), city, name_property)
        if not checked:  # nothing importable: the report says why, nothing is written
            return report
        state = self._state_for(city, state, [st.geometry for st in checked])
        report.state = state
        now = self._clock.now()
        with self._engine.begin() as conn:
            existing = dict(conn.execute(select(stations.c.name, stations.c.id).where(stations.c.city == city)).all())
            for st in checked:
                anchor = st.geometry.representative_point()
                values = {"geometry": shapely.to_geojson(st.geometry), "anchor_lon": anchor.x,
                          "anchor_lat": anchor.y, "updated_at": now}
                name_hi, name_mr = for_station(city, st.name)
                values |= {"name_hi": name_hi, "name_mr": name_mr} if name_hi or name_mr else {}
                if st.name in existing:
                    conn.execute(update(stations).where(stations.c.id == existing[st.name]).values(**values))
                    report.updated += 1
                else:
                    conn.execute(insert(stations).values(city=city, name=st.name, created_at=now, **values))
                    report.created += 1
            conn.execute(update(stations).where(stations.c.city == city).values(state=state))
            record(conn, StationsImported(city=city, state=state, created=report.created, updated=report.updated,
                                          by=actor), now)
        self.reload()
        return report

    def _state_for(self, city: str, given: str | None, geometries: list) -> str:
        if given:
            return self._places.register_city(city, given)
        known = self._places.state_of_city(city)
        if known:
            return known
        if geometries:
            point = shapely.union_all(geometries).representative_point()
            found = self._places.state_at(point.x, point.y)
            if found:
                return self._places.register_city(city, found)
        raise InvalidInput(f"which state is {city} in? Pass the state (e.g. --state MH)", code="unknown_state")

    def assign_helpline(self, station_id: int, kind: HelplineKind, number: str, actor: str,
                        reason: str = "") -> StationRef:
        """Give a station a number; a number held by another station moves, and the move is recorded."""
        number = to_e164(number)
        target = self.get(station_id)
        column = stations.c[NUMBER_COLUMN[kind]]
        now = self._clock.now()
        with self._engine.begin() as conn:
            holder = conn.execute(select(stations.c.id, stations.c.women_helpline, stations.c.general_number).where(
                or_(stations.c.women_helpline == number, stations.c.general_number == number))).first()
            if holder is not None:
                held = "women_helpline" if holder.women_helpline == number else "general_number"
                conn.execute(update(stations).where(stations.c.id == holder.id).values({held: None}))
            conn.execute(update(stations).where(stations.c.id == target.id).values({column: number, "updated_at": now}))
            conn.execute(insert(helpline_changes).values(
                number=number, kind=kind.value, from_station_id=holder.id if holder else None,
                to_station_id=target.id, changed_by=actor, reason=reason[:500], changed_at=now))
            record(conn, HelplineReassigned(number_kind=kind.value, station_id=target.id,
                                            from_station_id=holder.id if holder else None), now)
        self.reload()
        return self.get(target.id)

    def helpline_history(self, station_id: int) -> list[dict]:
        self.get(station_id)
        q = (select(helpline_changes)
             .where(or_(helpline_changes.c.to_station_id == station_id,
                        helpline_changes.c.from_station_id == station_id))
             .order_by(helpline_changes.c.id))
        with self._engine.connect() as conn:
            rows = conn.execute(q).all()
        return [{"number": r.number, "kind": r.kind, "from_station_id": r.from_station_id,
                 "to_station_id": r.to_station_id, "changed_by": r.changed_by, "reason": r.reason,
                 "changed_at": r.changed_at.isoformat()} for r in rows]

    def number_history(self, number: str) -> list[dict]:
        """Every move of one number between stations, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(helpline_changes).where(helpline_changes.c.number == number)
                                .order_by(helpline_changes.c.id)).all()
        return [{"number": r.number, "kind": r.kind, "from_station_id": r.from_station_id,
                 "to_station_id": r.to_station_id, "changed_by": r.changed_by, "reason": r.reason,
                 "changed_at": r.changed_at} for r in rows]

    def link_whatsapp_in_bulk(self, ids: dict[int, str], actor: str, reason: str) -> None:
        """Link many stations' women helplines to WhatsApp phone number ids at once (a city's first set-up), each
        link recorded."""
        now = self._clock.now()
        if any(not WHATSAPP_ID.match(pid) for pid in ids.values()):
            raise InvalidInput("a WhatsApp phone number id is 6 to 20 digits", code="invalid_whatsapp_id")
        column = stations.c.whatsapp_phone_number_id
        with self._engine.begin() as conn:
            conn.execute(update(stations).where(column.in_(list(ids.values()))).values(whatsapp_phone_number_id=None))
            for sid, pid in ids.items():
                conn.execute(update(stations).where(stations.c.id == sid)
                             .values(whatsapp_phone_number_id=pid, updated_at=now))
                conn.execute(insert(helpline_changes).values(
                    number=pid, kind="whatsapp", from_station_id=None, to_station_id=sid, changed_by=actor,
                    reason=reason, changed_at=now))
            record(conn, HelplineReassigned(number_kind="bulk", station_id=None, from_station_id=None,
                                            bulk=len(ids)), now)
        self.reload()

    def assign_numbers_in_bulk(self, numbers: dict[int, tuple[str, str]], actor: str, reason: str) -> None:
        """Set (women helpline, general number) for many stations at once, recording each change."""
        now = self._clock.now()
        clean = {sid: (to_e164(w), to_e164(g)) for sid, (w, g) in numbers.items()}
        with self._engine.begin() as conn:
            taken = {n for pair in clean.values() for n in pair}
            for col in (stations.c.women_helpline, stations.c.general_number):
                conn.execute(update(stations).where(col.in_(taken)).values({col.name: None}))
            for sid, (women, general) in clean.items():
                conn.execute(update(stations).where(stations.c.id == sid)
                             .values(women_helpline=women, general_number=general, updated_at=now))
                for kind, number in ((HelplineKind.WOMEN, women), (HelplineKind.GENERAL, general)):
                    conn.execute(insert(helpline_changes).values(
                        number=number, kind=kind.value, from_station_id=None, to_station_id=sid,
                        changed_by=actor, reason=reason, changed_at=now))
            record(conn, HelplineReassigned(number_kind="bulk", station_id=None, from_station_id=None,
                                            bulk=len(clean)), now)
        self.reload()


def _names_contain(station: StationRef, text: str) -> bool:
    return any(text in n.casefold() for n in (station.name, station.name_hi, station.name_mr) if n)


def _core_name(name: str) -> str:
    """'Colaba Police Station' -> 'colaba': the words that tell stations apart."""
    return " ".join(w for w in name.casefold().split() if w not in GENERIC_WORDS)
