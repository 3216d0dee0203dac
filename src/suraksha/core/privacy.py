"""Victims' contact details at rest: sealed (encrypted) for storage, fingerprinted (keyed hash) for matching."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    """Encrypts contact details with a key derived from the secret key; a keyed hash finds them again."""

    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(b"suraksha-seal:" + secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._hmac_key = hashlib.sha256(b"suraksha-fingerprint:" + secret.encode()).digest()

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def unseal(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise ValueError("sealed value cannot be opened with this key") from None

    def fingerprint(self, plain: str) -> str:
        return hmac.new(self._hmac_key, plain.encode(), hashlib.sha256).hexdigest()
