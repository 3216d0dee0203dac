"""Events about units. Each carries the unit's home station, city and state: a station officer's live feed
gets only its station's units, a city's control room its city's (the one scope rule)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from suraksha.core.events import ScopedEvent


@dataclass(frozen=True, kw_only=True)
class UnitEvent(ScopedEvent):
    unit_id: int
    call_sign: str


@dataclass(frozen=True, kw_only=True)
class UnitCreated(UnitEvent):
    kind: str
    home_station_id: int
    status: str
    lon: float
    lat: float


@dataclass(frozen=True, kw_only=True)
class UnitsMoved(ScopedEvent):
    """Units of one home station that moved, coalesced (one event per station for fixes written together), each
    with its newest fix: `units` is [{"unit_id", "call_sign", "lon", "lat", "at", "stale"}]. Transient: the next
    fix supersedes it, so the outbox forgets it once it is published (`DomainEvent.transient`)."""

    transient: ClassVar[bool] = True
    units: list


@dataclass(frozen=True, kw_only=True)
class UnitDispatched(UnitEvent):
    tracking: str
    incident_id: int
    status: str


@dataclass(frozen=True, kw_only=True)
class UnitStatusChanged(UnitEvent):
    status: str
    lon: float
    lat: float
    tracking: str | None


@dataclass(frozen=True, kw_only=True)
class AssignmentReleased(ScopedEvent):
    """A unit left an incident without clearing it: it did not acknowledge in time, or was re-tasked. Scoped to the
    incident's place, so its dispatchers are told (the unit sent instead comes as its own UnitDispatched)."""

    tracking: str
    unit_id: int
    call_sign: str
    reason: str
    why: str  # not_acknowledged | retasked


@dataclass(frozen=True, kw_only=True)
class UnitRosterChanged(UnitEvent):
    """A shift was added to or cancelled from a unit's roster: every process reloads its roster cache."""

    shift_id: int
    change: str  # added | cancelled


@dataclass(frozen=True, kw_only=True)
class AssignmentAtRisk(ScopedEvent):
    """The unit on an incident cannot reach her before its deadline: escalated to the consoles in the incident's
    scope (the supervisor and the dispatchers), with the units of neighbouring stations that could."""

    tracking: str
    unit_id: int
    call_sign: str
    eta_seconds: int
    respond_by: str
    offers: list  # [{"unit_id", "call_sign", "home_station_id", "eta_seconds"}]
