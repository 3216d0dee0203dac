"""The web form's one table: each form token used, with a keyed digest of what was sent under it, so that the retry
of a submission is answered again while another submission under the same token is refused (`guard`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Engine, Index, String, Table, delete, insert, select
from sqlalchemy.exc import IntegrityError

from suraksha.adapters.db import UtcDateTime, metadata

web_form_uses = Table(
    "web_form_uses",
    metadata,
    Column("nonce", String(24), primary_key=True),  # the form token's nonce
    Column("digest", String(64), nullable=False),  # keyed digest of the submission (guard.submission_digest)
    Column("used_at", UtcDateTime, nullable=False),
    Index("ix_web_form_uses_used_at", "used_at"),
)


def claim(engine: Engine, nonce: str, digest: str, now: datetime) -> bool:
    """Take the token for this submission: True the first time, and again for the same submission (a retry); False
    when the token was used for a different one."""
    try:
        with engine.begin() as conn:
            conn.execute(insert(web_form_uses).values(nonce=nonce, digest=digest, used_at=now))
        return True
    except IntegrityError:
        with engine.connect() as conn:
            stored = conn.execute(select(web_form_uses.c.digest).where(web_form_uses.c.nonce == nonce)).scalar()
        return stored == digest


def forget_before(engine: Engine, before: datetime) -> int:
    """Tokens used before this can no longer come back (they have expired): their rows go."""
    with engine.begin() as conn:
        return conn.execute(delete(web_form_uses).where(web_form_uses.c.used_at < before)).rowcount or 0
