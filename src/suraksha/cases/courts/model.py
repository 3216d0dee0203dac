"""The court side of a case (issue 12, point 4): fast-track special courts and exclusive POCSO courts as data, a
charge-sheeted case allocated to one, its hearings and their outcomes, and its disposal. Plain Python.

Which court may try a case: one of the case's own state; a case with a POCSO section goes to an exclusive POCSO
court or a fast-track special court (FTSCs try rape and POCSO cases); a case without one goes to a fast-track court
only (an exclusive POCSO court tries POCSO cases alone). More than two adjournments alert the station head and the
district superintendent, at the third and at each one after it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

from suraksha.cases.model import CaseProblem, check_reason

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "courts" / "courts.csv"
COLUMNS = ("code", "state", "district", "city", "name", "kind", "source")
ADJOURNMENTS_BEFORE_ALERT = 2  # more than two adjournments alert senior officers
ADJOURNMENT_NOTIFY = ("station_head", "district_superintendent")
HEARING_HORIZON = timedelta(days=730)  # a hearing is scheduled at most two years ahead
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class CourtKind(StrEnum):
    FAST_TRACK = "fast_track"  # a fast-track special court (FTSC): rape and POCSO cases
    POCSO = "pocso"  # an exclusive POCSO court (POCSO s28): POCSO cases only


class Outcome(StrEnum):
    """What happened on a hearing date."""

    HELD = "held"
    ADJOURNED = "adjourned"  # with the reason the court gave
    EVIDENCE_RECORDED = "evidence_recorded"
    ARGUMENTS_HEARD = "arguments_heard"
    JUDGMENT_RESERVED = "judgment_reserved"
    JUDGMENT_DELIVERED = "judgment_delivered"  # set on the hearing of the disposal's day
    CANCELLED = "cancelled"  # a hearing still waiting when the case was disposed of


RECORDABLE = (Outcome.HELD, Outcome.ADJOURNED, Outcome.EVIDENCE_RECORDED, Outcome.ARGUMENTS_HEARD,
              Outcome.JUDGMENT_RESERVED)


class Disposal(StrEnum):
    CONVICTION = "conviction"
    ACQUITTAL = "acquittal"
    OTHER = "other"  # discharged, compounded, abated, withdrawn … (said in its detail)


@dataclass(frozen=True)
class Court:
    code: str
    state: str
    district: str
    city: str | None
    name: str
    kind: str
    source: str = ""
    active: bool = True


def clean(text: str | None) -> str:
    """Typed text with control characters as spaces (they are no words, and PostgreSQL refuses NUL)."""
    return _CONTROL.sub(" ", text or "")


def _words(text: str | None, limit: int) -> str:
    return " ".join(clean(text).split())[:limit]


def check_court(code: str, state: str, district: str, city: str | None, name: str, kind: str,
                source: str = "", active: bool = True) -> Court:
    """A court as an administrator (or the shipped file) gives it; a broken rule raises `CaseProblem`."""
    code = (code or "").strip().upper()
    if not _CODE.match(code):
        raise CaseProblem("a court's code is 2-32 capital letters, digits and dashes", "invalid_court_code")
    state = (state or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", state):
        raise CaseProblem("the state is its two-letter code (MH, KA …)", "invalid_court_state")
    if kind not in CourtKind.__members__.values():
        raise CaseProblem("a court is fast_track or pocso", "invalid_court_kind")
    if not _words(name, 200) or not _words(district, 64):
        raise CaseProblem("give the court's name and district", "court_name_required")
    town = _words(city, 64).lower() or None
    return Court(code, state, _words(district, 64), town, _words(name, 200), kind, _words(source, 300), active)


def read_courts(text: str) -> list[Court]:
    """The rows of a courts CSV (`COLUMNS`); a malformed row raises `CaseProblem` naming its line."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CaseProblem(f"the courts file lacks columns: {', '.join(missing)}", "bad_courts_file")
    out: list[Court] = []
    for line, r in enumerate(reader, start=2):
        try:
            out.append(check_court(r["code"], r["state"], r["district"], r["city"], r["name"], r["kind"],
                                   r["source"]))
        except CaseProblem as err:
            raise CaseProblem(f"line {line}: {err}", "bad_courts_file") from None
    if len({c.code for c in out}) != len(out):
        raise CaseProblem("a court code is listed twice", "bad_courts_file")
    return out


def shipped_courts() -> list[Court]:
    return read_courts(DATA.read_text(encoding="utf-8"))


def check_court_fits(court: Court, case_state: str | None, pocso: bool) -> None:
    """May this court try the case? Its state, then the POCSO rule (module docstring)."""
    if not court.active:
        raise CaseProblem("that court no longer takes cases", "court_inactive")
    if court.state != (case_state or ""):
        raise CaseProblem("choose a court of the case's own state", "court_of_another_state")
    if court.kind == CourtKind.POCSO and not pocso:
        raise CaseProblem("an exclusive POCSO court tries POCSO cases only: choose a fast-track court",
                          "court_tries_pocso_only")


def check_hearing_date(day: date, today: date, allocated_on: date) -> date:
    if day < today:
        raise CaseProblem("a hearing is scheduled for today or later", "hearing_in_past")
    if day < allocated_on or day > today + HEARING_HORIZON:
        raise CaseProblem("a hearing is scheduled within two years", "hearing_too_far")
    return day


def check_outcome(outcome: str, reason: str | None, scheduled_for: date, today: date) -> tuple[Outcome, str | None]:
    """The outcome an officer records for a hearing that has taken place; an adjournment carries its reason."""
    try:
        chosen = Outcome(outcome)
    except ValueError:
        chosen = None
    if chosen not in RECORDABLE:
        raise CaseProblem("the outcome is held, adjourned, evidence_recorded, arguments_heard or judgment_reserved",
                          "invalid_outcome")
    assert chosen is not None
    if scheduled_for > today:
        raise CaseProblem("the hearing has not taken place yet", "hearing_not_yet_held")
    if chosen is Outcome.ADJOURNED:
        return chosen, check_reason(clean(reason), "the reason the court adjourned")
    return chosen, _words(reason, 500) or None


def adjournment_alert_due(adjournments: int) -> bool:
    """Does this count of adjournments (the one just recorded included) alert senior officers?"""
    return adjournments > ADJOURNMENTS_BEFORE_ALERT


def adjournment_point(adjournments: int) -> str:
    """The alert's point as the case's timer rows name it: 'adjourned_3'."""
    return f"adjourned_{adjournments}"


def check_disposal(disposal: str, judgment_ref: str | None, detail: str | None, day: date, today: date,
                   allocated_on: date) -> tuple[Disposal, str, str | None]:
    try:
        chosen = Disposal(disposal)
    except ValueError:
        raise CaseProblem("the disposal is conviction, acquittal or other", "invalid_disposal") from None
    ref = _words(judgment_ref, 120)
    if not ref:
        raise CaseProblem("give the judgment's reference", "judgment_ref_required")
    said = _words(detail, 300) or None
    if chosen is Disposal.OTHER and not said:
        raise CaseProblem("say how it was disposed of (discharged, compounded, abated …)", "disposal_detail_required")
    if day > today:
        raise CaseProblem("a judgment cannot be dated after today", "disposed_in_future")
    if day < allocated_on:
        raise CaseProblem("a judgment cannot be dated before the court had the case", "disposed_before_allocation")
    return chosen, ref, said
