"""SMS providers behind one interface: the console (development, demo, tests) and Twilio's REST API."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx

from suraksha.core.phones import mask
from suraksha.messaging.model import PROVIDER_TIMEOUT_S, TransportError

log = logging.getLogger("suraksha.messaging")
_NUMBER = re.compile(r"\+?\d[\d\s-]{5,}\d")
FIND_PAGE = 50  # the newest messages to her looked through for one in doubt
CLOCK_SKEW = timedelta(seconds=60)  # Twilio's clock against ours, and its creation second against our claim


class SmsProvider(Protocol):
    name: str

    def send(self, to: str, body: str) -> str:
        """Hand the message over; returns the provider's reference. Raises TransportError."""

    def find(self, to: str, body: str, since: datetime) -> str | None:
        """The reference of this message if the provider took it at `since` or later, else None: asked when an
        attempt is in doubt (its sender died before recording the answer). Raises TransportError when it cannot
        tell."""


class ConsoleProvider:
    """Sends nothing: logs the message (number masked). The outbound_messages table is the record."""

    name = "console"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self._refs: dict[tuple[str, str], str] = {}

    def send(self, to: str, body: str) -> str:
        ref = f"console-{uuid.uuid4().hex[:16]}"
        self.sent.append((to, body))
        self._refs[(to, body)] = ref
        log.info("SMS to %s: %s", mask(to), body)
        return ref

    def find(self, to: str, body: str, since: datetime) -> str | None:
        """What this process handed over; a console in another process, or before a restart, is not known."""
        return self._refs.get((to, body))


class TwilioProvider:
    """Twilio Programmable Messaging: POST /2010-04-01/Accounts/{sid}/Messages.json with basic auth."""

    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, sender: str, base_url: str = "https://api.twilio.com",
                 transport: httpx.BaseTransport | None = None, timeout: float = PROVIDER_TIMEOUT_S) -> None:
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._sender = sender
        self._client = httpx.Client(auth=(account_sid, auth_token), transport=transport, timeout=timeout)

    def send(self, to: str, body: str) -> str:
        try:
            resp = self._client.post(self._url, data={"To": to, "From": self._sender, "Body": body})
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # the request never left
            raise TransportError(f"Twilio unreachable: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:  # it may have arrived, and the answer was lost
            raise TransportError(f"Twilio's answer lost: {type(exc).__name__}", maybe_sent=True) from None
        if resp.status_code in (200, 201):
            return str(resp.json().get("sid", ""))
        detail = _twilio_error(resp)
        permanent = 400 <= resp.status_code < 500 and resp.status_code not in (408, 429)
        raise TransportError(f"Twilio answered {resp.status_code}: {detail}", permanent=permanent)

    def find(self, to: str, body: str, since: datetime) -> str | None:
        """Twilio's list of messages to her from our number, newest first (GET …/Messages.json?To=&From=): the one
        with this body created at `since` or later. Twilio keeps no key of ours on a message, so the body is the
        match; every message to her carries its incident's tracking number, so two different ones do not share it."""
        try:
            resp = self._client.get(self._url, params={"To": to, "From": self._sender, "PageSize": FIND_PAGE})
        except httpx.HTTPError as exc:
            raise TransportError(f"Twilio unreachable: {type(exc).__name__}") from None
        if resp.status_code != 200:
            raise TransportError(f"Twilio answered {resp.status_code}: {_twilio_error(resp)}")
        try:
            found = resp.json().get("messages") or []
            for message in found:
                created = parsedate_to_datetime(str(message.get("date_created") or ""))
                if message.get("body") == body and created >= since - CLOCK_SKEW:
                    return str(message.get("sid", ""))
        except (ValueError, TypeError, AttributeError):
            raise TransportError("Twilio's list of messages could not be read") from None
        return None


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
