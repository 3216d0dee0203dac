"""Who is asking and what they may see: roles, the scope an account works in, and the one rule that decides it.

Every list, detail, export, live event and unit position is filtered by `covers`, and the SQL filter that the
stores build comes from the same `scope_key`: one rule, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    DISPATCHER = "dispatcher"  # call-taker and dispatcher in a control room
    STATION_OFFICER = "station_officer"
    RESPONDER = "responder"  # crew of a Nirbhaya squad vehicle, patrol van or beat marshal
    ADMIN = "admin"
    REGISTRY_OFFICER = "registry_officer"  # keeps a state's part of the offender registry
    REGISTRY_SUPERVISOR = "registry_supervisor"  # reviews who searched the registry, and why
    # A registered, verified volunteer near an SOS (the 112 India app's SHOUT): not police. Sees only their own
    # alerts, each with a coarse place and never her identity; no incident, unit or staff page.
    VOLUNTEER = "volunteer"
    # An app's or a safety device's gateway: raises SOS alerts (POST /api/v1/sos) with its bearer token; another
    # system's gateway: brings incidents in as NENA EIDO documents (POST /api/v1/eido). Nothing else: no page, no
    # incident to read, no person's data.
    INTEGRATION = "integration"


class ScopeKind(StrEnum):
    STATION = "station"
    CITY = "city"
    STATE = "state"
    NATIONAL = "national"


@dataclass(frozen=True)
class Locus:
    """Where something belongs, for scoping: an incident, a unit (its home station), a registration (its state)."""

    station_id: int | None = None
    city: str | None = None
    state: str | None = None

    @classmethod
    def of(cls, payload: dict) -> Locus:
        """The locus named by a dict with `station_id`, `city` and `state` keys (an event's payload, a row)."""
        station_id = payload.get("station_id")
        return cls(int(station_id) if station_id is not None else None, payload.get("city"), payload.get("state"))


@dataclass(frozen=True)
class Principal:
    """The signed-in person, as every use case sees them."""

    account_id: int
    username: str
    role: Role
    scope_kind: ScopeKind
    scope_value: str  # station id, city key, state code, or "" for national
    unit_id: int | None = None  # the unit a responder crews

    def covers(self, where: Locus) -> bool:
        return covers(self, where)


def scope_key(p: Principal) -> tuple[str, str | int] | None:
    """Which attribute of a Locus must equal which value for this principal; None: everything (national).

    A station account sees its station; a city account its city; a state account its state. Nothing is
    "seen by everyone because it has no place": an incident without a station belongs to the city control
    room that took it, and a national account sees all.
    """
    if p.scope_kind is ScopeKind.NATIONAL:
        return None
    if p.scope_kind is ScopeKind.STATION:
        try:
            return "station_id", int(p.scope_value)
        except ValueError:
            return "station_id", -1  # a malformed station scope sees nothing
    if p.scope_kind is ScopeKind.STATE:
        return "state", p.scope_value
    return "city", p.scope_value


def covers(p: Principal, where: Locus) -> bool:
    """Is this place inside the principal's scope?"""
    key = scope_key(p)
    if key is None:
        return True
    attribute, value = key
    return getattr(where, attribute) == value


ROLES_OF_STAFF = frozenset(Role) - {Role.VOLUNTEER, Role.INTEGRATION}  # police and registry staff: people
ROLES_THAT_RAISE_SOS = frozenset({Role.INTEGRATION})  # panic buttons: an app's or a device's gateway
ROLES_THAT_DISPATCH = frozenset({Role.DISPATCHER})
ROLES_THAT_SEE_INCIDENTS = frozenset({Role.DISPATCHER, Role.STATION_OFFICER, Role.RESPONDER, Role.ADMIN})
# Notes, priority and category changes, transfers, closing, reopening, accepting a location.
ROLES_THAT_MANAGE_INCIDENTS = frozenset({Role.DISPATCHER, Role.STATION_OFFICER})
# Need to know (BNS s72, DPDP Act): who may read a victim's phone number and messages.
ROLES_THAT_SEE_CONTACTS = frozenset({Role.DISPATCHER, Role.STATION_OFFICER})
ROLES_THAT_MANAGE_STATIONS = frozenset({Role.ADMIN})
# The supervisor's wallboard (open incidents, units, the day's response times): control rooms, stations, admins.
ROLES_THAT_WATCH_THE_WALLBOARD = frozenset({Role.DISPATCHER, Role.STATION_OFFICER, Role.ADMIN})
# The phones that carry a station's helpline numbers: that station's officers, and administrators.
ROLES_THAT_KEEP_HANDSETS = frozenset({Role.ADMIN, Role.STATION_OFFICER})
ROLES_THAT_MANAGE_UNITS = frozenset({Role.ADMIN, Role.STATION_OFFICER, Role.DISPATCHER})
# Volunteers: a station's officers (and administrators) verify them after an in-person check, refuse or suspend them;
# the control room and the station see who accepted an alert near an SOS, with the volunteer's name and phone.
ROLES_THAT_VERIFY_VOLUNTEERS = frozenset({Role.ADMIN, Role.STATION_OFFICER})
ROLES_THAT_SEE_VOLUNTEERS_ON_AN_INCIDENT = frozenset({Role.DISPATCHER, Role.STATION_OFFICER})
# Housing societies and their coordinators' numbers: a station's officers register them (and administrators).
ROLES_THAT_REGISTER_SOCIETIES = frozenset({Role.ADMIN, Role.STATION_OFFICER})
# Lawful access to the offender registry: only these roles search, view, import or decide merges.
ROLES_THAT_USE_REGISTRY = frozenset({Role.REGISTRY_OFFICER, Role.REGISTRY_SUPERVISOR})
ROLES_THAT_REVIEW_REGISTRY_AUDIT = frozenset({Role.REGISTRY_SUPERVISOR})
# The case side (FIRs and their investigation clock): a station's officers (the investigating officer is one of them)
# act on their station's cases; administrators read their area's cases and receive its alerts.
ROLES_THAT_SEE_CASES = frozenset({Role.STATION_OFFICER, Role.ADMIN})
# Register an FIR, assign the investigating officer, record delays, a charge-sheet or closure report, transfer.
ROLES_THAT_INVESTIGATE = frozenset({Role.STATION_OFFICER})
# Who may unseal a victim's name, contact and address: the case's own investigating officer (a station officer
# assigned to it), with a stated reason, audited (BNS s72, POCSO s23, DPDP Act). A court liaison may join later.
ROLES_THAT_UNSEAL_VICTIMS = frozenset({Role.STATION_OFFICER})
# Incidents between control rooms (NENA EIDO, docs/interop.md). Taking a document in creates an incident in this
# control room: a dispatcher or an administrator (the new incident must fall in their scope), or another system's
# gateway account (integration, as for panic buttons). Sending one out is a read: whoever may see the incident
# (ROLES_THAT_SEE_INCIDENTS, in scope), her details only by need to know and to a partner allowed them. Which agencies
# are partners, and which may receive her details: administrators. The audit of exports: the control room, the
# station and administrators.
ROLES_THAT_IMPORT_INCIDENTS = frozenset({Role.DISPATCHER, Role.ADMIN, Role.INTEGRATION})
ROLES_THAT_KEEP_PARTNER_AGENCIES = frozenset({Role.ADMIN})
ROLES_THAT_REVIEW_EXPORTS = frozenset({Role.DISPATCHER, Role.STATION_OFFICER, Role.ADMIN})
# Two-step sign-in (a password and a one-time code): administrators, and every role that can read the registry or
# unseal a victim's identity. A responder reads her number only while its own unit is on her incident.
ROLES_THAT_NEED_A_SECOND_FACTOR = ROLES_THAT_MANAGE_STATIONS | ROLES_THAT_USE_REGISTRY | ROLES_THAT_SEE_CONTACTS


def may_see_contacts(p: Principal, *, unit_assigned_to_me: bool = False) -> bool:
    """Dispatchers and station officers see contacts; a responder only for an incident their unit is on."""
    return p.role in ROLES_THAT_SEE_CONTACTS or (p.role is Role.RESPONDER and unit_assigned_to_me)
