"""Forensics on a case (issue 12, point 3): a sample sent to a forensic science laboratory, its steps, when it is
overdue, each lab's turnaround, and the forensic rule of the charge-sheet. Plain Python.

A request names the sample (its kind from a list, and words that never name her) and the lab. Its steps come in
order: sent (a day), received by the lab, the result (words or the lab's reference, conclusive or not). Once sent,
the result is due after the lab's turnaround days; a sample still without a result after that day is overdue.
A charge-sheet is not filed as complete while a requested result is missing, unless a reason is recorded.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

MAX_TURNAROUND_DAYS = 365


class SampleKind(StrEnum):
    BLOOD = "blood"
    SWAB = "swab"
    CLOTHING = "clothing"
    DNA = "dna"
    DIGITAL_DEVICE = "digital_device"
    VISCERA = "viscera"
    OTHER = "other"


class LabKind(StrEnum):
    STATE = "state"  # the state's forensic science laboratory (Maharashtra: Kalina, Mumbai)
    REGIONAL = "regional"  # a regional laboratory of the state's directorate
    CENTRAL = "central"  # a Central Forensic Science Laboratory (CFSL)


class Step(StrEnum):
    """A request's state: its latest step."""

    REQUESTED = "requested"
    SENT = "sent"
    RECEIVED = "received"
    RESULT = "result"


class ForensicProblem(ValueError):
    """A rule a request or a step breaks: `code` is the stable error code; `conflict` for a step out of order."""

    def __init__(self, message: str, code: str, *, conflict: bool = False, **details: object) -> None:
        super().__init__(message)
        self.code, self.conflict, self.details = code, conflict, details


@dataclass(frozen=True)
class Lab:
    code: str
    name: str
    state: str
    city: str
    kind: str
    turnaround_days: int


@dataclass(frozen=True)
class Sample:
    """A request as the rules read it."""

    id: int
    sample_kind: str
    lab_code: str
    sent_on: date | None
    received_on: date | None
    result_on: date | None
    due_on: date | None


def step_of(s: Sample) -> Step:
    if s.result_on is not None:
        return Step.RESULT
    if s.received_on is not None:
        return Step.RECEIVED
    return Step.SENT if s.sent_on is not None else Step.REQUESTED


# what an officer writes ------------------------------------------------------------------------------------
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,23}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def words(text: str | None) -> str:
    """Typed words as kept: control characters dropped (a database refuses some), runs of spaces made one."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def lab_code(text: str | None) -> str | None:
    """A lab's code as typed ('mh-fsl-mum'), as stored ('MH-FSL-MUM'); None if it cannot be one."""
    code = (text or "").strip().upper()
    return code if _CODE.match(code) else None


def check_lab(lab: Lab) -> Lab:
    """A lab as an administrator sets it: a code (A-Z, 0-9, -), a name, a state's two letters, a city, a kind,
    1-365 turnaround days."""
    code = lab_code(lab.code)
    if code is None:
        raise ForensicProblem("a lab's code is 2 to 24 letters, digits or dashes (MH-FSL-MUM)", "invalid_lab")
    name, city = words(lab.name), words(lab.city)
    if len(name) < 3 or not city:
        raise ForensicProblem("name the lab and its city", "invalid_lab")
    state = lab.state.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", state):
        raise ForensicProblem("a lab's state is its two letters (MH)", "invalid_lab")
    if lab.kind not in LabKind.__members__.values():
        raise ForensicProblem("a lab is state, regional or central", "invalid_lab")
    if not 1 <= lab.turnaround_days <= MAX_TURNAROUND_DAYS:
        raise ForensicProblem(f"the turnaround is 1 to {MAX_TURNAROUND_DAYS} days", "invalid_lab")
    return Lab(code, name[:200], state, city[:64], lab.kind, lab.turnaround_days)


def check_sample(kind: str, description: str) -> tuple[SampleKind, str]:
    try:
        chosen = SampleKind(kind)
    except ValueError:
        raise ForensicProblem("choose the kind of sample from the list", "invalid_sample_kind") from None
    said = words(description)
    if len(said) < 3:
        raise ForensicProblem("describe the sample in a few words (never her name)", "sample_description_required")
    return chosen, said[:300]


def check_day(day: date, today: date, earliest: date, what: str) -> date:
    """A step's day: not after today, not before `earliest` (the offence, or the step before)."""
    if day > today:
        raise ForensicProblem(f"{what} cannot be after today", "forensic_date_in_future")
    if day < earliest:
        raise ForensicProblem(f"{what} cannot be before {earliest.isoformat()}", "forensic_date_order",
                              earliest=earliest.isoformat())
    return day


def check_step(s: Sample, step: Step) -> None:
    """May this step be recorded now? Each once, and in order (a result needs the sample sent)."""
    done = {Step.SENT: s.sent_on, Step.RECEIVED: s.received_on, Step.RESULT: s.result_on}
    if done.get(step) is not None:
        raise ForensicProblem(f"the sample's {step.value} step is recorded already", "forensic_step_done",
                              conflict=True)
    if step in (Step.RECEIVED, Step.RESULT) and s.sent_on is None:
        raise ForensicProblem("record first that the sample was sent", "forensic_not_sent", conflict=True)
    if step is Step.RECEIVED and s.result_on is not None:
        raise ForensicProblem("the result is recorded already", "forensic_step_done", conflict=True)


def earliest_for(s: Sample, step: Step, offence_day: date) -> date:
    """The first day a step may carry: sent after the offence, received after sent, the result after both."""
    if step is Step.SENT:
        return offence_day
    days = [d for d in (s.sent_on, s.received_on if step is Step.RESULT else None) if d is not None]
    return max(days, default=offence_day)


def check_result(text: str | None, conclusive: bool | None) -> tuple[str, bool]:
    said = words(text)
    if len(said) < 3:
        raise ForensicProblem("write the result, or the lab's report reference", "forensic_result_required")
    if conclusive is None:
        raise ForensicProblem("say whether the result is conclusive", "forensic_conclusive_required")
    return said[:2000], conclusive


# overdue and turnaround ------------------------------------------------------------------------------------
def due_on(sent_on: date, turnaround_days: int) -> date:
    return sent_on + timedelta(days=turnaround_days)


def days_overdue(s: Sample, today: date) -> int | None:
    """Whole days past the day the result was due (None: not overdue: not sent, a result in, or not yet due)."""
    if s.sent_on is None or s.result_on is not None or s.due_on is None or today <= s.due_on:
        return None
    return (today - s.due_on).days


def percentile(values: list[int], share: float) -> float | None:
    """The nearest-rank percentile (0.9: the value 90% of them do not exceed); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


@dataclass(frozen=True)
class Turnaround:
    lab_code: str
    completed: int
    median_days: float | None
    p90_days: float | None
    pending: int  # sent, no result yet
    overdue: int


def turnaround(lab_code: str, samples: list[Sample], today: date) -> Turnaround:
    """A lab's figures over these samples: days from sent to result (median, 90th percentile), pending, overdue."""
    took = [(s.result_on - s.sent_on).days for s in samples if s.sent_on and s.result_on]
    pending = [s for s in samples if s.sent_on is not None and s.result_on is None]
    return Turnaround(lab_code, len(took), float(statistics.median(took)) if took else None, percentile(took, 0.9),
                      len(pending), sum(1 for s in pending if days_overdue(s, today) is not None))


# the forensic rule -----------------------------------------------------------------------------------------
def missing_results(samples: list[Sample]) -> list[Sample]:
    return [s for s in samples if s.result_on is None]


def charge_sheet_allowed(samples: list[Sample], reason: str | None) -> str | None:
    """The forensic rule: a charge-sheet is not filed as complete while a requested result is missing, unless a reason
    is recorded. Nothing missing: None. Something missing with a reason: the reason (trimmed), to go on the timeline.
    Something missing without one: `ForensicProblem` `forensic_result_missing`, naming the samples."""
    missing = missing_results(samples)
    if not missing:
        return None
    why = words(reason)
    if len(why) >= 3:
        return why[:500]
    raise ForensicProblem(
        f"a requested forensic result is missing ({len(missing)} sample{'s' if len(missing) > 1 else ''}): record it, "
        "or give the reason for filing the charge-sheet without it",
        "forensic_result_missing", conflict=True,
        samples=[{"id": s.id, "sample_kind": s.sample_kind, "lab_code": s.lab_code, "state": step_of(s).value}
                 for s in missing])
