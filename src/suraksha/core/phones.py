"""Phone numbers: E.164 validation with `phonenumbers`, and masking for anything a log might show."""

from __future__ import annotations

import phonenumbers

from suraksha.core.errors import InvalidInput

DEFAULT_REGION = "IN"


def to_e164(text: str, region: str = DEFAULT_REGION) -> str:
    """'+91 98200 12345', '098200 12345', 'whatsapp:+9198…' -> '+919820012345'; refuses invalid numbers."""
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
