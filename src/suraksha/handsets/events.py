"""Events about handsets: scoped to the station that holds the number (its officers' consoles receive them)."""

from __future__ import annotations

from dataclasses import dataclass

from suraksha.core.events import ScopedEvent


@dataclass(frozen=True, kw_only=True)
class HandsetRecorded(ScopedEvent):
    handset_id: int
    number: str
    change: str  # added | edited | retired
    by: str


@dataclass(frozen=True, kw_only=True)
class HandsetFreePeriodEnding(ScopedEvent):
    """The reminder: a handset's free period ends in 30 days (or fewer, if it was recorded late)."""

    handset_id: int
    number: str
    model: str
    free_until: str  # ISO date
    days_left: int
