"""Use cases of the offender registry: import, search, linkage, record views, movement alerts.

Only registry roles use it; every read of registry data states a purpose and is written to the audit trail.
A state's registry officer views, decides merges, reads alerts, uploads and attaches files only for its
state's registrations (the one scope rule); national accounts for all. A refused attempt (wrong role,
no purpose, out of scope, no such record) is audited too, with `refused: <code>`, before the error is raised.
Nothing here logs a name.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Collection
from typing import Any, NoReturn

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
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound, SurakshaError
from suraksha.core.geo import Point, haversine_m
from suraksha.registry import retention, store
from suraksha.registry.audit import Actor, AuditFilters, AuditReport, AuditTrail
from suraksha.registry.checkpoints import AuditCheckpoints
from suraksha.registry.files import FileStore
from suraksha.registry.freshness import IndexKeeper
from suraksha.registry.importing import ImportReport, Progress, RegistrationWriter, raise_movement_alerts
from suraksha.registry.matching.geo import STATE_BY_CODE, canonical_state
from suraksha.registry.matching.record import PersonRecord
from suraksha.registry.merging import MergeDesk
from suraksha.registry.reading import registration_detail, summaries
from suraksha.registry.rows import parse_row
from suraksha.registry.rules import StatedPurpose, check_purpose, identity_key
from suraksha.registry.screens import RegistryScreens
from suraksha.registry.search import RegistryIndex
from suraksha.registry.squads import offenders_in_station

log = logging.getLogger(__name__)
LINK_ALERT_SCORE = 0.5  # a linked suspect this likely in another state alerts both states
FILE_KINDS = ("photo", "prints")
# An FIR's known accused may be looked for in, and linked to, the registry by the case's station officers too
# (`link_suspect(action="case_linkage")`, `confirm_case_link`): with a purpose, audited like every read.
CASE_LINKERS = ROLES_THAT_USE_REGISTRY | {Role.STATION_OFFICER}
PurposeIn = StatedPurpose | str | None  # a checked purpose, or what the request said (checked and audited here)


def actor_of(p: Principal) -> Actor:
    return Actor(p.username, p.role.value)


def check_registry_role(p: Principal, roles=ROLES_THAT_USE_REGISTRY) -> None:
    if p.role not in roles:
        raise Forbidden(f"the {p.role.value} role may not use the offender registry", code="forbidden_role")


def out_of_scope(what: str) -> Forbidden:
    return Forbidden(f"{what} is outside your area", code="out_of_scope")


def upload_scope(p: Principal) -> str | None:
    """A state's registry officer uploads only that state's records; a national account any state's."""
    check_registry_role(p)
    return p.scope_value if p.scope_kind is ScopeKind.STATE else None


class RegistryService:
    def __init__(self, engine: Engine, clock: Clock, secret_key: str, files_dir: str, stations,
                 recent_years: int = 5, checkpoints: AuditCheckpoints | None = None,
                 index_snapshot: str | None = None, search_slots: int = 0) -> None:
        self._engine, self._clock, self._stations, self.recent_years = engine, clock, stations, recent_years
        self.audit = AuditTrail(engine, clock, checkpoints)
        self.merges = MergeDesk(engine, clock, self.audit)
        self.files = FileStore(files_dir)
        self.screens = RegistryScreens(self, engine)
        self._writer = RegistrationWriter(identity_key(secret_key))
        self.index = IndexKeeper(engine, index_snapshot, search_slots)

    # --- the in-memory index (a cache kept fresh from the change log: `freshness`) ------------------------
    @property
    def learned(self):
        """The LinkageModel after officers' merge decisions, when there are any."""
        return self.index.learned

    def registrations_held(self) -> int:
        with self._engine.connect() as conn:
            return store.count_registrations(conn)

    def refresh(self) -> RegistryIndex:
        """The index, with every change committed before this call (here or in another process)."""
        return self.index.refresh()

    def build_in_background(self) -> None:
        self.index.build_in_background()

    def ready_index(self) -> RegistryIndex:
        return self.index.ready_index()

    # --- admission: role, purpose, scope; every refusal is audited ---------------------------------------
    def refuse(self, p: Principal, action: str, asked: dict[str, Any], err: SurakshaError,
               purpose: StatedPurpose | None = None, audited_code: str | None = None) -> NoReturn:
        """Write the refused attempt to the audit trail (its own transaction), then raise `err`."""
        self.audit.record(actor_of(p), action, asked | {"refused": audited_code or err.code}, purpose)
        raise err

    def admit(self, p: Principal, action: str, asked: dict[str, Any], purpose: PurposeIn = None,
              purpose_text: str | None = "", *, needs_purpose: bool = True,
              roles: Collection[Role] | None = ROLES_THAT_USE_REGISTRY) -> StatedPurpose | None:
        """The role (unless `roles` is None), then the stated purpose; refusals are audited and raised."""
        if roles is not None and p.role not in roles:
            self.refuse(p, action, asked, Forbidden(f"the {p.role.value} role may not use the offender registry",
                                                    code="forbidden_role"))
        if not needs_purpose:
            return None
        if isinstance(purpose, StatedPurpose):
            return purpose
        try:
            return check_purpose(purpose, purpose_text)
        except InvalidInput as err:
            given = {"purpose_given": purpose[:32]} if purpose else {}
            self.refuse(p, action, asked | given, err)

    def _stated(self, p: Principal, action: str, asked: dict[str, Any], purpose: PurposeIn,
                purpose_text: str | None) -> StatedPurpose:
        stated = self.admit(p, action, asked, purpose, purpose_text)
        assert stated is not None
        return stated

    def _registration_state(self, registration_id: int) -> str | None:
        with self._engine.connect() as conn:
            return conn.execute(select(store.registrations.c.state).where(
                store.registrations.c.id == registration_id)).scalar()

    # --- uploads -------------------------------------------------------------------------------------
    def upload(self, p: Principal, data: bytes, state: str | None = None) -> ImportReport:
        """An officer's upload: registry roles only, a state's officer only its state's records (audited)."""
        asked = {"state": state or "", "bytes": len(data)}
        self.admit(p, "import", asked, needs_purpose=False)
        allowed = p.scope_value if p.scope_kind is ScopeKind.STATE else None
        try:
            return self.import_csv(data, actor_of(p), state, allowed)
        except SurakshaError as err:
            self.refuse(p, "import", asked, err)

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
        self.index.refresh_if_built()
        return report

    def register(self, p: Principal, fields: dict[str, str], from_fir: str = "") -> dict:
        """One registration typed in a form (`/registry/register`; a conviction from a case fills it in): checked as a
        row of an upload, a state's officer only for its state, never over an existing record; audited as
        `register` with the FIR it came from, a refusal too."""
        fields = {k: re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", v or "") for k, v in fields.items()}  # no NULs for the db
        from_fir = re.sub(r"[^A-Za-z0-9-]", "", from_fir)
        asked = {"state": (fields.get("state") or "")[:60], "record_id": (fields.get("record_id") or "")[:64],
                 "fir_number": from_fir[:32]}
        self.admit(p, "register", asked, needs_purpose=False)
        allowed = p.scope_value if p.scope_kind is ScopeKind.STATE else None
        now = self._clock.now()
        try:
            row, problems = parse_row(fields, 1, now.date(), allowed)
            if problems or row is None:
                raise InvalidInput("; ".join(f"{x.column}: {x.problem}" for x in problems), code="invalid_registration",
                                   problems=[x.as_dict() for x in problems])
            with self._engine.begin() as conn:
                regs = store.registrations.c
                same = (regs.state == row.state, regs.record_id == row.record_id)
                if conn.execute(select(regs.id).where(*same)).first():
                    raise Conflict(f"{row.state} already has a record {row.record_id}", code="registration_exists")
                self._writer.write(conn, row, now, ImportReport())
                reg_id = conn.execute(select(regs.id).where(*same)).scalar_one()
                self.audit.record(actor_of(p), "register", asked | {"registration_id": reg_id, "state": row.state},
                                  conn=conn)
        except SurakshaError as err:
            self.refuse(p, "register", asked, err)
        self.index.refresh_if_built()
        return {"registration_id": reg_id, "state": row.state, "record_id": row.record_id}

    # --- search and linkage ----------------------------------------------------------------------------
    def search(self, p: Principal, purpose: PurposeIn, name: str, *, father_name: str = "", sex: str = "",
               state: str = "", district: str = "", age_min: int | None = None, age_max: int | None = None,
               near: tuple[float, float, float] | None = None, limit: int = 20,
               purpose_text: str | None = "") -> list[dict]:
        """Ranked registrations like this person; `near` = (lat, lon, radius km) keeps those living nearby.
        It runs on one of the process's search workers, in its turn (`IndexKeeper.searches`)."""
        return self.index.searches.run(self._search, p, purpose, name, father_name, sex, state, district, age_min,
                                       age_max, near, limit, purpose_text)

    def _search(self, p: Principal, purpose: PurposeIn, name: str, father_name: str, sex: str, state: str,
                district: str, age_min: int | None, age_max: int | None, near: tuple[float, float, float] | None,
                limit: int, purpose_text: str | None) -> list[dict]:
        query = {"name": name, "father_name": father_name, "sex": sex, "state": state, "district": district,
                 "age_min": age_min, "age_max": age_max, "near": list(near) if near else None}
        stated = self._stated(p, "search", {"query": query}, purpose, purpose_text)
        index = self.ready_index()
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
        self.audit.record(actor_of(p), "search", {"query": query, "results": [r["registration_id"] for r in results]},
                          stated)
        return results

    def link_suspect(self, p: Principal, purpose: PurposeIn, suspect: dict, limit: int = 10,
                     purpose_text: str | None = "", *, action: str = "linkage",
                     roles: Collection[Role] = ROLES_THAT_USE_REGISTRY, context: dict | None = None) -> list[dict]:
        """Registered persons who may be this suspect, best first; another state's match alerts both states.
        The case side asks for an FIR's known accused as `case_linkage`, with the FIR in `context`
        (`CASE_LINKERS`: the station's officers too). On a search worker, in its turn, as `search`."""
        return self.index.searches.run(self._link_suspect, p, purpose, suspect, limit, purpose_text, action, roles,
                                       context)

    def _link_suspect(self, p: Principal, purpose: PurposeIn, suspect: dict, limit: int, purpose_text: str | None,
                      action: str, roles: Collection[Role], context: dict | None) -> list[dict]:
        stated = self.admit(p, action, {"suspect": suspect} | (context or {}), purpose, purpose_text, roles=roles)
        assert stated is not None
        today = self._clock.now().date()
        state = canonical_state(suspect.get("state") or "")
        query = PersonRecord("suspect", state, suspect.get("district") or "", suspect["name"],
                             father_name=suspect.get("father_name") or "", sex=suspect.get("sex") or "",
                             age=suspect.get("age"), age_as_of=today if suspect.get("age") is not None else None)
        index = self.ready_index()
        matches = index.search_record(query, limit=limit * 3)
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
            self.audit.record(actor_of(p), action, {"suspect": suspect, "persons": [c["person_id"] for c in found]}
                              | (context or {}), stated, conn=conn)
        return found

    def confirm_case_link(self, p: Principal, purpose: PurposeIn, person_id: int, context: dict,
                          purpose_text: str | None = "") -> dict:
        """An FIR's known accused is this registered person: checked and written to the audit trail (`case_link`,
        with the FIR in `context`) before the case side records it. No such person: refused, audited, 404."""
        asked = {"person_id": person_id} | context
        stated = self.admit(p, "case_link", asked, purpose, purpose_text, roles=CASE_LINKERS)
        with self._engine.connect() as conn:
            ids = conn.execute(select(store.registrations.c.id).where(
                store.registrations.c.person_id == person_id)).scalars().all()
            found = summaries(conn, list(ids))
        if not found:
            self.refuse(p, "case_link", asked, NotFound("no such registered person", code="registry_person_not_found"),
                        stated)
        self.audit.record(actor_of(p), "case_link", asked, stated)
        return {"person_id": person_id, "registrations": sorted(found.values(), key=lambda r: r["registration_id"])}

    # --- records -------------------------------------------------------------------------------------
    def view(self, p: Principal, registration_id: int, purpose: PurposeIn = None,
             purpose_text: str | None = "") -> dict:
        """One registration in full. Outside the officer's state it reads as not found (audited: out_of_scope)."""
        asked = {"registration_id": registration_id}
        stated = self._stated(p, "view", asked, purpose, purpose_text)
        with self._engine.connect() as conn:
            detail = registration_detail(conn, registration_id)
        missing = NotFound("no such registration", code="registration_not_found")
        if detail is None:
            self.refuse(p, "view", asked, missing, stated)
        if not p.covers(Locus(state=detail["state"])):
            self.refuse(p, "view", asked, missing, stated, audited_code="out_of_scope")
        self.audit.record(actor_of(p), "view", asked, stated)
        return detail

    def attach_file(self, p: Principal, registration_id: int, kind: str, data: bytes, content_type: str) -> dict:
        asked = {"registration_id": registration_id, "kind": kind[:16]}
        self.admit(p, "attach_file", asked, needs_purpose=False)
        if kind not in FILE_KINDS:
            self.refuse(p, "attach_file", asked, InvalidInput("kind must be photo or prints", code="invalid_file_kind"))
        state = self._registration_state(registration_id)
        if state is None:
            self.refuse(p, "attach_file", asked, NotFound("no such registration", code="registration_not_found"))
        if not p.covers(Locus(state=state)):
            self.refuse(p, "attach_file", asked, out_of_scope(f"registration {registration_id}"))
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
    def alerts(self, p: Principal, purpose: PurposeIn = None, purpose_text: str | None = "", *,
               unread_only: bool = False) -> list[dict]:
        """A state's inbox of movement alerts (a national account's: every state's)."""
        asked = {"unread": unread_only}
        stated = self._stated(p, "alerts", asked, purpose, purpose_text)
        a = store.alerts
        q = select(a, store.registrations.c.record_id).join(
            store.registrations, store.registrations.c.id == a.c.registration_id).order_by(a.c.id.desc()).limit(500)
        q = q.where(_in_scope(p, a.c.state))
        if unread_only:
            q = q.where(a.c.read_at.is_(None))
        with self._engine.connect() as conn:
            found = [{"id": r.id, "state": r.state, "kind": r.kind, "registration_id": r.registration_id,
                      "record_id": r.record_id, "from_state": r.from_state, "to_state": r.to_state,
                      "created_at": r.created_at.isoformat(), "read": r.read_at is not None}
                     for r in conn.execute(q)]
        self.audit.record(actor_of(p), "alerts", asked | {"alerts": [f["id"] for f in found]}, stated)
        return found

    def mark_alert_read(self, p: Principal, alert_id: int) -> None:
        """Mark one alert of the officer's own inbox read; another state's alert reads as not found (audited)."""
        asked = {"alert_id": alert_id}
        self.admit(p, "alert_read", asked, needs_purpose=False)
        a = store.alerts
        with self._engine.begin() as conn:
            state = conn.execute(select(a.c.state).where(a.c.id == alert_id)).scalar()
            allowed = state is not None and p.covers(Locus(state=state))
            if allowed:
                conn.execute(update(a).where(a.c.id == alert_id).values(read_at=self._clock.now(),
                                                                         read_by=p.username))
                self.audit.record(actor_of(p), "alert_read", asked, conn=conn)
        if not allowed:
            self.refuse(p, "alert_read", asked, NotFound("no such alert in your inbox", code="alert_not_found"),
                        audited_code=None if state is None else "out_of_scope")

    # --- the Nirbhaya squads' list --------------------------------------------------------------------
    def station_offenders(self, p: Principal, station_id: int, years: int | None = None,
                          purpose: PurposeIn = None, purpose_text: str | None = "") -> dict:
        """Registered offenders living in a station's jurisdiction: for that station's officers and the registry
        roles whose scope covers the station. Everyone states a purpose; every look is audited."""
        years = years or self.recent_years
        asked = {"station_id": station_id, "years": years}
        try:
            station = self._stations.get(station_id)
        except NotFound as err:
            self.refuse(p, "station_list", asked, err)
        where = Locus(station.id, station.city, station.state)
        own_station = p.role is Role.STATION_OFFICER and p.covers(where)
        stated = self.admit(p, "station_list", asked, purpose, purpose_text,
                            roles=None if own_station else ROLES_THAT_USE_REGISTRY)
        if not p.covers(where):
            self.refuse(p, "station_list", asked, out_of_scope(f"station {station_id}"), stated)
        with self._engine.connect() as conn:
            found = offenders_in_station(conn, self._stations, station_id, self._clock.now().date(), years)
        self.audit.record(actor_of(p), "station_list", asked | {"registrations": [f["registration_id"] for f in found]},
                          stated)
        return {"station": station.as_public_dict(), "years": years, "offenders": found}

    # --- merges, retention ---------------------------------------------------------------------------
    def dedupe(self, actor: Actor, threshold: float | None = None, progress=None) -> list[tuple[str, str, float]]:
        self.refresh()
        kw = {} if threshold is None else {"threshold": threshold}
        return self.merges.dedupe(actor, self.learned, progress=progress, **kw)

    def merge_list(self, p: Principal, purpose: PurposeIn = None, purpose_text: str | None = "",
                   status: str | None = "proposed", limit: int = 100, after_id: int | None = None) -> list[dict]:
        """Merges whose two registrations are both in the officer's scope (a national account: all)."""
        asked = {"status": status or ""}
        stated = self._stated(p, "merges", asked, purpose, purpose_text)
        found = self.merges.list(status, limit, in_scope=lambda column: _in_scope(p, column), after_id=after_id)
        regs = sorted({side["registration_id"] for f in found for side in (f["left"], f["right"]) if side})
        self.audit.record(actor_of(p), "merges", asked | {"merges": [f["id"] for f in found], "registrations": regs},
                          stated)
        return found

    def _admit_merge(self, p: Principal, action: str, merge_id: int) -> None:
        """A merge may be decided only by an officer whose scope covers both of its registrations."""
        asked = {"merge_id": merge_id}
        self.admit(p, action, asked, needs_purpose=False)
        m, reg = store.merges, store.registrations
        with self._engine.connect() as conn:
            row = conn.execute(select(m.c.left_registration_id, m.c.right_registration_id)
                               .where(m.c.id == merge_id)).first()
            states = [] if row is None else list(conn.execute(select(reg.c.state).where(
                reg.c.id.in_([row.left_registration_id, row.right_registration_id]))).scalars())
        if row is None:
            self.refuse(p, action, asked, NotFound("no such merge", code="merge_not_found"))
        if not all(p.covers(Locus(state=s)) for s in states):
            self.refuse(p, action, asked, out_of_scope(f"merge {merge_id}"))

    def decide_merge(self, p: Principal, merge_id: int, confirm: bool) -> dict:
        action = "merge_confirm" if confirm else "merge_reject"
        self._admit_merge(p, action, merge_id)
        try:
            outcome = self.merges.decide(actor_of(p), merge_id, confirm)
        except SurakshaError as err:
            self.refuse(p, action, {"merge_id": merge_id}, err)
        self.index.refresh_if_built()
        return outcome

    def unmerge(self, p: Principal, merge_id: int) -> dict:
        self._admit_merge(p, "unmerge", merge_id)
        try:
            outcome = self.merges.unmerge(actor_of(p), merge_id)
        except SurakshaError as err:
            self.refuse(p, "unmerge", {"merge_id": merge_id}, err)
        self.index.refresh_if_built()
        return outcome

    def purge(self, actor: Actor, dry_run: bool = False) -> list[dict]:
        """Delete registrations whose retention ended (tier 1: 15 years, tier 2: 25; tier 3 is kept for life)."""
        with self._engine.begin() as conn:
            due, orphans = retention.purge(conn, self._clock.now(), actor, self.audit, dry_run)
        for digest in orphans:
            self.files.delete(digest)
        if due and not dry_run:
            self.index.refresh_if_built()
        return due

    # --- oversight -----------------------------------------------------------------------------------
    def audit_entries(self, p: Principal, filters: AuditFilters | None = None, limit: int = 100,
                      before_seq: int | None = None, after_seq: int | None = None) -> list[dict]:
        check_registry_role(p, ROLES_THAT_REVIEW_REGISTRY_AUDIT)
        return self.audit.entries(filters, limit, before_seq, after_seq)

    def audit_report(self, p: Principal) -> AuditReport:
        """The chain and its signed checkpoints, as a supervisor reviews them."""
        check_registry_role(p, ROLES_THAT_REVIEW_REGISTRY_AUDIT)
        return self.audit.report(incremental=True)

    def checkpoint_audit(self) -> int:
        """The timer step: sign the audit chain's head into the checkpoint file when a period's is due (1 if one
        was taken). Every process may run it; one takes each period's (`AuditTrail.take_checkpoint`). It also
        keeps this process's check of the whole chain fresh (`AuditTrail.keep_checked`)."""
        taken = self.audit.take_checkpoint()
        self.audit.keep_checked()  # the whole chain, hourly, off the supervisors' page loads
        return 0 if taken is None else 1


def _in_scope(p: Principal, state_column):
    """The scope rule on a registry table, whose rows belong to a state (no station or city)."""
    return scope_filter(p, station_id=null(), city=null(), state=state_column)


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

