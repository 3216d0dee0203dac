"""Stations' names in Hindi and Marathi, shipped for the cities we know them for
(`data/jurisdictions/station_names_hi_mr.csv`: city, name, name_hi, name_mr). An import fills them in, so do the
migration that added the columns."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

NAMES_FILE = Path(__file__).resolve().parent.parent / "data" / "jurisdictions" / "station_names_hi_mr.csv"


@cache
def known() -> dict[tuple[str, str], tuple[str, str]]:
    """(city, name) -> (name in Hindi, name in Marathi)."""
    with NAMES_FILE.open(encoding="utf-8", newline="") as f:
        return {(r["city"], r["name"]): (r["name_hi"], r["name_mr"]) for r in csv.DictReader(f)}


def for_station(city: str, name: str) -> tuple[str | None, str | None]:
    hi, mr = known().get((city, name), ("", ""))
    return hi or None, mr or None
