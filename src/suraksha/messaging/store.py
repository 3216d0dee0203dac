"""The outbound message table: every message to a person, its attempts and its fate."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from suraksha.adapters.db import UtcDateTime, metadata

outbound_messages = Table(
    "outbound_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, nullable=True, index=True),
    Column("channel", String(16), nullable=False),  # sms | twiml-reply
    Column("kind", String(32), nullable=False),
    Column("to_sealed", Text, nullable=False),  # encrypted: never stored or logged in clear
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    # An attempt in progress: set by the sender's claim, cleared with the provider's answer. Still set once the
    # claim has lapsed, the attempt is in doubt, and the provider is asked before the message is sent again.
    Column("sending_since", UtcDateTime, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("provider_ref", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Index("ix_outbound_messages_due", "status", "next_attempt_at"),
)
