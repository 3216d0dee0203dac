"""Victims' details at rest: sealed (encrypted) for storage, fingerprinted (keyed hash) for matching.

Sealing keys rotate. A key ring (`SURAKSHA_SEAL_KEYS`: `id=secret` entries, newest first, read by
`settings.parse_key_ring`) seals every new value with its newest key and opens values sealed with any key in it;
without a ring, the key derived from the secret key seals, as it always has. Values sealed by the secret key's key
(`g1:`) stay readable whatever the ring, so turning a ring on loses nothing; a re-seal step moves old values to the
newest key (`needs_reseal`, `reseal`), after which an old key can be dropped from the ring. Fingerprints do not
rotate: they are how the same number is found again, so they stay keyed by the secret key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "g1:"  # AES-256-GCM with the secret key's key, 96-bit random nonce, base64url(nonce + ciphertext + tag)
RING_VERSION = "g2:"  # the same with a key of the ring: "g2:<key id>:" + base64url(nonce + ciphertext + tag)
LEGACY_KEY_ID = ""  # the key derived from the secret key (values written "g1:")
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def _aead(material: bytes) -> AESGCM:
    return AESGCM(hashlib.sha256(material).digest())


class Sealer:
    """Encrypts victims' details with the newest key of the ring (or the secret key's key); opens values sealed
    with any key it holds; a keyed hash of the secret key finds the same value again."""

    def __init__(self, secret: str, keys: Sequence[tuple[str, str]] = ()) -> None:
        if any(not KEY_ID.match(key_id) for key_id, _ in keys):
            raise ValueError("a sealing key's id is 1-16 letters, digits, '-' or '_'")
        self._legacy = _aead(b"suraksha-seal:" + secret.encode())
        self._hmac_key = hashlib.sha256(b"suraksha-fingerprint:" + secret.encode()).digest()
        self._ring = {key_id: _aead(b"suraksha-seal-ring:" + key_id.encode() + b":" + key.encode())
                      for key_id, key in keys}
        self.newest = keys[0][0] if keys else LEGACY_KEY_ID  # the key every new value is sealed with

    def seal(self, plain: str) -> str:
        nonce = os.urandom(12)
        legacy = self.newest == LEGACY_KEY_ID
        box = (self._legacy if legacy else self._ring[self.newest]).encrypt(nonce, plain.encode(), None)
        prefix = VERSION if legacy else f"{RING_VERSION}{self.newest}:"
        return prefix + base64.urlsafe_b64encode(nonce + box).decode()

    def unseal(self, sealed: str) -> str:
        try:
            key_id = key_id_of(sealed)
            aead = self._legacy if key_id == LEGACY_KEY_ID else self._ring.get(key_id)
            if aead is None:
                raise ValueError("no such key in the ring")
            raw = base64.urlsafe_b64decode(sealed.rsplit(":", 1)[1])
            return aead.decrypt(raw[:12], raw[12:], None).decode()
        except (InvalidTag, binascii.Error, ValueError, IndexError):
            raise ValueError("sealed value cannot be opened with this key") from None

    def needs_reseal(self, sealed: str) -> bool:
        """Was this value sealed with another key than the newest (so that a re-seal moves it)?"""
        try:
            return key_id_of(sealed) != self.newest
        except ValueError:
            return False  # not a sealed value: nothing a re-seal can do

    def reseal(self, sealed: str) -> str:
        """The same value sealed with the newest key (ValueError if no key in the ring opens it)."""
        return sealed if not self.needs_reseal(sealed) else self.seal(self.unseal(sealed))

    def fingerprint(self, plain: str) -> str:
        return hmac.new(self._hmac_key, plain.encode(), hashlib.sha256).hexdigest()


def key_id_of(sealed: str) -> str:
    """Which key sealed a value: a ring key's id, or "" for the secret key's key (ValueError: not a sealed value)."""
    if sealed.startswith(VERSION):
        return LEGACY_KEY_ID
    if sealed.startswith(RING_VERSION):
        key_id, sep, _ = sealed[len(RING_VERSION):].partition(":")
        if sep and KEY_ID.match(key_id):
            return key_id
    raise ValueError("unknown sealing version")
