"""WhatsApp Cloud API deliveries in the shape of Meta's documented examples (developers.facebook.com, WhatsApp
Business Platform, webhooks reference: messages, text, location, image, audio, interactive, status, group), signed
as Meta signs them (X-Hub-Signature-256: sha256= hex HMAC-SHA256 of the raw body with the app secret)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json

import httpx

from tests.conftest import HOME_WHATSAPP_ID, WHATSAPP_SECRET

WABA_ID = "102290129340398"  # the WhatsApp Business Account of the documented example
_ids = itertools.count(1)


def wamid() -> str:
    """A message id as Meta writes them (wamid. and a base64 string)."""
    return f"wamid.HBgLOTE5ODIwMDEyMzQ1FQIAEhgUM0E{next(_ids):012d}RgA="


def message(kind: str = "text", sender: str = "919820012345", **content) -> dict:
    """One inbound message: `text` (body=…), `location` (latitude=, longitude=, name=, address=), `image`/`audio`
    (id=, mime_type=, caption=), `interactive` (button_reply={id, title}), `reaction`, or any other type."""
    m = {"from": sender, "id": content.pop("id", None) or wamid(), "timestamp": "1749416383", "type": kind}
    if kind == "text":
        m["text"] = {"body": content.pop("body", "Help me")}
    elif content:
        m[kind] = content
    return m


def change(messages=(), statuses=(), phone_number_id: str = HOME_WHATSAPP_ID, names=("Sheena Nelson",)) -> dict:
    value: dict = {"messaging_product": "whatsapp",
                   "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id}}
    if messages:
        value["contacts"] = [{"profile": {"name": names[0]}, "wa_id": m["from"]} for m in messages]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"value": value, "field": "messages"}


def delivery(*changes: dict, entries: int = 1) -> dict:
    """Meta's envelope; with entries > 1 the changes are spread over that many entries."""
    groups = [list(changes[i::entries]) for i in range(entries)]
    return {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": group} for group in groups if group]}


def status(message_id: str, state: str = "delivered", recipient: str = "919820012345", ours: str = "",
           error: dict | None = None) -> dict:
    s: dict = {"id": message_id, "status": state, "timestamp": "1750263773", "recipient_id": recipient}
    if state in ("sent", "delivered", "read"):
        s["conversation"] = {"id": "4fa3a3d9a1c4a0b3c1e5c0d1b7f0e0a1", "origin": {"type": "service"}}
        s["pricing"] = {"billable": False, "pricing_model": "PMP", "category": "service", "type": "free_customer_service"}
    if ours:
        s["biz_opaque_callback_data"] = ours
    if error:
        s["errors"] = [error]
    return s


def signature(body: bytes, secret: str = WHATSAPP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WhatsAppSender:
    """Posts deliveries to /webhooks/whatsapp as Meta does: the JSON bytes, signed."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def post_bytes(self, body: bytes, sig: str | None = None) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if sig != "":
            headers["X-Hub-Signature-256"] = sig if sig is not None else signature(body)
        return self.http.post("/webhooks/whatsapp", content=body, headers=headers)

    def post(self, doc: dict, sig: str | None = None) -> httpx.Response:
        return self.post_bytes(json.dumps(doc).encode(), sig)

    def send(self, *messages: dict, phone_number_id: str = HOME_WHATSAPP_ID) -> httpx.Response:
        return self.post(delivery(change(messages, phone_number_id=phone_number_id)))
