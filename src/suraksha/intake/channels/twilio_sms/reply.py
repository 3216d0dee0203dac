"""The answer Twilio relays to her: TwiML, as Twilio's own builder writes it."""

from __future__ import annotations

from xml.sax.saxutils import escape

CHANNEL = "twiml-reply"  # how the outbound-message record names a reply sent this way


def twiml_reply(text: str) -> str:
    """<Response><Message>text</Message></Response>, as Twilio's TwiML builder writes it."""
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(text)}</Message></Response>'
