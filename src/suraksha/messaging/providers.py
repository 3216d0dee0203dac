"""SMS providers behind one interface: the console (development, demo, tests) and Twilio's REST API."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Protocol

import httpx

from suraksha.core.phones import mask
from suraksha.messaging.model import TransportError

log = logging.getLogger("suraksha.messaging")
_NUMBER = re.compile(r"\+?\d[\d\s-]{5,}\d")


class SmsProvider(Protocol):
    name: str

    def send(self, to: str, body: str) -> str:
        """Hand the message over; returns the provider's reference. Raises TransportError."""


class ConsoleProvider:
    """Sends nothing: logs the message (number masked). The outbound_messages table is the record."""

    name = "console"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> str:
        self.sent.append((to, body))
        log.info("SMS to %s: %s", mask(to), body)
        return f"console-{uuid.uuid4().hex[:16]}"


class TwilioProvider:
    """Twilio Programmable Messaging: POST /2010-04-01/Accounts/{sid}/Messages.json with basic auth."""

    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, sender: str, base_url: str = "https://api.twilio.com",
                 transport: httpx.BaseTransport | None = None, timeout: float = 10.0) -> None:
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._sender = sender
        self._client = httpx.Client(auth=(account_sid, auth_token), transport=transport, timeout=timeout)

    def send(self, to: str, body: str) -> str:
        try:
            resp = self._client.post(self._url, data={"To": to, "From": self._sender, "Body": body})
        except httpx.HTTPError as exc:
            raise TransportError(f"Twilio unreachable: {type(exc).__name__}") from None
        if resp.status_code in (200, 201):
            return str(resp.json().get("sid", ""))
        detail = _twilio_error(resp)
        permanent = 400 <= resp.status_code < 500 and resp.status_code not in (408, 429)
        raise TransportError(f"Twilio answered {resp.status_code}: {detail}", permanent=permanent)


def _twilio_error(resp: httpx.Response) -> str:
    """The provider's reason, with any phone number in it blanked (it is kept and logged)."""
    try:
        data = resp.json()
        text = f"{data.get('code')} {data.get('message')}"
    except ValueError:
        text = resp.text[:200]
    return _NUMBER.sub("<number>", text)


def build_provider(settings) -> SmsProvider:
    if settings.sms_provider == "twilio":
        return TwilioProvider(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
                              settings.sms_sender, settings.twilio_api_base)
    return ConsoleProvider()
