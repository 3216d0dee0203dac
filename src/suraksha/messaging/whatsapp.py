"""WhatsApp providers behind the outbound-message interface: the console (development, demo, tests) and Meta's
Cloud API (`POST /{version}/{phone_number_id}/messages`, a bearer token).

WhatsApp lets a business answer with free text only within 24 hours of the person's last message to it (the
customer service window); outside it, only an approved template. A message to her outside the window goes as the
template `SURAKSHA_WHATSAPP_TEMPLATE`, whose one body parameter carries the message's own words (in her language).
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Protocol

import httpx

from suraksha.core.phones import mask
from suraksha.messaging.model import PROVIDER_TIMEOUT_S, TransportError

log = logging.getLogger("suraksha.messaging")
WINDOW_HOURS = 24
_NUMBER = re.compile(r"\+?\d[\d\s-]{7,}\d")  # a phone number in a provider's error text is blanked
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
# Meta's error codes that say "later" rather than "never": rate limits, a temporary outage
TRANSIENT_CODES = {4, 80007, 130429, 131000, 131016, 131026, 131048, 131056, 133004}


@dataclass(frozen=True)
class WhatsAppMessage:
    to: str  # E.164
    body: str
    via: str  # our WhatsApp phone number id that sends it (the one she wrote to)
    in_window: bool  # within 24 hours of her last message: free text; otherwise the template
    ref: str  # our reference, echoed back in the statuses (biz_opaque_callback_data)


class WhatsAppProvider(Protocol):
    name: str

    def send(self, message: WhatsAppMessage) -> str:
        """Hand the message over; returns Meta's message id (wamid). Raises TransportError."""


class ConsoleWhatsApp:
    """Sends nothing: logs the message (number masked). The outbound_messages table is the record."""

    name = "console"

    def __init__(self) -> None:
        self.sent: list[WhatsAppMessage] = []

    def send(self, message: WhatsAppMessage) -> str:
        self.sent.append(message)
        log.info("WhatsApp from %s to %s (%s): %s", message.via, mask(message.to),
                 "free text" if message.in_window else "template", message.body)
        return f"wamid.console-{uuid.uuid4().hex[:24]}"


class CloudApiWhatsApp:
    """Meta's WhatsApp Business Cloud API."""

    name = "whatsapp-cloud"

    def __init__(self, access_token: str, template: str, base_url: str = "https://graph.facebook.com",
                 version: str = "v21.0", transport: httpx.BaseTransport | None = None,
                 timeout: float = PROVIDER_TIMEOUT_S) -> None:
        self._base = f"{base_url.rstrip('/')}/{version}"
        self._template = template
        self._client = httpx.Client(headers={"Authorization": f"Bearer {access_token}"}, transport=transport,
                                    timeout=timeout)

    def payload(self, message: WhatsAppMessage) -> dict:
        """The request's JSON: free text inside her window, the template with her words outside it."""
        body: dict = {"messaging_product": "whatsapp", "recipient_type": "individual",
                      "to": message.to.removeprefix("+"), "biz_opaque_callback_data": message.ref}
        if message.in_window:
            return body | {"type": "text", "text": {"preview_url": False, "body": message.body}}
        language = "hi" if _DEVANAGARI.search(message.body) else "en"
        return body | {"type": "template", "template": {
            "name": self._template, "language": {"code": language},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": message.body}]}]}}

    def send(self, message: WhatsAppMessage) -> str:
        try:
            resp = self._client.post(f"{self._base}/{message.via}/messages", json=self.payload(message))
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # the request never left
            raise TransportError(f"WhatsApp unreachable: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:  # it may have arrived, and the answer was lost
            raise TransportError(f"WhatsApp's answer lost: {type(exc).__name__}", maybe_sent=True) from None
        if resp.status_code == 200:
            try:
                return str(resp.json()["messages"][0]["id"])
            except (ValueError, KeyError, IndexError, TypeError):
                raise TransportError("WhatsApp accepted the message without its id", maybe_sent=True) from None
        code, detail = _meta_error(resp)
        permanent = 400 <= resp.status_code < 500 and resp.status_code != 429 and code not in TRANSIENT_CODES
        raise TransportError(f"WhatsApp answered {resp.status_code}: {detail}", permanent=permanent)


def _meta_error(resp: httpx.Response) -> tuple[int | None, str]:
    """Meta's error code and title (no number or words of hers: Meta's errors carry neither)."""
    try:
        error = resp.json().get("error") or {}
        code = error.get("code")
        text = _NUMBER.sub("<number>", f"{code} {error.get('message', '')}")[:300]
        return (int(code) if code is not None else None), text
    except (ValueError, AttributeError, TypeError):
        return None, resp.text[:200]


def build_whatsapp(settings) -> WhatsAppProvider:
    if settings.whatsapp_provider == "cloud":
        return CloudApiWhatsApp(settings.whatsapp_access_token.get_secret_value(), settings.whatsapp_template,
                                settings.whatsapp_api_base, settings.whatsapp_api_version)
    return ConsoleWhatsApp()
