"""Tables for staff accounts and API tokens."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Integer, String, Table

from suraksha.adapters.db import UtcDateTime, metadata

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(32), nullable=False),
    Column("scope_kind", String(16), nullable=False),
    Column("scope_value", String(64), nullable=False, server_default=""),
    Column("unit_id", Integer, nullable=True),  # a responder's unit, if any
    Column("is_demo", Boolean, nullable=False, server_default="0"),
    Column("disabled", Boolean, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    # Two-step sign-in: the authenticator's secret, sealed; set up once a first code has been accepted.
    Column("totp_secret_sealed", String(255), nullable=True),
    Column("totp_enabled_at", UtcDateTime, nullable=True),
    Column("totp_last_step", BigInteger, nullable=True),  # the last 30 s step accepted: a code is good once
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Web sessions live here, not in the cookie: the cookie carries only a random id (hashed here), so signing out,
# a password change or an administrator ends a session at once, on every server.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),  # the absolute end, whatever the activity
)

# Consecutive failed sign-ins per account ("account:NAME") and per address ("address:IP"); cleared by a success.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UtcDateTime, nullable=False),
    Column("blocked_until", UtcDateTime, nullable=True),
    Column("locked", Boolean, nullable=False, server_default="0"),  # lifted only by an administrator
)

# Single-use recovery codes for when the authenticator is lost; only a keyed hash is kept.
recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)
