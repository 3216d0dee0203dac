"""X-Hub-Signature-256: Meta's signature of a webhook delivery, checked in constant time before the body is read."""

from __future__ import annotations

import hashlib
import hmac

from suraksha.core.errors import BadSignature

PREFIX = "sha256="


def signature_of(app_secret: str, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of the raw body, keyed with the app secret: Meta's documented scheme."""
    return PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(app_secret: str, body: bytes, header: str) -> None:
    """The header must be the signature of exactly these bytes; nothing is parsed or stored before this passes."""
    if not app_secret or not header or not hmac.compare_digest(signature_of(app_secret, body).encode(),
                                                               header.strip().lower().encode()):
        raise BadSignature("the X-Hub-Signature-256 does not match", code="bad_signature")
