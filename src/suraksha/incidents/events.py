"""Events of an incident's life. Each carries its station, city and state, so consoles are fed by the scope rule.

They never carry a phone number, a message text or a note: the console reads those through the API, where
need-to-know is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from suraksha.core.events import ScopedEvent
from suraksha.core.events import from_row as from_row  # each capability's events: filled from its row


@dataclass(frozen=True, kw_only=True)
class IncidentEvent(ScopedEvent):
    tracking: str


@dataclass(frozen=True, kw_only=True)
class IncidentReported(IncidentEvent):
    priority: int
    category: str
    status: str
    channel: str
    lon: float | None
    lat: float | None
    location_known: bool
    received_at: str
    society_name: str | None = None  # raised by a registered housing society's coordinator
    noise_kind: str | None = None  # marked as noise by the blank rule: not in the queue (docs/adr/0009)
    callback_after_blank: bool = False  # shown first in the queue


@dataclass(frozen=True, kw_only=True)
class IncidentUpdated(IncidentEvent):
    """Something changed that the queue and the map show: status, priority, category, location."""

    change: str  # contact | priority | category | unit_dispatched | unit_en_route | unit_arrived | unit_cleared …
    status: str
    priority: int
    category: str
    call_sign: str | None = None
    response_seconds: int | None = None
    noise_kind: str | None = None  # marked as noise: consoles drop it from the queue (docs/adr/0009)


@dataclass(frozen=True, kw_only=True)
class IncidentTransferred(IncidentEvent):
    """The incident moved to another station; the old station's consoles receive it too, and drop it."""

    from_station_id: int | None
    from_city: str | None
    from_state: str | None
    reason: str  # transfer | location


@dataclass(frozen=True, kw_only=True)
class IncidentNoted(IncidentEvent):
    by: str


@dataclass(frozen=True, kw_only=True)
class IncidentLocationProposed(IncidentEvent):
    lon: float
    lat: float


@dataclass(frozen=True, kw_only=True)
class IncidentLocationChanged(IncidentEvent):
    """A new location was taken or accepted; the units on it (ids) are told where to go."""

    lon: float
    lat: float
    unit_ids: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class IncidentMessageUndelivered(IncidentEvent):
    """A message to her was given up after its retries: a dead letter, for a person to act on."""

    message_id: int
    kind: str


@dataclass(frozen=True, kw_only=True)
class IncidentClosed(IncidentEvent):
    disposition: str
    by: str


@dataclass(frozen=True, kw_only=True)
class IncidentReopened(IncidentEvent):
    by: str


@dataclass(frozen=True, kw_only=True)
class IncidentUnassignedAlarm(IncidentEvent):
    """A P1 has waited without a unit longer than it may: every console in its scope alarms, with sound."""

    priority: int
    waiting_seconds: int


@dataclass(frozen=True, kw_only=True)
class IncidentMerged(IncidentEvent):
    """`tracking` was merged into `into` (the same emergency): it leaves the queue; `into` lists its contacts."""

    into: str
    by: str


@dataclass(frozen=True, kw_only=True)
class IncidentUnmerged(IncidentEvent):
    """The merge of `tracking` into `into` was undone: it is back in the queue with its contacts."""

    into: str
    status: str
    by: str
