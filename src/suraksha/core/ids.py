"""Identifiers a citizen reads out: short, unambiguous, not guessable."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L: these are read aloud over the phone and typed on keypads.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


_BASE = len(TRACKING_ALPHABET)
_SPACE = _BASE**8


def new_tracking_number() -> str:
    """Eight random characters (~40 bits) as XXXX-XXXX, from one draw of the system's random source."""
    n = secrets.randbelow(_SPACE)
    chars = []
    for _ in range(8):
        n, digit = divmod(n, _BASE)
        chars.append(TRACKING_ALPHABET[digit])
    return f"{''.join(chars[:4])}-{''.join(chars[4:])}"


def normalise_tracking_number(text: str) -> str:
    """Accept what a person types: lower case, spaces, missing dash."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else text.strip().upper()
