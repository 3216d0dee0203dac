"""Housing-society alerts (issue 9, point 5): plain rules, no framework.

Mumbai linked its housing societies to their police station by WhatsApp groups. Suraksha keeps the link as data: a
station's officers register a society (name, address, a pin on the map) and its coordinators' numbers. A message
from a registered coordinator of an active society, by SMS or WhatsApp (a coordinator forwards what a group was
told: WhatsApp's API cannot read existing groups), becomes an incident at the society's location, at its station,
with the society named; priority 1 when it concerns a woman's safety (`SAFETY_CATEGORIES`, docs/adr/0011).
"""

from __future__ import annotations

from dataclasses import dataclass

# The triage categories (incidents/triage.py) that concern a woman's safety: a coordinator's alert of any of them
# is priority 1, whatever line it was sent to. Online blackmail (cyber) and a plain request keep triage's priority.
SAFETY_CATEGORIES = frozenset({"immediate_danger", "sexual_assault", "child_at_risk", "domestic_violence",
                               "stalking_harassment"})
SAFETY_PRIORITY = 1
NAME_MAX, ADDRESS_MAX, COORDINATOR_NAME_MAX = 120, 300, 120


class SocietyProblem(ValueError):
    """A rule that what was given breaks: `code` is the stable error code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SocietyDetails:
    """What an officer gives for a society: its name, address and where it is."""

    name: str
    address: str
    lat: float
    lon: float


@dataclass(frozen=True)
class SocietyRef:
    """A society as intake needs it, held in memory by coordinator fingerprint: no database on the message's path."""

    id: int
    name: str
    station_id: int
    lon: float
    lat: float


def check_details(d: SocietyDetails) -> SocietyDetails:
    """The details as kept: spaces collapsed, lengths and the place checked; a broken rule raises SocietyProblem."""
    name, address = " ".join(d.name.split()), " ".join(d.address.split())
    if len(name) < 2:
        raise SocietyProblem("give the society's name", "society_name_required")
    if len(name) > NAME_MAX:
        raise SocietyProblem(f"a name has at most {NAME_MAX} characters", "name_too_long")
    if len(address) < 3:
        raise SocietyProblem("give the society's address", "address_required")
    if len(address) > ADDRESS_MAX:
        raise SocietyProblem(f"an address has at most {ADDRESS_MAX} characters", "address_too_long")
    if not (-90 <= d.lat <= 90 and -180 <= d.lon <= 180) or (d.lat == 0 and d.lon == 0):
        raise SocietyProblem("put the society's pin on the map", "invalid_position")
    return SocietyDetails(name, address, float(d.lat), float(d.lon))


def check_coordinator_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if len(cleaned) < 2:
        raise SocietyProblem("give the coordinator's name", "coordinator_name_required")
    if len(cleaned) > COORDINATOR_NAME_MAX:
        raise SocietyProblem(f"a name has at most {COORDINATOR_NAME_MAX} characters", "name_too_long")
    return cleaned


def alert_priority(triage_priority: int, categories: tuple[str, ...]) -> int:
    """A coordinator's alert: priority 1 when any triage rule that fired concerns a woman's safety; else triage's
    own priority. Only ever raises (a lower number), never lowers."""
    if any(c in SAFETY_CATEGORIES for c in categories):
        return min(triage_priority, SAFETY_PRIORITY)
    return triage_priority
