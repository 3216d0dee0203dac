"""Outbound messages to the person who asked for help: kinds, retry rules, provider failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

MAX_ATTEMPTS = 8
FIRST_DELAY_S = 5
MAX_DELAY_S = 600


class MessageKind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    UNIT_DISPATCHED = "unit_dispatched"
    UNIT_ARRIVED = "unit_arrived"
    FOLLOW_UP = "follow_up"
    REOPENED = "reopened"
    TRANSFERRED = "transferred"
    CLOSED = "closed"
    VOLUNTEER_ALERT = "volunteer_alert"  # to a volunteer near an SOS, not to her: queued with no incident
    MERGED = "merged"  # her report was joined with another about the same emergency (incidents/merging.py)
    CASE_UPDATE = "case_update"  # to her about her case (FIR, officer, arrest, reports, hearings, outcome, 90 days)


@dataclass(frozen=True)
class Reply:
    """An answer the channel delivers itself, in its response to the provider (TwiML for SMS): already sent."""

    channel: str  # how it went out, e.g. "twiml-reply"
    kind: MessageKind
    to_sealed: str
    body: str


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up (permanent error or too many attempts): a dead letter until a person acts
    REACHED_OTHERWISE = "reached"  # a person reached her another way: recorded, never sent


class TransportError(Exception):
    """A provider could not take the message. `permanent` means retrying cannot help (bad number); `maybe_sent` that
    the request may have reached the provider before the failure (its answer timed out), so the attempt is in doubt
    and the provider is asked before the message is sent again."""

    def __init__(self, message: str, permanent: bool = False, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.permanent, self.maybe_sent = permanent, maybe_sent


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after the n-th failed attempt: 5 s, 10 s, 20 s … capped at 10 minutes."""
    return timedelta(seconds=min(FIRST_DELAY_S * 2 ** max(0, attempts - 1), MAX_DELAY_S))


def gives_up(attempts: int, error: TransportError) -> bool:
    return error.permanent or attempts >= MAX_ATTEMPTS


PROVIDER_TIMEOUT_S = 10.0  # how long a provider call (Twilio, WhatsApp) may take before it is given up
