"""Incidents and inbound messages: plain rules for reading a location out of a message and for statuses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import unquote

from suraksha.core.geo import Point


class IncidentStatus(StrEnum):
    NEW = "new"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLOSED = "closed"


OPEN_STATUSES = (IncidentStatus.NEW, IncidentStatus.DISPATCHED, IncidentStatus.EN_ROUTE, IncidentStatus.ON_SCENE)
OPEN_STATUS_VALUES = [s.value for s in OPEN_STATUSES]  # as stored, for queries


@dataclass(frozen=True)
class InboundSms:
    """One message as the provider delivered it."""

    provider: str
    provider_id: str  # Twilio MessageSid: the de-duplication key
    sender: str  # E.164
    to: str  # E.164: which helpline was written to
    body: str
    received_at: datetime
    num_media: int = 0
    latitude: float | None = None  # WhatsApp-over-Twilio shares a location as fields
    longitude: float | None = None


_NUM = r"([-+]?\d{1,3}(?:\.\d+)?)"
_LOCATION_PATTERNS = [
    re.compile(rf"geo:{_NUM},{_NUM}", re.I),  # RFC 5870 geo URI: lat,lon
    re.compile(rf"[?&](?:q|query|ll|daddr|destination|center)=(?:loc:)?{_NUM}\s*,\s*{_NUM}", re.I),
    re.compile(rf"/@{_NUM},{_NUM}", re.I),  # google.com/maps/@lat,lon,zoom
    re.compile(rf"/maps/(?:search|place|dir)/(?:[^/\s]*/)?{_NUM},\s*{_NUM}", re.I),
    re.compile(rf"#map=\d+/{_NUM}/{_NUM}", re.I),  # openstreetmap.org/#map=z/lat/lon
    re.compile(r"(?<![\d.])(\d{1,2}\.\d{3,})\s*[,;]\s*(\d{2,3}\.\d{3,})(?![\d.])"),  # bare "19.0760, 72.8777"
]
_OSM_MARKER = re.compile(rf"mlat={_NUM}&mlon={_NUM}", re.I)


_MAYBE_COORDINATES = re.compile(r"\d[.,]\d|%2C", re.I)  # every form below has a decimal number


def parse_location(body: str) -> Point | None:
    """A location in the text: a geo: URI, a maps link with coordinates, or a bare 'lat, lon' pair."""
    if not body or not _MAYBE_COORDINATES.search(body):
        return None
    text = unquote(body)
    for pattern in [*_LOCATION_PATTERNS[:1], _OSM_MARKER, *_LOCATION_PATTERNS[1:]]:
        m = pattern.search(text)
        if m:
            point = _point(m.group(1), m.group(2))
            if point:
                return point
    return None


def _point(lat_text: str, lon_text: str) -> Point | None:
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return Point(lon, lat)


def response_seconds(received_at: datetime, arrived_at: datetime) -> int:
    """Response time = arrival of the first unit - receipt of the first message."""
    return max(0, int((arrived_at - received_at).total_seconds()))
