"""Places a person may type to find the station that covers them: the post offices of the shipped cities (India
Post's pincode directory, `data/places/post_offices.csv`), by locality name in Latin or Devanagari, or by PIN code.
Post-office points are approximate (India Post's own coordinates): good enough to name a station, not to
dispatch."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

from suraksha.core.geo import Point, haversine_m
from suraksha.core.scripts import has_devanagari, to_latin

POST_OFFICES = Path(__file__).resolve().parent.parent / "data" / "places" / "post_offices.csv"
PIN_CODE = re.compile(r"\d{6}")
SCORE_CUTOFF = 85  # a Latin spelling; a Devanagari one read in Latin letters is looser (पवई: pavai ~ powai)
SCORE_CUTOFF_DEVANAGARI = 75


@dataclass(frozen=True)
class Locality:
    city: str
    pincode: str
    name: str
    lat: float
    lon: float


@cache
def _all() -> tuple[Locality, ...]:
    with POST_OFFICES.open(encoding="utf-8", newline="") as f:
        return tuple(Locality(r["city"], r["pincode"], r["place"], float(r["lat"]), float(r["lon"]))
                     for r in csv.DictReader(f))


def in_city(city: str) -> tuple[Locality, ...]:
    """Every locality (post office) of a shipped city; none for a city imported without them."""
    return tuple(p for p in _all() if p.city == city)


def find(text: str, city: str | None = None, limit: int = 3) -> list[Locality]:
    """Localities called like the text (or with that PIN code), best first."""
    pool = [p for p in _all() if city is None or p.city == city]
    typed = " ".join(text.split())
    if PIN_CODE.fullmatch(typed):
        return [p for p in pool if p.pincode == typed][:limit]
    q = to_latin(typed)
    if len(q) < 3:
        return []
    starts = [p for p in pool if to_latin(p.name).startswith(q)]
    if starts:
        return sorted(starts, key=lambda p: (len(p.name), p.name))[:limit]
    choices = {i: to_latin(p.name) for i, p in enumerate(pool)}
    cutoff = SCORE_CUTOFF_DEVANAGARI if has_devanagari(typed) else SCORE_CUTOFF
    found = process.extract(q, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)
    return [pool[k] for _, _, k in found]


def nearest(lat: float, lon: float, city: str | None = None, within_m: float = 1500.0) -> Locality | None:
    """The locality (post office) nearest to a point, if one is within `within_m`: a name for a place that says
    roughly where it is and no more (a volunteer's alert names it instead of her place)."""
    here = Point(lon, lat)
    best = min(((haversine_m(here, Point(p.lon, p.lat)), p) for p in _all() if city is None or p.city == city),
               key=lambda x: x[0], default=None)
    return best[1] if best is not None and best[0] <= within_m else None
