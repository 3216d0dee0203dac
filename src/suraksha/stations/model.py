"""Police stations and what a point on the map resolves to. Plain rules, no framework."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from suraksha.core.geo import Point


class Match(StrEnum):
    """How a point was resolved to a station's jurisdiction."""

    INSIDE = "inside"  # inside exactly one polygon
    OVERLAP = "overlap"  # inside several: one deterministic choice (smallest area, then lowest id)
    NEAREST = "nearest"  # in a gap: the nearest polygon within the configured distance
    NONE = "none"  # outside everything: the city control room takes it


class HelplineKind(StrEnum):
    WOMEN = "women"
    GENERAL = "general"


@dataclass(frozen=True)
class StationRef:
    """What the rest of Suraksha needs to know about a station."""

    id: int
    name: str
    city: str
    women_helpline: str | None
    general_number: str | None
    anchor: Point  # a point inside the polygon: where an incident of unknown location is shown
    state: str | None = None  # ISO 3166-2:IN code of the state or union territory (places table)
    name_hi: str | None = None  # the name in Hindi (Devanagari), where known
    name_mr: str | None = None  # the name in Marathi (Devanagari), where known

    def as_public_dict(self) -> dict:
        return {
            "id": self.id, "name": self.name, "city": self.city, "state": self.state,
            "women_helpline": self.women_helpline, "general_number": self.general_number,
            "name_hi": self.name_hi, "name_mr": self.name_mr,
        }

    def name_in(self, lang: str) -> str:
        """The station's name in a language: its Hindi or Marathi name where known, else its own."""
        return {"hi": self.name_hi, "mr": self.name_mr}.get(lang) or self.name


@dataclass(frozen=True)
class Resolution:
    station: StationRef | None
    match: Match
    distance_m: float = 0.0

    def as_dict(self) -> dict:
        station = self.station.as_public_dict() if self.station else None
        return {"station": station, "match": self.match.value, "distance_m": round(self.distance_m, 1)}


@dataclass
class FeatureReport:
    """What happened to one feature of an imported file."""

    index: int
    name: str | None
    status: str  # imported | repaired | merged | rejected
    reasons: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    city: str
    state: str = ""
    features: list[FeatureReport] = field(default_factory=list)
    overlaps: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def rejected(self) -> int:
        return sum(1 for f in self.features if f.status == "rejected")

    def as_dict(self) -> dict:
        return {
            "city": self.city, "state": self.state, "created": self.created, "updated": self.updated,
            "rejected": self.rejected,
            "features": [f.__dict__ for f in self.features], "overlaps": self.overlaps, "gaps": self.gaps,
        }


_GENERIC_SUFFIX = re.compile(r"\s+(?:police\s+station|p\.?\s?s\.?|पुलिस\s+(?:थाना|स्टेशन)|पोलीस\s+(?:ठाणे|स्टेशन))$", re.I)
_GENERIC_PREFIX = re.compile(r"^p\.?\s?s\.?\s+", re.I)


def place_name(station_name: str) -> str:
    """The place a station is named after: 'Colaba Police Station' -> 'Colaba', 'PS Sector 29' -> 'Sector 29',
    'कुलाबा पोलीस ठाणे' -> 'कुलाबा'."""
    name = station_name.strip()
    return _GENERIC_PREFIX.sub("", _GENERIC_SUFFIX.sub("", name)) or name
