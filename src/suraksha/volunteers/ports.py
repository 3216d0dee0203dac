"""What volunteers need from other capabilities, as ports: the incidents (implemented by incidents'
IncidentService) and the accounts volunteers sign in with (accounts' AccountService).

`conn` is the SQLAlchemy Connection of volunteers' own transaction, so that an alert and the incident's timeline
entry commit, or roll back, together.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol


@dataclass(frozen=True)
class SosIncident:
    """What the volunteers' call-out needs to know about an incident. Her exact place (lon/lat) stays inside the
    service: it is used to measure distances and is never written to an alert."""

    id: int
    station_id: int | None
    city: str | None
    state: str | None
    priority: int
    category: str
    status: str
    location_known: bool
    lon: float | None
    lat: float | None
    received_at: datetime


class SosWaiting(NamedTuple):
    """An SOS waiting for volunteers, as the call-out's scan of the alert window reads it: its key only (the scan
    reads the whole window every few seconds; the incident itself is read once its call-out is claimed)."""

    received_at: datetime
    id: int


class SosIncidents(Protocol):
    def sos_waiting(self, since: datetime, after: tuple[datetime, int] | None, limit: int) -> list[SosWaiting]:
        """Priority-1 incidents with her location known, received at or after `since`, with no unit on scene and
        not closed, oldest first (by receipt, then id), from just after `after` (a page's last) when given."""

    def sos_incidents(self, conn: Any, ids: Collection[int]) -> dict[int, SosIncident]:
        """These incidents (in the caller's transaction), by id; an unknown id is left out."""

    def sos_incident_for(self, principal: Any, tracking: str) -> SosIncident:
        """The incident if the principal's scope covers it; NotFound `incident_not_found` otherwise."""

    def volunteers_alerted(self, conn: Any, incident_id: int, at: datetime, detail: dict) -> None:
        """Written on the incident's timeline: how many volunteers nearby were alerted, within what radius."""

    def volunteer_answered(self, conn: Any, incident_id: int, at: datetime, volunteer: str, accepted: bool,
                           detail: dict) -> None:
        """Written on the incident's timeline (with the volunteer's account as the actor) and announced to the
        consoles in its scope."""


class Accounts(Protocol):
    def create_account(self, username: str, password: str, role: Any, scope_kind: Any, scope_value: str = "", *,
                       is_demo: bool = False, unit_id: int | None = None, conn: Any = None) -> Any:
        """A new account (its Principal); Conflict `account_exists` when the name is taken."""

    def set_disabled(self, conn: Any, account_id: int, disabled: bool) -> None:
        """Disable (every session and token ends) or enable an account, in the caller's transaction."""
