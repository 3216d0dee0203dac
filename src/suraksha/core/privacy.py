"""Victims' contact details at rest: sealed (encrypted) for storage, fingerprinted (keyed hash) for matching."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "g1:"  # AES-256-GCM, 96-bit random nonce, base64url(nonce + ciphertext + tag)


class Sealer:
    """Encrypts contact details with a key derived from the secret key; a keyed hash finds them again."""

    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(hashlib.sha256(b"suraksha-seal:" + secret.encode()).digest())
        self._hmac_key = hashlib.sha256(b"suraksha-fingerprint:" + secret.encode()).digest()

    def seal(self, plain: str) -> str:
        nonce = os.urandom(12)
        return VERSION + base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, plain.encode(), None)).decode()

    def unseal(self, sealed: str) -> str:
        try:
            if not sealed.startswith(VERSION):
                raise ValueError("unknown sealing version")
            raw = base64.urlsafe_b64decode(sealed[len(VERSION):])
            return self._aead.decrypt(raw[:12], raw[12:], None).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise ValueError("sealed value cannot be opened with this key") from None

    def fingerprint(self, plain: str) -> str:
        return hmac.new(self._hmac_key, plain.encode(), hashlib.sha256).hexdigest()
