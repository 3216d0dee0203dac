"""What comes in: a contact on any channel, and plain rules for reading a location out of its text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from suraksha.core.geo import Point


@dataclass(frozen=True)
class Contact:
    """One message, call or alert as its channel delivered it. Channel-neutral: every channel makes these."""

    channel: str  # "sms" (later "whatsapp", "call", "sos", "web")
    provider: str  # who delivered it: "twilio"
    provider_id: str  # the provider's id for it: the de-duplication key (Twilio MessageSid)
    sender: str  # E.164 number (or a device id)
    receiving: str  # the number written to, or the channel's id (which helpline)
    text: str
    received_at: datetime
    location: Point | None = None  # a location the channel gave as fields (WhatsApp, a handset)
    accuracy_m: float | None = None  # its radius, when the channel says
    media: tuple[str, ...] = ()  # the provider's references to attached media
    num_media: int = 0
    language: str | None = None  # when the channel says (en, hi, mr); else it is read from the text
    reply_via: str = ""  # how the channel answers in its own response (TwiML), recorded as sent; "" if it does not
    # set by a person who took the contact (a call-taker), instead of the triage rules' reading of the text
    priority: int | None = None
    category: str | None = None
    noise_kind: str | None = None  # not genuine, as the person who took it said (a blank or silent call)
    urgent: bool = False  # she said it is an emergency now (the web form's "I need help now"): priority 1


_NUM = r"([-+]?\d{1,3}(?:\.\d+)?)"
_LOCATION_PATTERNS = [
    re.compile(rf"geo:{_NUM},{_NUM}", re.I),  # RFC 5870 geo URI: lat,lon
    # a handset's panic SMS (power button pressed three times): "SOS … Lat: 19.0760 Long: 72.8777", "Latitude=…,
    # Longitude=…", "lat 19.07 lng 72.87"
    re.compile(rf"\blat(?:itude)?\s*[:=]?\s*{_NUM}\s*[,;&/|]?\s*(?:lon|lng|long|longitude)\s*[:=]?\s*{_NUM}", re.I),
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
