"""Use cases for volunteers near an SOS: apply, verify (an account is made), refuse, suspend, reinstate; a
volunteer's own page (on duty, where they are, their alerts, accept or decline); the police's view of who accepted;
and the call-out, a timer row claimed by exactly one process, that alerts the nearest available volunteers.

Every change writes its history row and its event in the same transaction. What a volunteer sees of an alert is
made by `model.volunteer_view` alone.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from suraksha.adapters.db import scope_filter
from suraksha.adapters.group_commit import GroupCommitWriter
from suraksha.adapters.outbox import record
from suraksha.core.auth import (
    ROLES_THAT_SEE_VOLUNTEERS_ON_AN_INCIDENT,
    ROLES_THAT_VERIFY_VOLUNTEERS,
    Locus,
    Principal,
    Role,
    ScopeKind,
)
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suraksha.core.geo import Point
from suraksha.core.phones import to_e164
from suraksha.core.privacy import Sealer
from suraksha.messaging.service import MessageService
from suraksha.places import localities
from suraksha.stations.service import StationService
from suraksha.volunteers import model
from suraksha.volunteers.callout import CallOut
from suraksha.volunteers.events import VolunteerRecorded
from suraksha.volunteers.model import Answer, Application, Change, VolunteerProblem, VolunteerStatus
from suraksha.volunteers.ports import Accounts, SosIncidents
from suraksha.volunteers.store import volunteer_alerts, volunteer_changes, volunteers

PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # read off a slip of paper without doubt
APPLICANT = "applicant"  # who a public application is recorded as
ALERTS_SHOWN = 50  # a volunteer's page lists their latest alerts
CONFLICTS = {"invalid_volunteer_transition", "already_answered", "alert_expired", "alert_withdrawn"}


class VolunteerService:
    def __init__(self, engine: Engine, clock: Clock, settings: Any, stations: StationService,
                 messages: MessageService, sealer: Sealer, accounts: Accounts,
                 writer: GroupCommitWriter | None = None) -> None:
        self._engine, self._clock, self._stations = engine, clock, stations
        self._messages, self._sealer, self._accounts = messages, sealer, accounts
        self.incidents: SosIncidents | None = None  # incidents, wired by the composition root
        # the timer (callout.py), sharing intake's commits when given its writer
        self.callout = CallOut(engine, clock, settings, stations, messages, self._sos, writer)

    # applying --------------------------------------------------------------------------------------------
    def apply(self, application: Application) -> dict:
        """A person applies to volunteer where they can help (a locality or PIN code in a city). The station whose
        area it is will meet them. Applying twice with one phone number keeps the first application (and says the
        same thing: whether a number belongs to a volunteer is nobody's business)."""
        a = _checked(application)
        phone = to_e164(a.phone)
        if a.city not in self._stations.cities():
            raise InvalidInput("choose a city Suraksha serves", code="unknown_city")
        found = localities.find(a.locality, a.city, 1)
        if not found:
            raise InvalidInput("that place was not found: type a locality or a PIN code", code="unknown_locality")
        place = found[0]
        station = self._stations.resolve(place.lon, place.lat).station
        if station is None or station.city != a.city:
            raise InvalidInput("no station of the city covers that place", code="outside_area")
        fingerprint = self._sealer.fingerprint("volunteer:" + phone)
        try:
            self._store_application(a, phone, fingerprint, place, station)
        except IntegrityError:  # the same number applied at the same moment: that application is kept
            pass
        return {"received": True, "station_id": station.id, "station_name": station.name, "locality": place.name}

    def _store_application(self, a: Application, phone: str, fingerprint: str, place, station) -> None:
        now = self._clock.now()
        with self._engine.begin() as conn:
            kept = conn.execute(select(volunteers.c.id).where(
                volunteers.c.phone_fingerprint == fingerprint,
                volunteers.c.status != VolunteerStatus.REFUSED.value)).first()
            if kept is None:
                volunteer_id = conn.execute(insert(volunteers).values(
                    name=a.name, phone_sealed=self._sealer.seal(phone), phone_fingerprint=fingerprint,
                    language=a.language, station_id=station.id, city=station.city, state=station.state,
                    locality=place.name[:120], base_lon=place.lon, base_lat=place.lat, skills=",".join(a.skills),
                    status=VolunteerStatus.APPLIED.value, applied_at=now, updated_at=now,
                ).returning(volunteers.c.id)).scalar_one()
                self._log(conn, volunteer_id, Locus(station.id, station.city, station.state), Change.APPLIED,
                          f"{place.name}; {','.join(a.skills) or '-'}", APPLICANT, now)

    # the station's side: verify, refuse, suspend, reinstate ----------------------------------------------
    def in_area(self, principal: Principal, status: str | None = None, station_id: int | None = None,
                limit: int = 500) -> list[dict]:
        """Volunteers in the principal's area: applications waiting first, then by name."""
        _check_role(principal, ROLES_THAT_VERIFY_VOLUNTEERS, "verifies no volunteers")
        v = volunteers.c
        q = select(volunteers).where(scope_filter(principal, station_id=v.station_id, city=v.city, state=v.state))
        if status:
            q = q.where(v.status == status)
        if station_id is not None:
            q = q.where(v.station_id == station_id)
        with self._engine.connect() as conn:
            rows = conn.execute(q.order_by((v.status != VolunteerStatus.APPLIED.value), v.name, v.id)
                                .limit(limit)).all()
        return [self._as_dict(r) for r in rows]

    def get(self, principal: Principal, volunteer_id: int) -> dict:
        """One volunteer with their history, for the officers of their station (and administrators)."""
        _check_role(principal, ROLES_THAT_VERIFY_VOLUNTEERS, "verifies no volunteers")
        with self._engine.connect() as conn:
            row = self._volunteer(conn, volunteer_id)
            if not principal.covers(_locus(row)):
                raise NotFound(f"no volunteer {volunteer_id}", code="volunteer_not_found")
            history = conn.execute(select(volunteer_changes).where(volunteer_changes.c.volunteer_id == row.id)
                                   .order_by(volunteer_changes.c.id)).all()
        return self._as_dict(row) | {"history": [{"change": h.change, "at": h.changed_at, "by": h.changed_by,
                                                  "detail": h.detail} for h in history]}

    def verify(self, principal: Principal, volunteer_id: int, check: str, username: str = "", *,
               password: str | None = None, is_demo: bool = False) -> dict:
        """The station met the applicant and checked who they are (`check` records what was seen): they become a
        verified volunteer with an account of the volunteer role, scoped to their station. The account's first
        password is returned once, to be handed over in person."""
        checked = _problem(lambda: model.check_text(check, "check_required", "what was checked in person"))
        password = password or _new_password()
        with self._engine.begin() as conn:
            row = self._acting_on(conn, principal, volunteer_id, "verify")
            name = _problem(lambda: model.check_username(username)) if username else \
                model.default_username(row.id)
            account = self._accounts.create_account(name, password, Role.VOLUNTEER, ScopeKind.STATION,
                                                    str(row.station_id), is_demo=is_demo, conn=conn)
            now = self._clock.now()
            self._set(conn, row, VolunteerStatus.VERIFIED, now, account_id=account.account_id,
                      verified_by=principal.username, verified_at=now, verification_check=checked, status_reason=None)
            self._log(conn, row.id, _locus(row), Change.VERIFIED, f"{checked} (account {name})", principal.username,
                      now)
            row = self._volunteer(conn, row.id)
        return self._as_dict(row) | {"username": name, "password": password, "account_id": account.account_id}

    def refuse(self, principal: Principal, volunteer_id: int, reason: str) -> dict:
        return self._decide(principal, volunteer_id, "refuse", reason)

    def suspend(self, principal: Principal, volunteer_id: int, reason: str) -> dict:
        """Not a volunteer for now: never alerted, their account disabled (every session ends)."""
        return self._decide(principal, volunteer_id, "suspend", reason)

    def reinstate(self, principal: Principal, volunteer_id: int, reason: str) -> dict:
        """A suspended volunteer is verified again: their account works again (they go on duty themselves)."""
        return self._decide(principal, volunteer_id, "reinstate", reason)

    def _decide(self, principal: Principal, volunteer_id: int, action: str, reason: str) -> dict:
        why = _problem(lambda: model.check_text(reason, "reason_required", "a reason"))
        change = {"refuse": Change.REFUSED, "suspend": Change.SUSPENDED, "reinstate": Change.REINSTATED}[action]
        with self._engine.begin() as conn:
            row = self._acting_on(conn, principal, volunteer_id, action)
            to = model.next_status(row.status, action)
            now = self._clock.now()
            values: dict[str, Any] = {"status_reason": None if to is VolunteerStatus.VERIFIED else why}
            if to is not VolunteerStatus.VERIFIED:
                values |= {"available": False, "available_since": None}
            self._set(conn, row, to, now, **values)
            if row.account_id is not None:
                self._accounts.set_disabled(conn, row.account_id, to is not VolunteerStatus.VERIFIED)
            self._log(conn, row.id, _locus(row), change, why, principal.username, now)
            row = self._volunteer(conn, row.id)
        return self._as_dict(row)

    def _acting_on(self, conn: Connection, principal: Principal, volunteer_id: int, action: str) -> Any:
        """The volunteer's row, if this principal may act on it and the action may start from its status."""
        _check_role(principal, ROLES_THAT_VERIFY_VOLUNTEERS, "verifies no volunteers")
        row = self._volunteer(conn, volunteer_id)
        if not principal.covers(_locus(row)):
            raise Forbidden("that volunteer belongs to another area", code="out_of_scope")
        _problem(lambda: model.next_status(row.status, action))
        return row

    def _set(self, conn: Connection, row: Any, status: VolunteerStatus, now: datetime, **values: Any) -> None:
        """Change a volunteer's status, if nobody changed it meanwhile (then Conflict)."""
        done = conn.execute(update(volunteers).where(volunteers.c.id == row.id, volunteers.c.status == row.status)
                            .values(status=status.value, updated_at=now, **values)).rowcount
        if done != 1:
            raise Conflict("the volunteer was changed meanwhile: look again", code="volunteer_changed")

    # the volunteer's own side ----------------------------------------------------------------------------
    def me(self, principal: Principal) -> dict:
        """The signed-in volunteer's record (their own details) and their latest alerts."""
        with self._engine.connect() as conn:
            row = self._own(conn, principal)
            alerts = self._alert_views(conn, row.id)
        return self._as_dict(row) | {"alerts": alerts}

    def set_available(self, principal: Principal, available: bool) -> dict:
        """On duty ("available to help now") or off: only an available volunteer is alerted."""
        now = self._clock.now()
        with self._engine.begin() as conn:
            row = self._own(conn, principal)
            if bool(row.available) != available:
                conn.execute(update(volunteers).where(volunteers.c.id == row.id).values(
                    available=available, available_since=now if available else None, updated_at=now))
                self._log(conn, row.id, _locus(row), Change.ON_DUTY if available else Change.OFF_DUTY, "",
                          principal.username, now)
        return self.me(principal)

    def set_position(self, principal: Principal, lon: float, lat: float) -> dict:
        """Where the volunteer is now (their phone's location, or a place they typed): used for two hours."""
        try:
            here = Point(float(lon), float(lat))
        except (TypeError, ValueError):
            raise InvalidInput("not a position on the earth", code="invalid_position") from None
        now = self._clock.now()
        with self._engine.begin() as conn:
            row = self._own(conn, principal)
            conn.execute(update(volunteers).where(volunteers.c.id == row.id).values(
                lon=here.lon, lat=here.lat, position_at=now, updated_at=now))
            self._log(conn, row.id, _locus(row), Change.POSITION, "", principal.username, now)
        return self.me(principal)

    def set_place(self, principal: Principal, place: str) -> dict:
        """Where the volunteer is now, as a locality or PIN code of their city (for a phone without location)."""
        with self._engine.connect() as conn:
            row = self._own(conn, principal)
        found = localities.find(" ".join(place.split())[:120], row.city, 1)
        if not found:
            raise InvalidInput("that place was not found: type a locality or a PIN code", code="unknown_locality")
        return self.set_position(principal, found[0].lon, found[0].lat)

    def alerts(self, principal: Principal) -> list[dict]:
        with self._engine.connect() as conn:
            return self._alert_views(conn, self._own(conn, principal).id)

    def answer(self, principal: Principal, alert_id: int, accept: bool) -> dict:
        """Accept or decline an alert: recorded on the volunteer's history and the incident's timeline, where the
        control room sees it live. Refused after the alert expired (`alert_expired`), once help is no longer needed
        (`alert_withdrawn`) or after the other answer (`already_answered`): 409, nothing written."""
        answer = Answer.ACCEPTED if accept else Answer.DECLINED
        now = self._clock.now()
        with self._engine.begin() as conn:
            me = self._own(conn, principal)
            row = conn.execute(select(volunteer_alerts).where(volunteer_alerts.c.id == alert_id,
                                                              volunteer_alerts.c.volunteer_id == me.id)).first()
            if row is None:
                raise NotFound(f"no alert {alert_id}", code="alert_not_found")
            facts, needed = _facts(row), self._still_needed(conn, [row.incident_id]).get(row.incident_id, False)
            if _problem(lambda: model.check_answer(facts, needed, answer, now)):
                conn.execute(update(volunteer_alerts).where(volunteer_alerts.c.id == row.id)
                             .values(answer=answer.value, answered_at=now))
                change = Change.ACCEPTED if accept else Change.DECLINED
                self._log(conn, me.id, _locus(me), change, f"alert {row.id}", principal.username, now)
                self._sos().volunteer_answered(conn, row.incident_id, now, principal.username, accept,
                                               {"volunteer_id": me.id, "name": me.name, "alert_id": row.id})
                row = conn.execute(select(volunteer_alerts).where(volunteer_alerts.c.id == row.id)).one()
            return model.volunteer_view(_facts(row), needed, now)

    def _own(self, conn: Connection, principal: Principal) -> Any:
        """The signed-in volunteer's own row: only a verified volunteer acts."""
        _check_role(principal, frozenset({Role.VOLUNTEER}), "is not a volunteer's")
        row = conn.execute(select(volunteers).where(volunteers.c.account_id == principal.account_id)).first()
        if row is None:
            raise NotFound("this account belongs to no volunteer", code="volunteer_not_found")
        if row.status != VolunteerStatus.VERIFIED.value:
            raise Forbidden(f"this volunteer is {row.status}, not verified", code="volunteer_not_active")
        return row

    def _alert_views(self, conn: Connection, volunteer_id: int) -> list[dict]:
        rows = conn.execute(select(volunteer_alerts).where(volunteer_alerts.c.volunteer_id == volunteer_id)
                            .order_by(volunteer_alerts.c.alerted_at.desc(), volunteer_alerts.c.id.desc())
                            .limit(ALERTS_SHOWN)).all()
        needed = self._still_needed(conn, [r.incident_id for r in rows])
        now = self._clock.now()
        return [model.volunteer_view(_facts(r), needed.get(r.incident_id, False), now) for r in rows]

    def _still_needed(self, conn: Connection, incident_ids: list[int]) -> dict[int, bool]:
        """Whether help is still needed at each incident: it is not closed."""
        found = self._sos().sos_incidents(conn, set(incident_ids)) if incident_ids else {}
        return {i: s.status != "closed" for i, s in found.items()}

    # the police's view of an incident --------------------------------------------------------------------
    def on_incident(self, principal: Principal, tracking: str) -> dict:
        """Who was alerted near this incident and who accepted: each volunteer who accepted with their name and
        phone, for the control room to call and guide (the volunteer never learns hers)."""
        _check_role(principal, ROLES_THAT_SEE_VOLUNTEERS_ON_AN_INCIDENT, "sees no volunteers")
        sos = self._sos().sos_incident_for(principal, tracking)
        a, v = volunteer_alerts.c, volunteers.c
        q = (select(a.id, a.answer, a.answered_at, a.alerted_at, a.expires_at, a.distance_m, v.id.label("vid"),
                    v.name, v.phone_sealed, v.skills)
             .join(volunteers, volunteers.c.id == a.volunteer_id).where(a.incident_id == sos.id)
             .order_by(a.distance_m, a.id))
        with self._engine.connect() as conn:
            rows = conn.execute(q).all()
        now = self._clock.now()

        def person(r) -> dict:
            return {"volunteer_id": r.vid, "name": r.name, "phone": self._sealer.unseal(r.phone_sealed),
                    "skills": _skills(r.skills), "distance_m": r.distance_m, "answered_at": r.answered_at}

        return {"alerted": len(rows), "radius_m": int(self.callout.radius_m),
                "alerted_at": rows[0].alerted_at if rows else None,
                "accepted": [person(r) for r in rows if r.answer == Answer.ACCEPTED.value],
                "declined": len([r for r in rows if r.answer == Answer.DECLINED.value]),
                "waiting": len([r for r in rows if r.answer is None and now < r.expires_at
                                and sos.status != "closed"])}

    # the call-out: a timer row per SOS, claimed by exactly one process (callout.py) ----------------------
    def alert_due(self, limit: int = 200) -> int:
        """Alert the volunteers near every SOS that is due, each once however many processes run this."""
        return self.callout.alert_due(limit)

    # shared ----------------------------------------------------------------------------------------------
    def _sos(self) -> SosIncidents:
        if self.incidents is None:
            raise RuntimeError("the volunteers' incidents port is not wired (bootstrap)")
        return self.incidents

    def _volunteer(self, conn: Connection, volunteer_id: int) -> Any:
        row = conn.execute(select(volunteers).where(volunteers.c.id == volunteer_id)).first()
        if row is None:
            raise NotFound(f"no volunteer {volunteer_id}", code="volunteer_not_found")
        return row

    def _log(self, conn: Connection, volunteer_id: int, where: Any, change: Change, detail: str, by: str,
             at: datetime) -> None:
        conn.execute(insert(volunteer_changes).values(volunteer_id=volunteer_id, change=change.value,
                                                      detail=detail[:1000], changed_by=by[:64], changed_at=at))
        if change is not Change.POSITION:
            record(conn, VolunteerRecorded(station_id=where.station_id if where.station_id else None,
                                           city=where.city, state=where.state, volunteer_id=volunteer_id,
                                           change=change.value, by=by[:64]), at)

    def _as_dict(self, row: Any) -> dict:
        try:
            station_name = self._stations.get(row.station_id).name
        except NotFound:
            station_name = None
        return {"id": row.id, "name": row.name, "phone": self._sealer.unseal(row.phone_sealed),
                "language": row.language, "station_id": row.station_id, "station_name": station_name,
                "city": row.city, "state": row.state, "locality": row.locality, "skills": _skills(row.skills),
                "status": row.status, "status_reason": row.status_reason, "verified_by": row.verified_by,
                "verified_at": row.verified_at, "verification_check": row.verification_check,
                "has_account": row.account_id is not None, "available": bool(row.available),
                "available_since": row.available_since, "position_at": row.position_at,
                "applied_at": row.applied_at, "updated_at": row.updated_at}


def _locus(row: Any) -> Locus:
    return Locus(row.station_id, row.city, row.state)


def _check_role(principal: Principal, roles: frozenset[Role], what: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"the {principal.role.value} role {what}", code="forbidden_role")


def _problem(rule: Callable[[], Any]) -> Any:
    """A model rule's answer; a broken rule becomes InvalidInput (422), or Conflict (409) for one about state."""
    try:
        return rule()
    except VolunteerProblem as problem:
        cls = Conflict if problem.code in CONFLICTS else InvalidInput
        raise cls(str(problem), code=problem.code) from None


def _checked(application: Application) -> Application:
    return _problem(lambda: model.check_application(application))


def _new_password() -> str:
    raw = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _skills(text: str) -> list[str]:
    return [s for s in (text or "").split(",") if s]


def _facts(row: Any) -> model.AlertFacts:
    return model.AlertFacts(row.id, row.category, row.locality, row.area_lat, row.area_lon, row.distance_band,
                            row.alerted_at, row.expires_at, row.answer, row.answered_at)
