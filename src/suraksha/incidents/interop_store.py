"""Tables of incidents between control rooms (EIDO): the partner agencies an administrator keeps, the audit of every
export, and each imported document with the incident it became (the sender's identifiers kept)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table

from suraksha.adapters.db import UtcDateTime, metadata

# Agencies this control room exchanges incidents with. Only those with `may_receive_victim_details` are sent her
# name, numbers and words (and staff notes, which may name her); to any other agency the person carries no identity.
partner_agencies = Table(
    "partner_agencies",
    metadata,
    Column("agency_id", String(128), primary_key=True),  # as in EIDO agency components: e.g. "thane.police.mh.in"
    Column("name", String(200), nullable=False),
    Column("may_receive_victim_details", Boolean, nullable=False, server_default="0"),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

# Every export, allowed details or not: who, when, which incident, to which agency, with or without her details.
eido_exports = Table(
    "eido_exports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("account_id", Integer, nullable=False),
    Column("username", String(64), nullable=False),
    Column("to_agency", String(128), nullable=True),  # None: no receiving agency named
    Column("victim_details", Boolean, nullable=False),
    Index("ix_eido_exports_incident_at", "incident_id", "at"),
)

# One row per imported document: its id is the key that makes importing it again return the same incident.
eido_imports = Table(
    "eido_imports",
    metadata,
    Column("eido_id", String(256), primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False, unique=True),
    Column("sender_agency", String(256), nullable=False),
    Column("sender_tracking", String(256), nullable=True),  # the sender's own incident id (internalIncidentId)
    Column("digest", String(64), nullable=False),  # SHA-256 of the document as first imported
    Column("imported_at", UtcDateTime, nullable=False),
    Column("imported_by", String(64), nullable=False),
)
