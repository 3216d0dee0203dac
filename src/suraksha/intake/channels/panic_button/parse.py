"""A panic button's alert (an app or a safety device, through its gateway), made into a channel-neutral Contact.

The alert carries the device, where she is (with the fix's accuracy), its battery, the device's time, and may carry
her phone number and a reference to media the device recorded. The device's id and its time are the alert's key:
the gateway's retry of one alert is recognised; a new press, or the device reporting again as she moves, is a new
contact, which joins her open incident within the follow-up window and moves it (`incidents.model.MOVING_CHANNELS`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from suraksha.core.geo import Point
from suraksha.incidents.model import NO_NUMBER as DEVICE_ONLY  # no number of hers: her app shows the status
from suraksha.intake.model import Contact

CHANNEL = "sos"
REPLY = "sos-response"  # the answer goes back in the API's response: recorded as sent
RECEIVING = "sos"  # no helpline number: the station is the one that covers where she is


@dataclass(frozen=True)
class Alert:
    device_id: str
    lat: float
    lon: float
    at: datetime  # the device's time of the press or the fix (UTC-aware)
    accuracy_m: float | None = None
    battery_pct: int | None = None
    phone: str | None = None  # E.164, when the app knows her number
    media: str | None = None  # a reference to what the device recorded (a URL or the app's media id)
    language: str | None = None  # en, hi, mr: the app's language, for what she is told


def to_contact(alert: Alert, gateway: str, received_at: datetime) -> Contact:
    """`gateway`: the integration account that sent it (the provider)."""
    words = "SOS: panic button pressed"
    if alert.battery_pct is not None:
        words += f" (battery {alert.battery_pct}%)"
    key = hashlib.sha256(f"{alert.device_id}|{alert.at.isoformat()}".encode()).hexdigest()[:48]
    return Contact(
        channel=CHANNEL, provider=gateway[:16], provider_id=f"sos:{key}",
        sender=alert.phone or f"device:{alert.device_id}", receiving=RECEIVING if alert.phone else DEVICE_ONLY,
        text=words, received_at=received_at, location=Point(alert.lon, alert.lat), accuracy_m=alert.accuracy_m,
        media=(alert.media,) if alert.media else (), num_media=1 if alert.media else 0, language=alert.language,
        reply_via=REPLY)
