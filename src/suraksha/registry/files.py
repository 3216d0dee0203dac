"""Photos and fingerprint cards of registered persons, kept as files named by their sha256."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from suraksha.core.errors import InvalidInput, NotFound

MAX_FILE = 10 * 1024 * 1024


class FileStore:
    """Content-addressed files: the same bytes are stored once; the database keeps only the hash."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise InvalidInput("not a sha256", code="invalid_file_ref")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        if not data or len(data) > MAX_FILE:
            raise InvalidInput(f"a file must have 1 byte to {MAX_FILE // 2**20} MB", code="invalid_file")
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return digest

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        if not path.exists():
            raise NotFound("no such file", code="file_not_found")
        return path.read_bytes()

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)
