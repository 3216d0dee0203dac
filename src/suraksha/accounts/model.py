"""Who may do what: roles, the scope each account works in, and need-to-know rules for victims' details."""

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


class ScopeKind(StrEnum):
    STATION = "station"
    CITY = "city"
    STATE = "state"
    NATIONAL = "national"


@dataclass(frozen=True)
class Principal:
    """The signed-in person, as every use case sees them."""

    account_id: int
    username: str
    role: Role
    scope_kind: ScopeKind
    scope_value: str  # station id, city name, state code, or "" for national

    def covers(self, station_id: int | None, city: str | None, state: str | None = None) -> bool:
        """Does this account's scope include an incident at this station / city?"""
        if self.scope_kind is ScopeKind.NATIONAL:
            return True
        if self.scope_kind is ScopeKind.STATE:
            return state is not None and state == self.scope_value
        if self.scope_kind is ScopeKind.CITY:
            return city is None or city == self.scope_value  # unrouted incidents go to every control room
        return station_id is not None and str(station_id) == self.scope_value


ROLES_THAT_DISPATCH = frozenset({Role.DISPATCHER})
ROLES_THAT_SEE_INCIDENTS = frozenset({Role.DISPATCHER, Role.STATION_OFFICER, Role.RESPONDER, Role.ADMIN})
# Need to know (BNS s72, DPDP Act): who may read a victim's phone number and messages.
ROLES_THAT_SEE_CONTACTS = frozenset({Role.DISPATCHER, Role.STATION_OFFICER})
ROLES_THAT_MANAGE_STATIONS = frozenset({Role.ADMIN})
ROLES_THAT_MANAGE_UNITS = frozenset({Role.ADMIN, Role.STATION_OFFICER, Role.DISPATCHER})
# Lawful access to the offender registry: only these roles search, view, import or decide merges.
ROLES_THAT_USE_REGISTRY = frozenset({Role.REGISTRY_OFFICER, Role.REGISTRY_SUPERVISOR})
ROLES_THAT_REVIEW_REGISTRY_AUDIT = frozenset({Role.REGISTRY_SUPERVISOR})


def may_see_contacts(p: Principal, *, unit_assigned_to_me: bool = False) -> bool:
    """Dispatchers and station officers see contacts; a responder only for an incident their unit is on."""
    return p.role in ROLES_THAT_SEE_CONTACTS or (p.role is Role.RESPONDER and unit_assigned_to_me)


MIN_PASSWORD_LENGTH = 10


def check_password_strength(password: str) -> str | None:
    """A reason the password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    return None
