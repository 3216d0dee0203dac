"""Use cases for messages to the person who asked for help: queue in the caller's transaction, deliver later."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, func, insert, select, update

from suraksha.adapters.bulk import BulkInsert
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, NotFound
from suraksha.core.privacy import Sealer
from suraksha.messaging.model import MessageKind, MessageStatus, Reply, TransportError, gives_up, retry_delay
from suraksha.messaging.providers import SmsProvider
from suraksha.messaging.store import outbound_messages as om

log = logging.getLogger("suraksha.messaging")
_INSERT = insert(om)  # built once: one row per message
_INSERT_REPLIES = BulkInsert(om, ("incident_id", "channel", "kind", "to_sealed", "body", "status", "attempts",
                                  "created_at", "sent_at"))  # the intake path: a batch's replies in one statement
CLAIM = timedelta(minutes=2)  # a sender that dies mid-send releases the message after this (the default)


class MessageService:
    def __init__(self, engine: Engine, clock: Clock, provider: SmsProvider, sealer: Sealer,
                 claim: timedelta = CLAIM) -> None:
        self._engine, self._clock, self.provider = engine, clock, provider
        self.sealer, self.claim = sealer, claim
        # Told, in the same transaction, when a message to her is given up (the incident records and announces
        # it): wired by the composition root, so messaging need not know incidents.
        self.on_dead_letter: Callable[[Connection, int, int, str, str], None] | None = None

    def queue(self, conn: Connection, incident_id: int | None, to_sealed: str, body: str, kind: MessageKind,
              channel: str = "sms") -> int:
        """Queue a message in the caller's transaction: it leaves only if the change that caused it commits. The
        message's id comes back."""
        now = self._clock.now()
        done = conn.execute(_INSERT, {
            "incident_id": incident_id, "channel": channel, "kind": kind.value, "to_sealed": to_sealed, "body": body,
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
        """Send what is due, one provider call per message; failures are rescheduled with back-off."""
        now = self._clock.now()
        with self._engine.connect() as conn:
            due = conn.execute(
                select(om.c.id, om.c.incident_id, om.c.kind, om.c.to_sealed, om.c.body, om.c.attempts,
                       om.c.sending_since)
                .where(om.c.status == MessageStatus.PENDING.value, om.c.next_attempt_at <= now)
                .order_by(om.c.next_attempt_at, om.c.id).limit(limit)).all()
        for row in due:
            self._deliver_one(row)
        return len(due)

    def _claim(self, row) -> datetime | None:
        """Take a message for one attempt, so that two senders never send it at once: the claim holds it for
        `claim` (longer than any provider call), and marks the attempt begun. The attempt's start comes back, None
        when another sender took it first."""
        now = self._clock.now()
        with self._engine.begin() as conn:
            taken = conn.execute(update(om).where(
                om.c.id == row.id, om.c.status == MessageStatus.PENDING.value, om.c.next_attempt_at <= now,
            ).values(next_attempt_at=now + self.claim,
                     sending_since=func.coalesce(om.c.sending_since, now))).rowcount == 1
        return (row.sending_since or now) if taken else None

    def _deliver_one(self, row) -> None:
        since = self._claim(row)
        if since is None:
            return
        attempts = row.attempts + 1
        to = self.sealer.unseal(row.to_sealed)
        try:
            ref = self._sent_before(row, to, since) if row.sending_since is not None else None
            if ref is None:
                ref = self.provider.send(to, row.body)
        except TransportError as err:
            final = gives_up(attempts, err)
            log.warning("message %s attempt %s failed%s: %s", row.id, attempts, " (giving up)" if final else "", err)
            values = {"attempts": attempts, "last_error": str(err)[:500],
                      "status": (MessageStatus.FAILED if final else MessageStatus.PENDING).value,
                      "next_attempt_at": None if final else self._clock.now() + retry_delay(attempts),
                      # still in doubt: the provider may have it, and is asked again before the next attempt
                      "sending_since": since if err.maybe_sent or row.sending_since is not None else None}
        else:
            values = {"attempts": attempts, "status": MessageStatus.SENT.value, "provider_ref": ref[:64],
                      "sent_at": self._clock.now(), "next_attempt_at": None, "sending_since": None}
        with self._engine.begin() as conn:
            conn.execute(update(om).where(om.c.id == row.id).values(**values))
            if values["status"] == MessageStatus.FAILED.value and row.incident_id is not None \
                    and self.on_dead_letter is not None:
                self.on_dead_letter(conn, row.incident_id, row.id, row.kind, values["last_error"])

    def _sent_before(self, row, to: str, since: datetime) -> str | None:
        """An attempt in doubt (its sender stopped, or the provider's answer was lost): the provider's reference if
        it has the message after all, so it is recorded as sent and not sent twice; None when it does not."""
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
