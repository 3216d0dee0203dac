"""Times as people read them: in the city's time zone (Asia/Kolkata unless the settings say otherwise)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Kolkata"


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or DEFAULT_ZONE)


def to_local(value: datetime, zone_name: str = DEFAULT_ZONE) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: Suraksha only handles UTC-aware times")
    return value.astimezone(zone(zone_name))


def clock_time(value: datetime, zone_name: str = DEFAULT_ZONE) -> str:
    """'14:05' in the city's time."""
    return to_local(value, zone_name).strftime("%H:%M")


def date_time(value: datetime, zone_name: str = DEFAULT_ZONE) -> str:
    """'22 Nov 2026, 14:05 IST' in the city's time."""
    local = to_local(value, zone_name)
    return f"{local.day} {local.strftime('%b %Y, %H:%M')} {local.tzname()}"
