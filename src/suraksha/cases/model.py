"""The case side's rules (issue 12): the FIR, the investigation clock, and her sealed identity. Plain Python.

An FIR (First Information Report) names offence sections from a maintained table (BNS and POCSO). A sexual
offence is recorded by a woman officer (BNSS s173(1), POCSO s24). For the offences BNSS s193(2) names, the
investigation is due within a set number of days from the FIR (60; the rule is data, `ClockRule`), with alerts at
set points to set people; a charge-sheet or a closure report stops the clock. Her name, phone number and address
are sealed and she is shown everywhere as a pseudonym (BNS s72, POCSO s23). Every step is a typed entry on the
case's timeline.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from suraksha.core.auth import Locus, Principal, Role, ScopeKind

E_FIR_SIGNATURE_WINDOW = timedelta(days=3)  # BNSS s173(1)(ii): taken on record on being signed within three days
AMBER_DAYS = 15  # the clock turns amber with this many days left (the 45-day point of a 60-day rule) …
RED_DAYS = 5  # … and red with this many left (the 55-day point), and once the deadline has passed
MAX_ACCUSED = 20


class CaseKind(StrEnum):
    WALK_IN = "walk_in"  # she (or someone for her) came to the station
    INCIDENT = "incident"  # from an incident: its timeline is linked
    E_FIR = "e_fir"  # information by electronic communication: on record once signed within three days


class CaseStatus(StrEnum):
    AWAITING_SIGNATURE = "awaiting_signature"  # an e-FIR not yet signed
    UNDER_INVESTIGATION = "under_investigation"
    CHARGE_SHEETED = "charge_sheeted"  # the police report to the court: the clock stops
    CLOSURE_REPORT = "closure_report"  # the final report that no offence is made out: the clock stops
    LAPSED = "lapsed"  # an e-FIR not signed within three days: not taken on record
    CONVICTED = "convicted"  # the court's judgment (cases.courts): a conviction
    ACQUITTED = "acquitted"  # … an acquittal
    DISPOSED = "disposed"  # … disposed of otherwise (discharged, compounded, abated …)


OPEN_STATUSES = (CaseStatus.AWAITING_SIGNATURE.value, CaseStatus.UNDER_INVESTIGATION.value)
DISPOSED_STATUSES = (CaseStatus.CONVICTED.value, CaseStatus.ACQUITTED.value, CaseStatus.DISPOSED.value)
STOPPED_STATUSES = (CaseStatus.CHARGE_SHEETED.value, CaseStatus.CLOSURE_REPORT.value, *DISPOSED_STATUSES)


class Entry(StrEnum):
    """The kinds of entry on a case's timeline (later: forensics, courts, her messages)."""

    REGISTERED = "registered"
    INCIDENT_LINKED = "incident_linked"
    E_FIR_SIGNED = "e_fir_signed"
    E_FIR_LAPSED = "e_fir_lapsed"
    TRANSFERRED = "transferred"  # a zero FIR handed to the station with jurisdiction
    IO_ASSIGNED = "io_assigned"
    IO_REASSIGNED = "io_reassigned"
    DELAY_REASON = "delay_reason"
    DEADLINE_ALERT = "deadline_alert"  # a set point of the clock passed (its `point` says which)
    DEADLINE_BREACHED = "deadline_breached"
    CHARGE_SHEET = "charge_sheet"
    CLOSURE_REPORT = "closure_report"
    IDENTITY_UNSEALED = "identity_unsealed"
    ACCUSED_LINKED = "accused_linked"  # a known accused linked to a registered person of the offender registry
    ACCUSED_ARRESTED = "accused_arrested"  # when and where (cases.updates.arrests); she is told, without a name
    FORENSIC_REQUESTED = "forensic_requested"  # a sample to go to a forensic lab (`cases.forensics`)
    FORENSIC_SENT = "forensic_sent"
    FORENSIC_RECEIVED = "forensic_received"  # the lab received it
    FORENSIC_RESULT = "forensic_result"
    COURT_ALLOCATED = "court_allocated"  # a charge-sheeted case given to a fast-track or POCSO court (cases.courts)
    COURT_REALLOCATED = "court_reallocated"  # … given to another, with a reason
    HEARING_SCHEDULED = "hearing_scheduled"
    HEARING_OUTCOME = "hearing_outcome"  # held, adjourned (with the reason), evidence recorded …
    ADJOURNMENT_ALERT = "adjournment_alert"  # more than two adjournments: the station head and the superintendent
    DISPOSED = "disposed"  # the judgment: conviction, acquittal or other


class Audience(StrEnum):
    """Who an alert of the clock goes to (the rule's `notify`)."""

    IO = "io"  # the case's investigating officer (the station head while none is assigned)
    STATION_HEAD = "station_head"  # the station's own accounts (station scope)
    DISTRICT_SUPERINTENDENT = "district_superintendent"  # the city's (district's) accounts (city scope)


class DelayCategory(StrEnum):
    """Why an investigation is late: the reasons the dashboards will count (with the officer's own words)."""

    FORENSIC_REPORT_AWAITED = "forensic_report_awaited"
    MEDICAL_REPORT_AWAITED = "medical_report_awaited"
    ACCUSED_ABSCONDING = "accused_absconding"
    VICTIM_STATEMENT_PENDING = "victim_statement_pending"
    WITNESS_UNAVAILABLE = "witness_unavailable"
    OTHER = "other"


class CaseProblem(ValueError):
    """A rule an FIR or a step breaks: `code` is the stable error code, the message says which rule."""

    def __init__(self, message: str, code: str, **details: object) -> None:
        super().__init__(message)
        self.code, self.details = code, details


@dataclass(frozen=True)
class OffenceSection:
    code: str  # "BNS 64", "POCSO 4"
    act: str
    section: str
    title: str
    sexual_offence: bool
    woman_officer_required: bool  # BNSS s173(1) proviso, POCSO s24(1)
    clock_class: str | None  # the deadline rule that applies (`ClockRule.offence_class`), None: no set deadline
    registrable: bool  # a conviction may be entered in the offender registry


@dataclass(frozen=True)
class AlertPoint:
    point: str  # "day_30", "breach"
    after_days: int | None  # days after the FIR; None: at the deadline (the breach)
    notify: tuple[str, ...]


@dataclass(frozen=True)
class ClockRule:
    offence_class: str
    days: int
    points: tuple[AlertPoint, ...]
    title: str = ""


@dataclass(frozen=True)
class Victim:
    name: str
    phone: str | None
    address: str | None
    age: int | None
    language: str
    channel: str | None = None  # how she is told (cases.updates): sms, none (in person); None: sms if a phone


@dataclass(frozen=True)
class Accused:
    known: bool
    name: str | None = None
    age: int | None = None
    sex: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Fir:
    """What an officer records, before the rules are applied."""

    station_id: int
    sections: tuple[str, ...]
    occurred_at: datetime
    place: str
    victim: Victim
    accused: tuple[Accused, ...]
    woman_officer: str | None
    summary: str
    kind: CaseKind = CaseKind.WALK_IN
    incident_tracking: str | None = None
    zero_fir: bool = False
    jurisdiction_station_id: int | None = None
    place_lat: float | None = None
    place_lon: float | None = None
    io_username: str | None = None


@dataclass(frozen=True)
class Classified:
    """What the sections say about an FIR: their codes as written, and what follows from them."""

    sections: tuple[str, ...]
    sexual_offence: bool
    woman_officer_required: bool
    clock_class: str | None
    pocso: bool
    registrable: bool
    found: tuple[OffenceSection, ...] = field(default=())


_SECTION = re.compile(r"^\s*(BNS|POCSO)\s*(?:S(?:EC(?:TION)?)?\.?\s*)?[-.]?\s*(\d{1,3}[A-Z]?)\s*"
                      r"((?:\(\s*[0-9A-Z]{1,4}\s*\)){0,3})\s*$", re.IGNORECASE)


def section_code(text: str) -> tuple[str, str]:
    """'bns s.65(2)' -> ('BNS 65(2)', 'BNS 65'): the section as written on the FIR, and the table's row for it."""
    m = _SECTION.match(text or "")
    if not m:
        raise CaseProblem(f"{(text or '')[:40]!r} is not a section such as 'BNS 64' or 'POCSO 4'", "unknown_section",
                          sections=[(text or "")[:40]])
    act, number, sub = m.group(1).upper(), m.group(2).upper(), re.sub(r"\s+", "", m.group(3).upper())
    return f"{act} {number}{sub}", f"{act} {number}"


def classify(written: tuple[str, ...], table: dict[str, OffenceSection]) -> Classified:
    """The FIR's sections checked against the maintained table (only active rows are in `table`)."""
    if not written:
        raise CaseProblem("name at least one offence section", "sections_required")
    codes, found, unknown = [], [], []
    for text in written:
        try:
            shown, key = section_code(text)
        except CaseProblem:
            unknown.append((text or "")[:40])
            continue
        if key not in table:
            unknown.append(shown)
            continue
        if shown not in codes:
            codes.append(shown)
            found.append(table[key])
    if unknown:
        raise CaseProblem(f"not in the table of offence sections: {', '.join(unknown)}", "unknown_section",
                          sections=unknown)
    classes = sorted({s.clock_class for s in found if s.clock_class})
    return Classified(tuple(codes), any(s.sexual_offence for s in found),
                      any(s.woman_officer_required for s in found), classes[0] if classes else None,
                      any(s.act == "POCSO" for s in found), any(s.registrable for s in found), tuple(found))


def check_fir(fir: Fir, table: dict[str, OffenceSection], now: datetime) -> tuple[Fir, Classified]:
    """The FIR as stored (text trimmed) and what its sections imply; a broken rule raises `CaseProblem`."""
    got = classify(fir.sections, table)
    woman = " ".join((fir.woman_officer or "").split())
    if got.woman_officer_required and not woman:
        raise CaseProblem("a sexual offence is recorded by a woman officer (BNSS s173(1)): name her",
                          "woman_officer_must_record")
    if fir.occurred_at > now + timedelta(minutes=5):
        raise CaseProblem("the offence cannot have happened after now", "occurred_in_future")
    name = " ".join(fir.victim.name.split())
    if not name:
        raise CaseProblem("give her name: it is sealed, and shown only to the investigating officer",
                          "victim_name_required")
    if got.pocso and fir.victim.age is None:
        raise CaseProblem("a POCSO offence needs the child's age", "victim_age_required")
    if got.pocso and fir.victim.age is not None and fir.victim.age >= 18:
        raise CaseProblem("POCSO protects children: the victim's age must be under 18", "pocso_victim_not_a_child")
    place = " ".join(fir.place.split())
    if not place:
        raise CaseProblem("say where it happened", "place_required")
    if not fir.accused or len(fir.accused) > MAX_ACCUSED:
        raise CaseProblem(f"list the accused: 1 to {MAX_ACCUSED} ({{\"known\": false}} for an unknown one)",
                          "accused_required")
    accused = tuple(_checked_accused(a) for a in fir.accused)
    summary = fir.summary.strip()
    if len(summary) < 10:
        raise CaseProblem("write the substance of the information (at least a sentence)", "summary_required")
    victim = Victim(name[:200], fir.victim.phone, " ".join((fir.victim.address or "").split())[:500] or None,
                    fir.victim.age, fir.victim.language, fir.victim.channel)
    return (Fir(fir.station_id, got.sections, fir.occurred_at, place[:300], victim, accused, woman[:120] or None,
                summary[:8000], fir.kind, fir.incident_tracking, fir.zero_fir, fir.jurisdiction_station_id,
                fir.place_lat, fir.place_lon, fir.io_username), got)


def _checked_accused(a: Accused) -> Accused:
    if not a.known:
        return Accused(False, None, a.age, a.sex, " ".join(a.description.split())[:300])
    name = " ".join((a.name or "").split())
    if not name:
        raise CaseProblem("a known accused is named (or send {\"known\": false})", "accused_name_required")
    return Accused(True, name[:120], a.age, a.sex, " ".join(a.description.split())[:300])


def check_reason(text: str | None, what: str = "a reason") -> str:
    why = " ".join((text or "").split())
    if len(why) < 3:
        raise CaseProblem(f"give {what}", "reason_required")
    return why[:500]


# the FIR's number and her pseudonym -------------------------------------------------------------------
def city_code(city: str | None) -> str:
    letters = re.sub(r"[^A-Za-z]", "", city or "")
    return letters[:3].upper() if len(letters) >= 3 else "IND"


def fir_number(city: str | None, station_id: int, year: int, serial: int) -> str:
    """The station's serial for the year: 'MUM-17-2026-0012' (city, station, year, serial)."""
    return f"{city_code(city)}-{station_id}-{year}-{serial:04d}"


def pseudonym(number: str, position: int = 0) -> str:
    """How she is shown everywhere: 'Survivor MUM-17-2026-0012-A' (A for the FIR's first victim)."""
    return f"Survivor {number}-{chr(ord('A') + position)}"


def redact(text: str, secrets: list[str | None], replacement: str) -> str:
    """The text with each of her details (name, phone, address; at least 3 characters) replaced by her pseudonym,
    whatever the case of the letters: the FIR's substance is shown without them."""
    out = text
    for secret in sorted((s for s in secrets if s and len(s.strip()) >= 3), key=len, reverse=True):
        out = re.sub(re.escape(secret.strip()), replacement, out, flags=re.IGNORECASE)
        digits = re.sub(r"\D", "", secret)
        if len(digits) >= 8:  # a phone number written another way (spaces, without +91)
            out = re.sub(r"(?:\+?91[\s-]?)?" + r"[\s-]?".join(digits[-10:]), replacement, out)
    return out


# the clock ---------------------------------------------------------------------------------------
def pick_rule(clock_class: str | None, rules: dict[str, ClockRule]) -> ClockRule | None:
    return rules.get(clock_class) if clock_class else None


def deadline_of(recorded_at: datetime, rule: ClockRule) -> datetime:
    return recorded_at + timedelta(days=rule.days)


def alert_schedule(recorded_at: datetime, rule: ClockRule) -> list[tuple[AlertPoint, datetime]]:
    """Each alert point of the rule with when it falls due (the breach at the deadline), in order."""
    due = [(p, recorded_at + timedelta(days=rule.days if p.after_days is None else p.after_days))
           for p in rule.points]
    return sorted(due, key=lambda pair: pair[1])


def days_left(deadline: datetime, now: datetime) -> int:
    """Days until the deadline, a part of a day counted as a day (an hour before it: 1); once it has passed, the days
    over it as a negative number, counted the same way (an hour after it: -1); 0 only at the deadline itself."""
    left = (deadline - now) / timedelta(days=1)
    return math.ceil(left) if left >= 0 else math.floor(left)


def clock_state(deadline: datetime | None, stopped: bool, now: datetime) -> str:
    """ok (green), soon (amber), late (red), stopped (charge-sheet or closure report) or none (no set deadline)."""
    if stopped:
        return "stopped"
    if deadline is None:
        return "none"
    remaining = deadline - now  # amber from the 45-day point (15 days left), red from the 55-day point (5 left)
    return "late" if remaining <= timedelta(days=RED_DAYS) else "soon" if remaining <= timedelta(days=AMBER_DAYS) \
        else "ok"


def check_rule(rule: ClockRule) -> ClockRule:
    """A rule as an administrator may set it: 1-365 days, points within it, each naming known audiences."""
    if not 1 <= rule.days <= 365:
        raise CaseProblem("the deadline is 1 to 365 days", "invalid_deadline_rule")
    seen = set()
    for p in rule.points:
        if p.point in seen or not re.fullmatch(r"[a-z0-9_]{1,16}", p.point):
            raise CaseProblem("each alert point has its own short name (a-z, 0-9, _)", "invalid_deadline_rule")
        seen.add(p.point)
        if p.after_days is not None and not 0 < p.after_days < rule.days:
            raise CaseProblem("an alert point falls after the FIR and before the deadline", "invalid_deadline_rule")
        if not p.notify or any(n not in Audience.__members__.values() for n in p.notify):
            raise CaseProblem("each alert point names whom it alerts: io, station_head, district_superintendent",
                              "invalid_deadline_rule")
    return rule


def alert_reaches(p: Principal, notify: tuple[str, ...] | list[str], io_username: str | None, where: Locus) -> bool:
    """Does an alert of the clock go to this account? The IO by name (the station head while there is none), the
    station head as the station's own accounts, the district superintendent as the city's."""
    if p.role not in (Role.STATION_OFFICER, Role.ADMIN) or not p.covers(where):
        return False
    wanted = set(notify)
    if Audience.IO.value in wanted:
        if io_username and p.username == io_username:
            return True
        if not io_username:
            wanted.add(Audience.STATION_HEAD.value)
    if Audience.STATION_HEAD.value in wanted and p.scope_kind is ScopeKind.STATION:
        return True
    return Audience.DISTRICT_SUPERINTENDENT.value in wanted and p.scope_kind is ScopeKind.CITY
