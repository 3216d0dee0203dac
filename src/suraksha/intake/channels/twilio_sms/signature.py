"""X-Twilio-Signature: Twilio's documented scheme, checked in constant time against our public URL."""

from __future__ import annotations

import base64
import hashlib
import hmac

from suraksha.core.errors import BadSignature


def signature_of(auth_token: str, url: str, form: dict[str, str]) -> str:
    """Twilio's documented scheme: base64(HMAC-SHA1(auth token, URL + every key and value, sorted by key))."""
    data = url + "".join(k + form[k] for k in sorted(form))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def check_signature(auth_token: str, public_url: str, path: str, query: str, form: dict[str, str],
                    signature: str) -> None:
    """X-Twilio-Signature must match the URL Twilio called (our public URL) and the form it sent."""
    url = public_url.rstrip("/") + path + (f"?{query}" if query else "")
    if not signature or not hmac.compare_digest(signature_of(auth_token, url, form), signature):
        raise BadSignature("the X-Twilio-Signature does not match", code="bad_signature")
