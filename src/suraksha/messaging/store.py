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
    Column("provider_ref", String(64), nullable=True, index=True),
    Column("via", String(32), nullable=True),  # the channel's sending identity (a WhatsApp phone number id)
    # what the provider reported afterwards (WhatsApp's statuses: sent, delivered, read, failed), and when
    Column("delivery_status", String(16), nullable=True),
    Column("delivery_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Index("ix_outbound_messages_due", "status", "next_attempt_at"),
)


# When she last wrote on a channel that limits free replies to a window after her message (WhatsApp: 24 hours),
# by her number's keyed hash and the channel's identity she wrote to.
conversation_windows = Table(
    "conversation_windows",
    metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("via", String(32), primary_key=True),
    Column("last_heard_at", UtcDateTime, nullable=False),
)
