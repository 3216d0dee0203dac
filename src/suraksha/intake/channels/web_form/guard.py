"""What keeps machines off the public help form without a third-party captcha (docs/adr/0012): plain rules, no
framework, no clock of their own (the caller passes the injected clock's now).

- A **form token**, signed by the server (HMAC-SHA256 under a key derived from the secret key) and short-lived:
  `NONCE.ISSUED.MAC`. A forged or altered token fails its MAC; an old one has expired; one used for a different
  submission is refused by the store (`store.claim`), while the retry of the same submission is answered again.
- A **minimum fill time**: a person does not send a form within seconds of opening it.
- A small **proof of work**: the page's script finds a number `proof` such that SHA-256 of `TOKEN:proof` starts
  with `bits` zero bits (about 2^bits hashes, a second or two on a cheap phone; one hash for us to check).
- A **honeypot** field, hidden from people and from screen readers, that a form-filling robot fills.
- A **per-client rate limit** (`RateLimit`): a sliding window per address, in this process.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime

TOKEN = re.compile(r"^([0-9a-f]{24})\.(\d{1,12})\.([0-9a-f]{32})$")
PROOF = re.compile(r"^\d{1,12}$")
CLOCK_SKEW_SECONDS = 60  # a token "issued" further ahead than this was not issued by us


class TokenProblem(Exception):
    """Why a token is refused: `bad` (forged, altered, not ours), `expired`, `too_fast` (with seconds to wait)."""

    def __init__(self, reason: str, wait: int = 0) -> None:
        super().__init__(reason)
        self.reason, self.wait = reason, wait


@dataclass(frozen=True)
class FormToken:
    nonce: str  # the submission's key: one token, one incident
    issued: int  # UNIX seconds


def form_key(secret_key: str) -> bytes:
    """The form's own key, derived from the secret key (so that a form token cannot stand in for anything else)."""
    return hmac.new(secret_key.encode(), b"suraksha web form tokens v1", hashlib.sha256).digest()


def _mac(key: bytes, nonce: str, issued: int) -> str:
    return hmac.new(key, f"{nonce}.{issued}".encode(), hashlib.sha256).hexdigest()[:32]


def issue(key: bytes, now: datetime) -> str:
    nonce, issued = secrets.token_hex(12), int(now.timestamp())
    return f"{nonce}.{issued}.{_mac(key, nonce, issued)}"


def check(key: bytes, token: str, now: datetime, life_seconds: int, min_fill_seconds: int) -> FormToken:
    """The token's nonce if it is ours, not expired, and not sent sooner than a person could; else TokenProblem."""
    m = TOKEN.match(token or "")
    if m is None:
        raise TokenProblem("bad")
    nonce, issued = m.group(1), int(m.group(2))
    if not hmac.compare_digest(m.group(3), _mac(key, nonce, issued)):
        raise TokenProblem("bad")
    age = now.timestamp() - issued
    if age < -CLOCK_SKEW_SECONDS:
        raise TokenProblem("bad")
    if age > life_seconds:
        raise TokenProblem("expired")
    if age < min_fill_seconds:
        raise TokenProblem("too_fast", wait=max(1, int(min_fill_seconds - age + 0.999)))
    return FormToken(nonce, issued)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def proof_ok(token: str, proof: str, bits: int) -> bool:
    """SHA-256(`TOKEN:proof`) starts with `bits` zero bits (what the page's script found with crypto.subtle)."""
    if not PROOF.match(proof or ""):
        return False
    return leading_zero_bits(hashlib.sha256(f"{token}:{proof}".encode()).digest()) >= bits


def solve(token: str, bits: int) -> str:
    """The page's work, done here (tests, a client without the page's script)."""
    n = 0
    while not proof_ok(token, str(n), bits):
        n += 1
    return str(n)


def submission_digest(key: bytes, fields: dict) -> str:
    """A keyed digest of what was sent, to tell the retry of a submission from another one under the same token
    (keyed: her words are not recoverable from it)."""
    text = "\x1f".join(f"{k}={fields[k]!s}" for k in sorted(fields))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


class RateLimit:
    """At most `limit` requests per `window_seconds` from one client address, in this process. Safe across threads."""

    def __init__(self, limit: int, window_seconds: int) -> None:
        self.limit, self.window = limit, window_seconds
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, address: str, now: datetime) -> int:
        """Count one request; 0 when allowed, else the seconds until the next one would be."""
        t = now.timestamp()
        with self._lock:
            times = self._seen.setdefault(address, deque())
            while times and times[0] <= t - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return max(1, int(times[0] + self.window - t + 0.999))
            times.append(t)
            if len(self._seen) > 10_000:  # forget addresses with nothing in their window
                for a in [a for a, q in self._seen.items() if not q or q[-1] <= t - self.window]:
                    del self._seen[a]
            return 0

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
