"""The steps of a case she is told about (BNSS s193(3)(ii) and s230; the 90-day progress update), the channel she
chose, the case code she follows her case with, and what `/track` may show her. Plain Python.

She is told at the FIR, when an investigating officer is assigned (and when another officer takes the case), at an
arrest, at the charge-sheet or closure report, at each hearing date and at the outcome; and whenever 90 days pass with
nothing sent to her while the case is open (BNSS s193(3)(ii): the progress of the investigation within 90 days).
Nothing she is told names her, the accused, or anyone else (BNS s72, POCSO s23).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

PROGRESS_EVERY = timedelta(days=90)  # BNSS s193(3)(ii): her update within 90 days, then every 90 days
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed on a phone
CODE_LENGTH = 8  # 31**8: about 8.5e11 codes


class Step(StrEnum):
    FIR_REGISTERED = "fir_registered"
    IO_ASSIGNED = "io_assigned"
    IO_REASSIGNED = "io_reassigned"  # another officer took the case ("a new officer")
    ARREST = "arrest"
    CHARGE_SHEET = "charge_sheet"
    CLOSURE_REPORT = "closure_report"
    HEARING_DATE = "hearing_date"  # detail: hearing_on (a date), court (its name)
    OUTCOME = "outcome"  # detail: disposal (conviction | acquittal | other)
    PROGRESS = "progress"  # the 90-day update when nothing else was sent


FINAL_STEPS = frozenset({Step.CLOSURE_REPORT, Step.OUTCOME})  # after these no 90-day update is due


class Channel(StrEnum):
    SMS = "sms"  # a text message to her phone, in her language
    NONE = "none"  # she asked not to be messaged: the IO tells her in person and records it


class UpdateStatus(StrEnum):
    """What became of one update, as the case lists it."""

    QUEUED = "queued"  # waiting for the SMS provider
    SENT = "sent"
    FAILED = "failed"  # the provider gave up (a dead letter): tell her in person and record it
    TO_TELL = "to_tell_in_person"  # channel none: the IO is to tell her
    TOLD = "told_in_person"  # the IO recorded that she was told in person


class Stage(StrEnum):
    """Where her case is, as `/track` says it."""

    AWAITING_SIGNATURE = "awaiting_signature"
    UNDER_INVESTIGATION = "under_investigation"
    CHARGE_SHEETED = "charge_sheeted"
    IN_COURT = "in_court"
    CLOSURE_REPORT = "closure_report"
    DISPOSED = "disposed"
    NOT_ON_RECORD = "not_on_record"  # an e-FIR not signed in three days


DISPOSALS = ("conviction", "acquittal", "other")
DECIDED_STATUSES = ("convicted", "acquitted", "disposed")  # the court's judgment (cases.courts)
NO_UPDATE_STATUSES = ("closure_report", "lapsed", *DECIDED_STATUSES)  # no 90-day update is due


class UpdateProblem(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def choose_channel(asked: str | None, has_phone: bool) -> Channel:
    """Her channel: what she chose, or SMS when she gave a phone number and nothing when she did not."""
    if asked in (None, ""):
        return Channel.SMS if has_phone else Channel.NONE
    try:
        chosen = Channel(asked)
    except ValueError:
        raise UpdateProblem("the channel is sms or none", "invalid_channel") from None
    if chosen is Channel.SMS and not has_phone:
        raise UpdateProblem("an SMS needs her phone number (or choose none: she is told in person)",
                            "victim_phone_required")
    return chosen


def new_case_code() -> str:
    """The short random code sent to her with the FIR number: both are needed to see the case on /track."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str:
    """'abcd-2345 ' -> 'ABCD2345' (spaces and dashes dropped, letters raised; an unusable code stays unusable)."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -")[:CODE_LENGTH * 2]


def status_of(channel: str, message_status: str | None, told_at: datetime | None) -> UpdateStatus:
    """An update's status from its channel, its message's fate and whether the IO recorded telling her."""
    if told_at is not None:
        return UpdateStatus.TOLD
    if channel == Channel.NONE.value or message_status is None:
        return UpdateStatus.TO_TELL
    return {"pending": UpdateStatus.QUEUED, "sent": UpdateStatus.SENT, "failed": UpdateStatus.FAILED,
            "reached": UpdateStatus.TOLD}.get(message_status, UpdateStatus.QUEUED)


@dataclass(frozen=True)
class Told:
    """One update as `/track` reads it: its step, when, and the detail it carried (no names ever)."""

    step: str
    at: datetime
    detail: dict


def stage_of(case_status: str, told: list[Told]) -> Stage:
    """The stage of her case from its status and what she was told (the courts' steps reach her through `tell`)."""
    steps = {t.step for t in told}
    if Step.OUTCOME.value in steps or case_status in DECIDED_STATUSES:
        return Stage.DISPOSED
    if case_status == "awaiting_signature":
        return Stage.AWAITING_SIGNATURE
    if case_status == "lapsed":
        return Stage.NOT_ON_RECORD
    if case_status == "closure_report":
        return Stage.CLOSURE_REPORT
    if case_status == "under_investigation":
        return Stage.UNDER_INVESTIGATION
    return Stage.IN_COURT if Step.HEARING_DATE.value in steps or case_status != "charge_sheeted" \
        else Stage.CHARGE_SHEETED


def next_hearing(told: list[Told], today: str) -> dict | None:
    """The soonest hearing date she was told of that is today or later ({hearing_on, court}), or None."""
    ahead = [t.detail for t in told
             if t.step == Step.HEARING_DATE.value and str(t.detail.get("hearing_on", "")) >= today]
    return min(ahead, key=lambda d: str(d["hearing_on"])) if ahead else None


def outcome_of(told: list[Told]) -> str | None:
    found = [t.detail.get("disposal") for t in told if t.step == Step.OUTCOME.value]
    return str(found[-1]) if found and found[-1] else None


def progress_due(after: datetime) -> datetime:
    return after + PROGRESS_EVERY


def check_arrest(arrested_at: datetime, place: str, occurred_at: datetime, now: datetime) -> tuple[datetime, str]:
    """An arrest as recorded: not after now, not before the offence, with the place of arrest."""
    where = " ".join((place or "").split())[:300]
    if not where:
        raise UpdateProblem("say where the accused was arrested", "arrest_place_required")
    if arrested_at > now + timedelta(minutes=5):
        raise UpdateProblem("an arrest cannot be recorded after now", "arrested_in_future")
    if arrested_at < occurred_at:
        raise UpdateProblem("an arrest cannot come before the offence", "arrested_before_offence")
    return arrested_at, where
