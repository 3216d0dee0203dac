"""What dispatch needs from other capabilities, as ports: intake's incidents and the station directory.

`conn` is the SQLAlchemy Connection of dispatch's own transaction (`with engine.begin() as conn:`), so an
incident's change commits, or rolls back, together with the unit's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class IncidentForDispatch:
    """What a dispatcher needs to know about an incident. lon/lat: the station's anchor if location unknown."""

    id: int
    tracking: str
    station_id: int | None
    city: str | None
    lon: float
    lat: float
    location_known: bool
    status: str
    priority: int
    received_at: datetime
    state: str | None = None
    respond_by: datetime | None = None  # the deadline from its response-time target, if one applies
    noise_kind: str | None = None  # marked as noise (docs/adr/0009): no unit is recommended for it


class IncidentPort(Protocol):
    """Implemented by incidents' IncidentService."""

    def incident_for_dispatch(self, conn: Any, tracking: str) -> IncidentForDispatch:
        """Raises NotFound code "incident_not_found"."""

    def unit_dispatched(self, conn: Any, incident_id: int, call_sign: str, at: datetime) -> None: ...

    def unit_acknowledged(self, conn: Any, incident_id: int, call_sign: str, at: datetime) -> None: ...

    def deadline_at_risk(self, conn: Any, incident_id: int, at: datetime, detail: dict) -> None:
        """Written on the incident's timeline: its unit cannot reach her before the deadline."""

    def unit_en_route(self, conn: Any, incident_id: int, call_sign: str, at: datetime) -> None: ...

    def unit_arrived(self, conn: Any, incident_id: int, call_sign: str, at: datetime) -> None:
        """Records the response time (first arrival − receipt) and tells the woman help has arrived."""

    def unit_cleared(self, conn: Any, incident_id: int, call_sign: str, at: datetime, last_unit: bool,
                     disposition: str | None = None) -> None:
        """With the last unit the incident closes: with the crew's disposition (a code of the incidents'
        disposition list; unknown: InvalidInput "unknown_disposition"), or as attended and resolved."""

    def incident_for_crew(self, conn: Any, incident_id: int, principal: Any) -> dict:
        """What the crew of a unit on this incident needs: tracking, priority, category, status, station, place
        (lon/lat None when her location is unknown), received_at, and `contacts` (her numbers) only where the
        need-to-know rule lets this principal see them, else None."""

    def unit_released(self, conn: Any, incident_id: int, call_sign: str, at: datetime, reason: str,
                      last_unit: bool) -> None:
        """A unit left without clearing the scene (no acknowledgement, re-tasked); with the last one the incident
        waits for a unit again (and may alarm)."""


class AnchorPoint(Protocol):
    lon: float
    lat: float


class StationInfo(Protocol):
    id: int
    name: str
    city: str
    state: str | None
    anchor: AnchorPoint


class StationDirectory(Protocol):
    """Implemented by stations' StationService."""

    def get(self, station_id: int) -> StationInfo:
        """Raises NotFound for an unknown station."""


class Crews(Protocol):
    """Implemented by accounts' AccountService: the responder accounts that crew a unit."""

    def crew_of(self, unit_id: int) -> list[dict]: ...

    def responder(self, username: str) -> Any:
        """The responder's Principal (NotFound code "account_not_found" for anything else)."""

    def crew_unit(self, username: str, unit_id: int | None) -> None: ...
