"""Phone numbers: E.164 validation with `phonenumbers`, and masking for anything a log might show."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from suraksha.core.errors import InvalidInput

DEFAULT_REGION = "IN"
# What a provider sends for an Indian mobile: already E.164. phonenumbers agrees that these are valid,
# and checking the shape is much cheaper than parsing (every inbound message has a sender).
_INDIAN_MOBILE_E164 = re.compile(r"\+91[6-9]\d{9}")


def to_e164(text: str, region: str = DEFAULT_REGION) -> str:
    """'+91 98200 12345', '098200 12345', 'whatsapp:+9198…' -> '+919820012345'; refuses invalid numbers."""
    if text and _INDIAN_MOBILE_E164.fullmatch(text):
        return text
    return _parse(text, region)


@lru_cache(maxsize=4096)
def _parse(text: str, region: str) -> str:
    raw = (text or "").strip()
    if raw.lower().startswith(("whatsapp:", "tel:", "sms:")):
        raw = raw.split(":", 1)[1]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput("not a phone number", code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("not a valid phone number", code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(number: str | None) -> str:
    """Keep only the last two digits: safe for logs and screens without need-to-know."""
    if not number:
        return "-"
    digits = [c for c in number if c.isdigit()]
    return "+" + "•" * max(0, len(digits) - 2) + "".join(digits[-2:])
