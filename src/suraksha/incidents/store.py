"""Tables of the incident's life: incidents, her contacts (sealed), each inbound message (sealed), the log of
everything that happened, and the maintained list of dispositions."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from suraksha.adapters.db import UtcDateTime, metadata

# The unassigned alarm's waits (a P1 still new): its first wait not alarmed yet; reopened. Literal SQL, the same in
# the partial indexes and in the queries, so that SQLite's planner sees that the index answers the query.
ALARM_FIRST_WAIT = "status = 'new' AND priority = 1 AND unassigned_alarm_at IS NULL"
ALARM_REOPENED = "status = 'new' AND priority = 1 AND reopened_at IS NOT NULL"

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tracking", String(9), nullable=False, unique=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=True, index=True),
    Column("city", String(64), nullable=True),
    Column("state", String(2), nullable=True, index=True),
    Column("channel", String(16), nullable=False),
    Column("helpline_kind", String(16), nullable=True),
    Column("language", String(8), nullable=True),
    Column("priority", Integer, nullable=False),
    Column("category", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("location_known", Boolean, nullable=False),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("location_accuracy_m", Float, nullable=True),
    Column("match", String(16), nullable=False),  # inside | nearest | overlap | none | helpline
    Column("proposed_lon", Float, nullable=True),  # a later location waiting for a dispatcher to accept it
    Column("proposed_lat", Float, nullable=True),
    Column("proposed_at", UtcDateTime, nullable=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("last_message_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("first_dispatched_at", UtcDateTime, nullable=True),
    Column("arrived_at", UtcDateTime, nullable=True),
    Column("response_seconds", Integer, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("disposition", String(200), nullable=True),  # the disposition's label when closed
    Column("disposition_code", String(32), nullable=True),
    Column("closed_by", String(64), nullable=True),
    Column("reopened_at", UtcDateTime, nullable=True),
    Column("unassigned_alarm_at", UtcDateTime, nullable=True),  # a P1's wait without a unit has alarmed
    Column("merged_into", String(9), nullable=True),  # status merged: the tracking number it was merged into
    # the housing society whose coordinator raised it (societies.id; its name as it was then, for the console)
    Column("society_id", Integer, nullable=True),
    Column("society_name", String(120), nullable=True),
    # Noise (docs/adr/0009): blank | silent | abusive | prank | test, marked by a person or the blank rule; null:
    # genuine. A noise incident is kept (never deleted) but is out of the dispatch queue and the alarm.
    Column("noise_kind", String(16), nullable=True),
    # What intake saw of this number when the incident opened: a blank or silent contact in the last hours (shown
    # first in the queue); earlier non-genuine incidents in the last days (shown, flagged: a person decides).
    Column("callback_after_blank", Boolean, nullable=False, server_default="0"),
    Column("repeat_noise", Boolean, nullable=False, server_default="0"),
    Index("ix_incidents_open_queue", "status", "priority", "received_at"),
    # The unassigned alarm's timer (IncidentService.alarm_unassigned): new P1s whose first wait has not alarmed,
    # and new P1s reopened. Its queries name these conditions in literal values, as the indexes do.
    Index("ix_incidents_alarm_due", "received_at",
          sqlite_where=text(ALARM_FIRST_WAIT), postgresql_where=text(ALARM_FIRST_WAIT)),
    Index("ix_incidents_p1_reopened", "reopened_at",
          sqlite_where=text(ALARM_REOPENED), postgresql_where=text(ALARM_REOPENED)),
)

incident_contacts = Table(
    "incident_contacts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),  # indexed by the unique below
    Column("channel", String(16), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # keyed hash of the number
    Column("phone_sealed", Text, nullable=False),
    Column("via", String(32), nullable=True),  # the channel's identity she wrote to (a WhatsApp phone number id)
    UniqueConstraint("incident_id", "fingerprint", name="uq_incident_contacts_incident_fingerprint"),
    # The follow-up lookup: her fingerprint leads straight to her incidents, without reading the table.
    Index("ix_incident_contacts_fingerprint_incident", "fingerprint", "incident_id"),
)

inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider", String(16), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("channel", String(16), nullable=False, server_default="sms"),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False, index=True),
    Column("to_number", String(20), nullable=False),
    Column("body_sealed", Text, nullable=False),
    Column("has_location", Boolean, nullable=False),
    Column("num_media", Integer, nullable=False, server_default="0"),
    Column("received_at", UtcDateTime, nullable=False),
    UniqueConstraint("provider", "provider_id", name="uq_inbound_messages_provider_id"),
)

# Everything that happened to an incident, in order: triage, notes, changes with who and why, units, transfer,
# closing, reopening. Contacts and messages to her are read from their own tables and merged on reading.
incident_log = Table(
    "incident_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(64), nullable=True),  # a username, a unit's call sign, or None for the system
    Column("detail", JSON, nullable=False),
    Index("ix_incident_log_incident_at", "incident_id", "at"),
)

dispositions = Table(
    "dispositions",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("label", String(120), nullable=False),
    Column("outcome", String(300), nullable=False),  # what /track and her message say, in plain words
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("position", Integer, nullable=False, server_default="0"),
)

# The people a call-taker records on a call (issue 9): the caller and, kept apart, the woman it is about when
# someone else calls for her. Names, numbers and descriptions are sealed; read only with need-to-know.
incident_people = Table(
    "incident_people",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False, index=True),
    Column("role", String(16), nullable=False),  # caller | victim
    Column("relation", String(16), nullable=True),  # the caller's relation to her: self, family, neighbour …
    Column("name_sealed", Text, nullable=True),
    Column("phone_sealed", Text, nullable=True),
    Column("age", Integer, nullable=True),
    Column("details_sealed", Text, nullable=True),  # how to recognise her, what she wears, who is with her
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(64), nullable=False),
)

# One incident per emergency (incidents/merging.py): each merge, with exactly what it moved (her contacts' and
# messages' row ids) and what it changed, so that an unmerge puts them back; kept after an unmerge (`unmerged_at`).
incident_merges = Table(
    "incident_merges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("duplicate_id", Integer, ForeignKey("incidents.id"), nullable=False, index=True),
    Column("survivor_id", Integer, ForeignKey("incidents.id"), nullable=False, index=True),
    Column("merged_at", UtcDateTime, nullable=False),
    Column("merged_by", String(64), nullable=False),
    Column("reason", String(500), nullable=True),
    Column("contact_ids", JSON, nullable=False),  # incident_contacts rows moved to the survivor
    Column("message_ids", JSON, nullable=False),  # inbound_messages rows moved to the survivor
    Column("status_before", String(16), nullable=False),  # the duplicate's
    Column("priority_before", Integer, nullable=False),  # the survivor's
    Column("priority_after", Integer, nullable=False),  # the survivor's, after the merge
    Column("unmerged_at", UtcDateTime, nullable=True),
    Column("unmerged_by", String(64), nullable=True),
    Column("unmerge_reason", String(500), nullable=True),
)

# "Not the same": a pair of incidents (lower id first) a call-taker said are different emergencies, never
# suggested again.
merge_rejections = Table(
    "merge_rejections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("first_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("second_id", Integer, ForeignKey("incidents.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(64), nullable=False),
    Column("reason", String(500), nullable=True),
    UniqueConstraint("first_id", "second_id", name="uq_merge_rejections_first_id_second_id"),
)
