"""Use cases for messages to the person who asked for help: queue in the caller's transaction, deliver later."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from suraksha.adapters.bulk import BulkInsert
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, NotFound
from suraksha.core.privacy import Sealer
from suraksha.messaging.model import (
    PROVIDER_TIMEOUT_S,
    MessageKind,
    MessageStatus,
    Reply,
    TransportError,
    gives_up,
    retry_delay,
)
from suraksha.messaging.providers import SmsProvider
from suraksha.messaging.store import conversation_windows as cw
from suraksha.messaging.store import outbound_messages as om
from suraksha.messaging.whatsapp import WINDOW_HOURS, ConsoleWhatsApp, WhatsAppMessage, WhatsAppProvider

log = logging.getLogger("suraksha.messaging")
_INSERT = insert(om)  # built once: one row per message
_INSERT_REPLIES = BulkInsert(om, ("incident_id", "channel", "kind", "to_sealed", "body", "status", "attempts",
                                  "created_at", "sent_at"))  # the intake path: a batch's replies in one statement
OWN_OUTBOUND = frozenset({"sms", "whatsapp"})  # the channels that send (others' messages to her go by SMS)
# A contact's `via` on a channel that cannot write to her may name the one that does: "sms:" or "wa:<phone number id>"
ROUTED_VIA = {"sms": "sms", "wa": "whatsapp"}
WINDOWED = frozenset({"whatsapp"})  # channels that answer freely only within a window after her last message
CLAIM = timedelta(minutes=2)  # a sender that dies mid-send releases the message after this (the default)


class MessageService:
    def __init__(self, engine: Engine, clock: Clock, provider: SmsProvider, sealer: Sealer,
                 claim: timedelta = CLAIM, whatsapp: WhatsAppProvider | None = None) -> None:
        self._engine, self._clock, self.provider = engine, clock, provider
        self.whatsapp: WhatsAppProvider = whatsapp or ConsoleWhatsApp()
        self.sealer, self.claim = sealer, claim
        # Told, in the same transaction, when a message to her is given up (the incident records and announces
        # it): wired by the composition root, so messaging need not know incidents.
        self.on_dead_letter: Callable[[Connection, int, int, str, str], None] | None = None

    def queue(self, conn: Connection, incident_id: int | None, to_sealed: str, body: str, kind: MessageKind,
              channel: str = "sms", via: str | None = None) -> int:
        """Queue a message in the caller's transaction: it leaves only if the change that caused it commits. The
        message's id comes back. `channel` is the way she wrote (sms, whatsapp), `via` the channel's identity she
        wrote to (the WhatsApp phone number id the answer is sent from)."""
        now = self._clock.now()
        if channel not in OWN_OUTBOUND and via and via.partition(":")[0] in ROUTED_VIA:
            # a channel that cannot write to her names the one that does (the web form: "wa:<phone number id>")
            channel, via = ROUTED_VIA[via.partition(":")[0]], via.partition(":")[2] or None
        if channel not in OWN_OUTBOUND or (channel == "whatsapp" and not via):
            channel = "sms"  # a channel that cannot write to her (a panic button's app), or no WhatsApp number to
            # answer from: her number takes an SMS
        done = conn.execute(_INSERT, {
            "incident_id": incident_id, "channel": channel, "via": via, "kind": kind.value, "to_sealed": to_sealed,
            "body": body,
            "status": MessageStatus.PENDING.value, "attempts": 0, "next_attempt_at": now, "created_at": now})
        key = done.inserted_primary_key
        assert key is not None  # a single-row insert always has one
        return int(key[0])

    def fates(self, conn: Connection, message_ids: list[int]) -> dict[int, dict]:
        """What became of these messages (status, sent_at, attempts, last_error), by id: for a case's list of what
        she was told (its messages belong to no incident)."""
        if not message_ids:
            return {}
        rows = conn.execute(select(om.c.id, om.c.status, om.c.sent_at, om.c.attempts, om.c.last_error)
                            .where(om.c.id.in_(message_ids))).all()
        return {r.id: {"status": r.status, "sent_at": r.sent_at, "attempts": r.attempts, "last_error": r.last_error}
                for r in rows}

    def record_replies(self, conn: Connection, replies: list[tuple[int | None, Reply]], at) -> None:
        """Record answers the channel delivered itself (TwiML), in the caller's transaction."""
        _INSERT_REPLIES.execute(conn, [{"incident_id": incident_id, "channel": r.channel, "kind": r.kind.value,
                                        "to_sealed": r.to_sealed, "body": r.body, "status": MessageStatus.SENT.value,
                                        "attempts": 1, "created_at": at, "sent_at": at} for incident_id, r in replies])

    def depths(self) -> dict[str, int]:
        """The outbound queue (the metrics): messages pending, those of them due now, and those given up (failed)."""
        now = self._clock.now()
        pending = om.c.status == MessageStatus.PENDING.value
        with self._engine.connect() as conn:
            return {
                "pending": conn.execute(select(func.count()).select_from(om).where(pending)).scalar_one(),
                "due": conn.execute(select(func.count()).select_from(om)
                                    .where(pending, om.c.next_attempt_at <= now)).scalar_one(),
                "failed": conn.execute(select(func.count()).select_from(om)
                                       .where(om.c.status == MessageStatus.FAILED.value)).scalar_one(),
            }

    def deliver_due(self, limit: int = 50) -> int:
        """Send what is due, one provider call per message; failures are rescheduled with back-off.

        Messages are claimed and their outcomes recorded a few at a time (`batch`), two write transactions for the
        few instead of two each: fewer commits competing with intake's writer for the database. A few are at most
        as many as the claim covers, however slow the provider (two calls of its timeout each, for an attempt in
        doubt), so that no claim runs out while its sender is still on its way to the message."""
        now = self._clock.now()
        with self._engine.connect() as conn:
            due = conn.execute(
                select(om.c.id, om.c.incident_id, om.c.kind, om.c.to_sealed, om.c.body, om.c.attempts,
                       om.c.sending_since, om.c.channel, om.c.via)
                .where(om.c.status == MessageStatus.PENDING.value, om.c.next_attempt_at <= now)
                .order_by(om.c.next_attempt_at, om.c.id).limit(limit)).all()
        for start in range(0, len(due), self.batch):
            self._deliver_some(due[start:start + self.batch])
        return len(due)

    @property
    def batch(self) -> int:
        """How many messages one claim may cover: each may take two provider calls (PROVIDER_TIMEOUT_S) in turn."""
        return max(1, int(self.claim.total_seconds() // (2 * PROVIDER_TIMEOUT_S)) - 1)

    def _claim(self, rows) -> dict[int, datetime]:
        """Take messages for one attempt each, so that two senders never send one at once: the claim holds them
        for `claim` (longer than the provider calls of a batch), and marks each attempt begun. One statement; the
        attempts' starts come back for the messages taken (another sender may have taken some first)."""
        now = self._clock.now()
        with self._engine.begin() as conn:
            taken = {r.id for r in conn.execute(update(om).where(
                om.c.id.in_([row.id for row in rows]), om.c.status == MessageStatus.PENDING.value,
                om.c.next_attempt_at <= now,
            ).values(next_attempt_at=now + self.claim,
                     sending_since=func.coalesce(om.c.sending_since, now)).returning(om.c.id))}
        return {row.id: row.sending_since or now for row in rows if row.id in taken}

    def _deliver_some(self, rows) -> None:
        taken = self._claim(rows)
        outcomes: list[tuple[Any, dict]] = []
        try:
            for row in rows:
                if row.id in taken:
                    outcomes.append((row, self._attempt(row, taken[row.id])))
        finally:  # what was sent is recorded, even when a later attempt dies on the way
            self._record(outcomes)

    def _attempt(self, row, since: datetime) -> dict:
        """One attempt at a message: the values its row takes afterwards."""
        attempts = row.attempts + 1
        to = self.sealer.unseal(row.to_sealed)
        try:
            ref = self._sent_before(row, to, since) if row.sending_since is not None else None
            if ref is None:
                ref = self._send(row, to)
        except TransportError as err:
            final = gives_up(attempts, err)
            log.warning("message %s attempt %s failed%s: %s", row.id, attempts, " (giving up)" if final else "", err)
            return {"attempts": attempts, "last_error": str(err)[:500],
                    "status": (MessageStatus.FAILED if final else MessageStatus.PENDING).value,
                    "next_attempt_at": None if final else self._clock.now() + retry_delay(attempts),
                    # still in doubt: the provider may have it, and is asked again before the next attempt
                    "sending_since": since if err.maybe_sent or row.sending_since is not None else None}
        return {"attempts": attempts, "status": MessageStatus.SENT.value, "provider_ref": ref[:64],
                "sent_at": self._clock.now(), "next_attempt_at": None, "sending_since": None}

    def _record(self, outcomes: list[tuple[Any, dict]]) -> None:
        """The attempts' outcomes in one transaction; a message given up is a dead letter for a person."""
        if not outcomes:
            return
        with self._engine.begin() as conn:
            for row, values in outcomes:
                conn.execute(update(om).where(om.c.id == row.id).values(**values))
                if values["status"] == MessageStatus.FAILED.value and row.incident_id is not None \
                        and self.on_dead_letter is not None:
                    self.on_dead_letter(conn, row.incident_id, row.id, row.kind, values["last_error"])

    def _send(self, row, to: str) -> str:
        if row.channel != "whatsapp":
            return self.provider.send(to, row.body)
        return self.whatsapp.send(WhatsAppMessage(to=to, body=row.body, via=row.via, ref=f"suraksha-{row.id}",
                                                  in_window=self._in_window(to, row.channel, row.via)))

    def _in_window(self, to: str, channel: str, via: str) -> bool:
        """Did she write to this identity of the channel within its window (WhatsApp: 24 hours)?"""
        with self._engine.connect() as conn:
            last = conn.execute(select(cw.c.last_heard_at).where(
                cw.c.fingerprint == self.sealer.fingerprint(to), cw.c.channel == channel, cw.c.via == via)).scalar()
        return last is not None and last > self._clock.now() - timedelta(hours=WINDOW_HOURS)

    def heard(self, conn: Connection, heard: list[tuple[str, str, str, datetime]]) -> None:
        """She wrote (channel, her number's fingerprint, the identity she wrote to, when), in the caller's
        transaction (intake's batch): on a channel with a reply window (WhatsApp), the window opens again. One
        statement for the batch."""
        latest: dict[tuple[str, str, str], datetime] = {}
        for channel, fingerprint, via, at in heard:
            if channel in WINDOWED and via:
                key = (fingerprint, channel, via)
                latest[key] = max(at, latest.get(key, at))
        if not latest:
            return
        rows = [{"fingerprint": f, "channel": ch, "via": via, "last_heard_at": at}
                for (f, ch, via), at in latest.items()]
        upsert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(cw).values(rows)
        conn.execute(upsert.on_conflict_do_update(
            index_elements=[cw.c.fingerprint, cw.c.channel, cw.c.via],
            set_={"last_heard_at": upsert.excluded.last_heard_at},
            where=cw.c.last_heard_at < upsert.excluded.last_heard_at))

    def record_statuses(self, statuses: list[tuple[str, str, str, datetime | None, str]]) -> int:
        """What the provider says became of messages it took (its id, status, our reference, when, its error): each
        is recorded on its message. A message the provider could not deliver (`failed`) becomes a dead letter for a
        person, as if the send had failed. Returns how many of ours were found."""
        found = 0
        now = self._clock.now()
        with self._engine.begin() as conn:
            for provider_ref, status, ours, at, error in statuses:
                row = self._by_reference(conn, provider_ref, ours)
                if row is None:
                    continue
                found += 1
                values: dict = {"delivery_status": status[:16], "delivery_at": at or now}
                if row.provider_ref is None:  # the answer to the send was lost: the status says it was taken
                    values |= {"provider_ref": provider_ref, "status": MessageStatus.SENT.value,
                               "sent_at": at or now, "next_attempt_at": None, "sending_since": None}
                if status == "failed" and row.status != MessageStatus.FAILED.value:
                    values |= {"status": MessageStatus.FAILED.value, "next_attempt_at": None,
                               "last_error": f"the provider could not deliver it: {error}"[:500]}
                elif row.delivery_status in ("read", "failed") or (row.delivery_status == "delivered"
                                                                    and status == "sent"):
                    values = {}  # statuses arrive out of order: never step back
                if values:
                    conn.execute(update(om).where(om.c.id == row.id).values(**values))
                if values.get("status") == MessageStatus.FAILED.value and row.incident_id is not None \
                        and self.on_dead_letter is not None:
                    self.on_dead_letter(conn, row.incident_id, row.id, row.kind, values["last_error"])
        return found

    def _by_reference(self, conn: Connection, provider_ref: str, ours: str):
        columns = (om.c.id, om.c.incident_id, om.c.kind, om.c.status, om.c.provider_ref, om.c.delivery_status)
        row = conn.execute(select(*columns).where(om.c.provider_ref == provider_ref)).first()
        if row is None and ours.startswith("suraksha-") and ours[9:].isdigit():
            row = conn.execute(select(*columns).where(om.c.id == int(ours[9:]))).first()
        return row

    def _sent_before(self, row, to: str, since: datetime) -> str | None:
        """An attempt in doubt (its sender stopped, or the provider's answer was lost): the provider's reference if
        it has the message after all, so it is recorded as sent and not sent twice; None when it does not. WhatsApp
        has no list to ask: its statuses, which carry our reference, record the message as sent when they come
        (`record_statuses`), and a message still pending then was not taken."""
        if row.channel == "whatsapp":
            with self._engine.connect() as conn:
                ref = conn.execute(select(om.c.provider_ref).where(om.c.id == row.id)).scalar()
            log.info("message %s was in doubt since %s: %s", row.id, since.isoformat(),
                     "a status says WhatsApp has it" if ref else "no status from WhatsApp: sending again")
            return ref
        ref = self.provider.find(to, row.body, since)
        log.info("message %s was in doubt since %s: %s", row.id, since.isoformat(),
                 "the provider has it, not sent again" if ref is not None else "the provider does not have it")
        return ref

    # dead letters: never silently abandoned ---------------------------------------------------------
    def dead_letter_incidents(self) -> dict[int, int]:
        """incident id -> how many of its messages to her could not be delivered and wait for a person."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(om.c.incident_id, func.count().label("waiting")).where(
                om.c.status == MessageStatus.FAILED.value, om.c.incident_id.is_not(None)).group_by(om.c.incident_id))
            return {r.incident_id: r.waiting for r in rows}

    def dead_letter(self, conn: Connection, incident_id: int, message_id: int):
        """One undelivered message of this incident, for a person's decision (NotFound otherwise)."""
        row = conn.execute(select(om).where(om.c.id == message_id, om.c.incident_id == incident_id)).first()
        if row is None:
            raise NotFound(f"no message {message_id} on this incident", code="message_not_found")
        if row.status != MessageStatus.FAILED.value:
            raise Conflict(f"message {message_id} is {row.status}, not undelivered", code="message_not_failed")
        return row

    def retry(self, conn: Connection, incident_id: int, message_id: int) -> None:
        """A person asks for another round of attempts (e.g. after the provider's outage)."""
        self.dead_letter(conn, incident_id, message_id)
        conn.execute(update(om).where(om.c.id == message_id).values(
            status=MessageStatus.PENDING.value, attempts=0, next_attempt_at=self._clock.now(), last_error=None))

    def reached_otherwise(self, conn: Connection, incident_id: int, message_id: int, how: str) -> None:
        """A person reached her another way (a call, a visit): the message is settled, not sent."""
        self.dead_letter(conn, incident_id, message_id)
        conn.execute(update(om).where(om.c.id == message_id).values(
            status=MessageStatus.REACHED_OTHERWISE.value, next_attempt_at=None, last_error=how[:500]))

    def for_incident(self, incident_id: int, conn: Connection | None = None) -> list[dict]:
        """Every message to her about this incident (in the caller's transaction, if given)."""
        if conn is None:
            with self._engine.connect() as own:
                return self.for_incident(incident_id, own)
        rows = conn.execute(select(om).where(om.c.incident_id == incident_id).order_by(om.c.id)).all()
        return [{"id": r.id, "kind": r.kind, "channel": r.channel, "body": r.body, "status": r.status,
                 "attempts": r.attempts,
                 "created_at": r.created_at.isoformat(), "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                 "last_error": r.last_error} for r in rows]

    def counts(self) -> dict[str, int]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(om.c.status, func.count()).group_by(om.c.status)).all()
        return dict(rows)
