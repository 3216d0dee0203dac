"""What the incident needs from dispatch, as a port dispatch implements (dispatch itself uses `IncidentPort`).

`conn` is the caller's transaction, so standing units down commits, or rolls back, with the closing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class UnitsOnIncident(Protocol):
    def units_on(self, conn: Any, incident_id: int) -> list[tuple[int, str]]:
        """(unit id, call sign) of every unit still on the incident."""

    def stand_down(self, conn: Any, incident_id: int, at: datetime, reason: str) -> list[tuple[int, str]]:
        """Release every unit still on the incident (assignment cleared, unit available): (id, call sign)."""

    def after_stand_down(self, unit_ids: list[int]) -> None:
        """After the commit: refresh what dispatch keeps in memory."""


class Deadlines(Protocol):
    """Implemented by targets' TargetService: an incident's deadline from its response-time target."""

    def for_incident(self, state: str | None, station_id: int | None, priority: int, category: str,
                     received_at: datetime) -> dict:
        """{"respond_by": ISO time or None, "target_minutes": int or None, "area_class": "urban" | "rural"}"""
