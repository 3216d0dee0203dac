"""Use cases of the offender registry: import, search, linkage, record views, movement alerts.

Only registry roles use it; every search and view states a purpose and is written to the audit trail.
Nothing here logs a name.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict

from sqlalchemy import Engine, null, select, update

from suraksha.adapters.db import scope_filter
from suraksha.core.auth import (
    ROLES_THAT_REVIEW_REGISTRY_AUDIT,
    ROLES_THAT_USE_REGISTRY,
    Locus,
    Principal,
    Role,
    ScopeKind,
)
from suraksha.core.clock import Clock
from suraksha.core.errors import Forbidden, InvalidInput, NotFound
from suraksha.core.geo import Point, haversine_m
from suraksha.registry import retention, store
from suraksha.registry.audit import Actor, AuditTrail
from suraksha.registry.files import FileStore
from suraksha.registry.geo import STATE_BY_CODE, canonical_state
from suraksha.registry.importing import ImportReport, Progress, RegistrationWriter, raise_movement_alerts
from suraksha.registry.linkage import learn_from_decisions
from suraksha.registry.merging import MergeDesk
from suraksha.registry.model import PersonRecord
from suraksha.registry.reading import registration_detail, summaries
from suraksha.registry.rules import StatedPurpose, identity_key
from suraksha.registry.search import RegistryIndex
from suraksha.registry.squads import offenders_in_station

log = logging.getLogger(__name__)
LINK_ALERT_SCORE = 0.5  # a linked suspect this likely in another state alerts both states
FILE_KINDS = ("photo", "prints")


def actor_of(p: Principal) -> Actor:
    return Actor(p.username, p.role.value)


def check_registry_role(p: Principal, roles=ROLES_THAT_USE_REGISTRY) -> None:
    if p.role not in roles:
        raise Forbidden(f"the {p.role.value} role may not use the offender registry", code="forbidden_role")


def upload_scope(p: Principal) -> str | None:
    """A state's registry officer uploads only that state's records; a national account any state's."""
    check_registry_role(p)
    return p.scope_value if p.scope_kind is ScopeKind.STATE else None


class RegistryService:
    def __init__(self, engine: Engine, clock: Clock, secret_key: str, files_dir: str, stations,
                 recent_years: int = 5) -> None:
        self._engine, self._clock, self._stations, self.recent_years = engine, clock, stations, recent_years
        self.audit = AuditTrail(engine, clock)
        self.merges = MergeDesk(engine, clock, self.audit)
        self.files = FileStore(files_dir)
        self._writer = RegistrationWriter(identity_key(secret_key))
        self._lock = threading.Lock()
        self._index: RegistryIndex | None = None
        self._signature: tuple | None = None
        self.learned = None  # the LinkageModel after officers' merge decisions, when there are any

    # --- the in-memory index -------------------------------------------------------------------------
    def refresh(self) -> RegistryIndex:
        """The index, rebuilt when registrations or merge decisions changed (here or in another process)."""
        with self._lock:
            with self._engine.connect() as conn:
                signature = store.index_signature(conn)
                if self._index is not None and signature == self._signature:
                    return self._index
                records = store.load_records(conn)
                decisions = _decisions(conn)
            self.learned = learn_from_decisions(decisions) if decisions else None
            self._index, self._signature = RegistryIndex(records, self.learned), signature
            log.info("registry index built over %d registrations", len(records))
            return self._index

    # --- uploads -------------------------------------------------------------------------------------
    def import_csv(self, data: bytes, actor: Actor, state: str | None = None, allowed_state: str | None = None,
                   progress: Progress | None = None) -> ImportReport:
        """Import a state's CSV. `state` forces whose records these are; `allowed_state` limits an officer."""
        code = canonical_state(state) if state else None
        if state and code not in STATE_BY_CODE:
            raise InvalidInput(f"'{state}' is not a state or union territory", code="unknown_state")
        if code and allowed_state and code != allowed_state:
            raise Forbidden(f"your account may upload only {allowed_state} records", code="forbidden_scope")
        with self._engine.begin() as conn:
            report = self._writer.run(conn, data, self._clock.now(), code, allowed_state, progress)
            self.audit.record(actor, "import", {k: v for k, v in report.as_dict().items() if k != "problems"}
                              | {"state": code or ""}, conn=conn)
        self.refresh()
        return report

    # --- search and linkage ----------------------------------------------------------------------------
    def search(self, p: Principal, purpose: StatedPurpose, name: str, *, father_name: str = "", sex: str = "",
               state: str = "", district: str = "", age_min: int | None = None, age_max: int | None = None,
               near: tuple[float, float, float] | None = None, limit: int = 20) -> list[dict]:
        """Ranked registrations like this person; `near` = (lat, lon, radius km) keeps those living nearby."""
        check_registry_role(p)
        index = self.refresh()
        matches = index.search(name, father_name, sex, state, district, age_min, age_max,
                               as_of=self._clock.now().date(), limit=limit * 5 if near else limit)
        ids = [int(m.record_id) for m in matches]
        with self._engine.connect() as conn:
            rows = summaries(conn, ids)
            distance = _distances(conn, ids, near) if near else {}
        results = [rows[int(m.record_id)] | {"score": round(m.score, 4), "reasons": [str(r) for r in m.reasons]}
                   | ({"distance_km": distance[int(m.record_id)]} if near else {})
                   for m in matches if int(m.record_id) in rows and (not near or int(m.record_id) in distance)]
        results = results[:limit]
        self.audit.record(actor_of(p), "search", {
            "query": {"name": name, "father_name": father_name, "sex": sex, "state": state, "district": district,
                      "age_min": age_min, "age_max": age_max, "near": list(near) if near else None},
            "results": [r["registration_id"] for r in results]}, purpose)
        return results

    def link_suspect(self, p: Principal, purpose: StatedPurpose, suspect: dict, limit: int = 10) -> list[dict]:
        """Registered persons who may be this suspect, best first; another state's match alerts both states."""
        check_registry_role(p)
        today = self._clock.now().date()
        state = canonical_state(suspect.get("state") or "")
        query = PersonRecord("suspect", state, suspect.get("district") or "", suspect["name"],
                             father_name=suspect.get("father_name") or "", sex=suspect.get("sex") or "",
                             age=suspect.get("age"), age_as_of=today if suspect.get("age") is not None else None)
        matches = self.refresh().search_record(query, limit=limit * 3)
        with self._engine.begin() as conn:
            rows = summaries(conn, [int(m.record_id) for m in matches])
            persons: dict[int, dict] = {}
            for m in matches:
                row = rows.get(int(m.record_id))
                if row is None:
                    continue
                person = persons.setdefault(row["person_id"], {"person_id": row["person_id"], "score": 0.0,
                                                              "reasons": [], "registrations": []})
                person["registrations"].append(row | {"score": round(m.score, 4)})
                if m.score > person["score"]:
                    person["score"], person["reasons"] = round(m.score, 4), [str(r) for r in m.reasons]
                if state in STATE_BY_CODE and row["state"] != state and m.score >= LINK_ALERT_SCORE:
                    raise_movement_alerts(conn, row["registration_id"], "linked_suspect", row["state"], state,
                                          self._clock.now())
            found = sorted(persons.values(), key=lambda c: -c["score"])[:limit]
            self.audit.record(actor_of(p), "linkage", {"suspect": suspect, "persons": [c["person_id"] for c in found]},
                              purpose, conn=conn)
        return found

    # --- records -------------------------------------------------------------------------------------
    def view(self, p: Principal, registration_id: int, purpose: StatedPurpose | None = None) -> dict:
        check_registry_role(p)
        with self._engine.connect() as conn:
            detail = registration_detail(conn, registration_id)
        if detail is None:
            raise NotFound("no such registration", code="registration_not_found")
        self.audit.record(actor_of(p), "view", {"registration_id": registration_id}, purpose)
        return detail

    def attach_file(self, p: Principal, registration_id: int, kind: str, data: bytes, content_type: str) -> dict:
        check_registry_role(p)
        if kind not in FILE_KINDS:
            raise InvalidInput("kind must be photo or prints", code="invalid_file_kind")
        with self._engine.begin() as conn:
            if conn.execute(select(store.registrations.c.id).where(
                    store.registrations.c.id == registration_id)).first() is None:
                raise NotFound("no such registration", code="registration_not_found")
            digest = self.files.put(data)  # only for a registration that exists: no orphan files
            conn.execute(store.files.insert().values(registration_id=registration_id, kind=kind, sha256=digest,
                                                     content_type=content_type[:100], size=len(data),
                                                     added_at=self._clock.now()))
            self.audit.record(actor_of(p), "attach_file", {"registration_id": registration_id, "kind": kind,
                                                           "sha256": digest}, conn=conn)
        return {"sha256": digest, "kind": kind, "size": len(data)}

    # --- movement alerts -----------------------------------------------------------------------------
    def alerts(self, p: Principal, unread_only: bool = False) -> list[dict]:
        check_registry_role(p)
        a = store.alerts
        q = select(a, store.registrations.c.record_id).join(
            store.registrations, store.registrations.c.id == a.c.registration_id).order_by(a.c.id.desc()).limit(500)
        q = q.where(_in_scope(p, a.c.state))
        if unread_only:
            q = q.where(a.c.read_at.is_(None))
        with self._engine.connect() as conn:
            return [{"id": r.id, "state": r.state, "kind": r.kind, "registration_id": r.registration_id,
                     "record_id": r.record_id, "from_state": r.from_state, "to_state": r.to_state,
                     "created_at": r.created_at.isoformat(), "read": r.read_at is not None}
                    for r in conn.execute(q)]

    def mark_alert_read(self, p: Principal, alert_id: int) -> None:
        check_registry_role(p)
        a = store.alerts
        q = (update(a).where(a.c.id == alert_id, _in_scope(p, a.c.state))
             .values(read_at=self._clock.now(), read_by=p.username))
        with self._engine.begin() as conn:
            if not conn.execute(q).rowcount:
                raise NotFound("no such alert in your inbox", code="alert_not_found")

    # --- the Nirbhaya squads' list --------------------------------------------------------------------
    def station_offenders(self, p: Principal, station_id: int, years: int | None = None) -> dict:
        """Registered offenders living in a station's jurisdiction: for that station's officers and the registry."""
        station = self._stations.get(station_id)
        own_station = p.role is Role.STATION_OFFICER and p.covers(Locus(station.id, station.city, station.state))
        if not own_station:
            check_registry_role(p)
        years = years or self.recent_years
        with self._engine.connect() as conn:
            found = offenders_in_station(conn, self._stations, station_id, self._clock.now().date(), years)
        self.audit.record(actor_of(p), "station_list", {"station_id": station_id, "years": years,
                                                        "registrations": [f["registration_id"] for f in found]})
        return {"station": station.as_public_dict(), "years": years, "offenders": found}

    # --- merges, retention ---------------------------------------------------------------------------
    def dedupe(self, actor: Actor, threshold: float | None = None, progress=None) -> list[tuple[str, str, float]]:
        self.refresh()
        kw = {} if threshold is None else {"threshold": threshold}
        return self.merges.dedupe(actor, self.learned, progress=progress, **kw)

    def decide_merge(self, p: Principal, merge_id: int, confirm: bool) -> dict:
        check_registry_role(p)
        outcome = self.merges.decide(actor_of(p), merge_id, confirm)
        self.refresh()
        return outcome

    def unmerge(self, p: Principal, merge_id: int) -> dict:
        check_registry_role(p)
        outcome = self.merges.unmerge(actor_of(p), merge_id)
        self.refresh()
        return outcome

    def purge(self, actor: Actor, dry_run: bool = False) -> list[dict]:
        """Delete registrations whose retention ended (tier 1: 15 years, tier 2: 25; tier 3 is kept for life)."""
        with self._engine.begin() as conn:
            due, orphans = retention.purge(conn, self._clock.now().date(), actor, self.audit, dry_run)
        for digest in orphans:
            self.files.delete(digest)
        if due and not dry_run:
            self.refresh()
        return due

    # --- oversight -----------------------------------------------------------------------------------
    def audit_entries(self, p: Principal, **filters) -> list[dict]:
        check_registry_role(p, ROLES_THAT_REVIEW_REGISTRY_AUDIT)
        return self.audit.entries(**filters)


def _in_scope(p: Principal, state_column):
    """The scope rule on a registry table, whose rows belong to a state (no station or city)."""
    return scope_filter(p, station_id=null(), city=null(), state=state_column)


def _decisions(conn) -> list[tuple[PersonRecord, PersonRecord, bool]]:
    """Officers' confirmed (same person) and rejected or undone (different) pairs, for learning."""
    m = store.merges
    pairs = conn.execute(select(m.c.left_registration_id, m.c.right_registration_id, m.c.status)
                         .where(m.c.status.in_(("confirmed", "rejected", "undone")))).all()
    if not pairs:
        return []
    records = {int(r.record_id): r for r in store.load_records(
        conn, sorted({x for p in pairs for x in (p[0], p[1])}))}
    return [(records[a], records[b], status == "confirmed") for a, b, status in pairs
            if a in records and b in records]


def _distances(conn, ids: list[int], near: tuple[float, float, float]) -> dict[int, float]:
    """Kilometres from the place to the nearest known address of each registration within the radius."""
    lat, lon, radius_km = near
    centre = Point(lon, lat)
    a = store.addresses
    best: dict[int, float] = defaultdict(lambda: math.inf)
    for r in conn.execute(select(a.c.registration_id, a.c.lat, a.c.lon).where(
            a.c.registration_id.in_(ids), a.c.lat.is_not(None), a.c.lon.is_not(None))):
        best[r.registration_id] = min(best[r.registration_id], haversine_m(centre, Point(r.lon, r.lat)) / 1000)
    return {k: round(v, 2) for k, v in best.items() if v <= radius_km}

