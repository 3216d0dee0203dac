"""The registry's rules of lawful use: risk tiers and retention, stated purposes, identity hashing, the audit chain.

Plain Python: no framework imports, so these rules can be read and tested on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from suraksha.core.errors import InvalidInput

# Risk tier -> years the registration is kept after the last conviction or registration (None: for life).
RETENTION_YEARS: dict[int, int | None] = {1: 15, 2: 25, 3: None}
DEFAULT_TIER = 2
GENESIS = "0" * 64  # the "previous hash" of the first audit entry


class Purpose(StrEnum):
    """Why an officer searches the registry; every search states one."""

    INVESTIGATION = "investigation"
    STAFF_VERIFICATION = "staff_verification"
    OTHER = "other"


@dataclass(frozen=True)
class StatedPurpose:
    purpose: Purpose
    text: str = ""


def check_purpose(purpose: str | None, text: str | None = "") -> StatedPurpose:
    """A search needs a purpose; 'other' needs words too. Refused with the stable code `purpose_required`."""
    text = (text or "").strip()
    try:
        chosen = Purpose((purpose or "").strip())
    except ValueError:
        raise InvalidInput("state the purpose of this search: investigation, staff_verification or other",
                           code="purpose_required") from None
    if chosen is Purpose.OTHER and len(text) < 5:
        raise InvalidInput("describe the purpose of this search in a few words", code="purpose_required")
    return StatedPurpose(chosen, text[:500])


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def purge_due(tier: int, registered_on: date, conviction_dates: Iterable[date | None]) -> date | None:
    """When a registration must be deleted: retention counted from the last conviction or registration."""
    years = RETENTION_YEARS[tier]
    if years is None:
        return None
    start = max([registered_on, *(d for d in conviction_dates if d is not None)])
    return add_years(start, years)


def identity_key(secret: str) -> bytes:
    """The key for identity numbers, derived from the secret key and used for nothing else."""
    return hashlib.sha256(b"suraksha-registry-identity:" + secret.encode()).digest()


def normalise_identity(kind: str, number: str) -> tuple[str, str]:
    kind = re.sub(r"[^a-z0-9_]", "", kind.strip().lower())
    return kind, re.sub(r"[\s\-./]", "", number).upper()


def identity_hash(key: bytes, kind: str, number: str) -> str:
    """A keyed hash (HMAC-SHA256) of an identity number: finds equal numbers, never reveals them."""
    kind, number = normalise_identity(kind, number)
    return hmac.new(key, f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()


def canonical_json(entry: dict[str, Any]) -> str:
    """One spelling of an entry: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(previous: str, entry: dict[str, Any]) -> str:
    """sha256(previous hash + canonical JSON of the entry): changing any entry breaks every later link."""
    return hashlib.sha256((previous + canonical_json(entry)).encode()).hexdigest()


def first_broken_link(entries: Iterable[tuple[int, str, str, dict[str, Any]]], previous: str = GENESIS,
                      expected_seq: int = 1) -> int | None:
    """Sequence number of the first entry whose stored hashes do not follow from the chain, or None.

    `entries` are (seq, stored previous hash, stored hash, entry), in sequence order, from the start of the chain
    or, with `previous` and `expected_seq`, from after an entry already checked.
    """
    for seq, stored_prev, stored_hash, entry in entries:
        if seq != expected_seq or stored_prev != previous or chain_hash(previous, entry) != stored_hash:
            return seq
        previous, expected_seq = stored_hash, seq + 1
    return None
