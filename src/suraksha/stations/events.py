"""Events about stations. Station data is public (the directory shows it), so these go to every console."""

from __future__ import annotations

from dataclasses import dataclass

from suraksha.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class StationsImported(DomainEvent):
    city: str
    state: str
    created: int
    updated: int
    by: str


@dataclass(frozen=True, kw_only=True)
class HelplineReassigned(DomainEvent):
    number_kind: str  # women | general | whatsapp | bulk
    station_id: int | None
    from_station_id: int | None
    bulk: int = 0
