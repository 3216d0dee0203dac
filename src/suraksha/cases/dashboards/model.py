"""The case dashboards' rules (issue 12, point 7): what one case adds to the figures, and how figures are read.

Every figure is a count or a number of days: no victim field, no accused. A case counts from the day it was put on
record (an e-FIR once signed; a lapsed one never), in the month of that day (its **cohort month**), at the station
that owns it now. Its contribution to the roll-up is a pure function of its facts (`counters`), so a change to a
case is the difference between what it adds now and what it added before.

- **open by age**: cases under investigation now, by days since the FIR (0-30, 31-45, 46-60, over 60).
- **completed within the deadline** (60 days for rape and POCSO, BNSS s193(2)): of the cases with a deadline whose
  outcome is known (a report filed, or the deadline's day passed without one), the share whose charge-sheet or
  closure report was filed by the deadline's day.
- **breach**: a report filed after the deadline's day, or none filed once it has passed; its **reasons** are the
  categories of delay recorded on the case (`cases.model.DelayCategory`), each counted once per case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from suraksha.cases.model import STOPPED_STATUSES, CaseStatus, DelayCategory
from suraksha.core.localtime import to_local

AGE_BUCKETS = (("0_30", 0, 30), ("31_45", 31, 45), ("46_60", 46, 60), ("over_60", 61, None))
OFFENCE_CLASSES = ("rape", "pocso", "other_sexual", "other")
DELAYS = tuple(c.value for c in DelayCategory)
NO_REASON = "none_recorded"
MAX_MONTHS = 60  # a period is at most five years of months
DEFAULT_MONTHS = 12
MIN_DECIDED_FOR_BEST = 3  # the best performer has at least this many cases whose outcome is known
RAPE_SECTIONS = {f"BNS {n}" for n in range(64, 72)}
DISPOSALS = ("conviction", "acquittal", "other")

# What each case adds to its roll-up row (station × cohort month × offence class).
COUNTERS = (
    "registered", "with_deadline", "open", "charge_sheets", "closures", "within_deadline", "late_reports",
    "report_days_sum", "reports_with_days",
    *(f"late_{d}" for d in DELAYS), f"late_{NO_REASON}",
    "forensic_requests", "forensic_results", "forensic_days_sum", "forensic_on_time",
    "court_cases", "court_pending", *(f"disposed_{d}" for d in DISPOSALS), "hearings", "adjournments",
)


class DashboardProblem(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def offence_class(sections: Iterable[str], sexual_offence: bool) -> str:
    """POCSO if any POCSO section, rape if any of BNS 64-71, another sexual offence, or other."""
    keys = {s.split("(")[0].strip().upper() for s in sections}
    if any(k.startswith("POCSO") for k in keys):
        return "pocso"
    if keys & RAPE_SECTIONS:
        return "rape"
    return "other_sexual" if sexual_offence else "other"


def delay_mask(categories: Iterable[str]) -> int:
    mask = 0
    for c in categories:
        if c in DELAYS:
            mask |= 1 << DELAYS.index(c)
    return mask


def delays_of(mask: int) -> list[str]:
    return [d for i, d in enumerate(DELAYS) if mask & (1 << i)]


@dataclass(frozen=True)
class CaseFacts:
    """What the dashboards know of one case on record: where and when it counts, and how it stands."""

    case_id: int
    station_id: int
    city: str | None
    state: str | None
    month: date  # the first day of its cohort month
    offence_class: str
    since_on: date  # the local day it was put on record
    deadline_on: date | None  # the local day of its deadline (None: no set deadline)
    status: str  # open | charge_sheet | closure_report
    filed_on: date | None = None
    delays: int = 0  # the categories of delay recorded (a bit per `DELAYS`)
    forensic_requests: int = 0
    forensic_results: int = 0
    forensic_days: int = 0  # the sum of days from sent to result, over its results
    forensic_on_time: int = 0  # results by their due day
    forensic_pending: int = 0  # samples sent and without a result
    forensic_due_on: date | None = None  # the earliest due day of those
    in_court: bool = False
    disposal: str | None = None
    hearings: int = 0
    adjournments: int = 0

    @property
    def report_days(self) -> int | None:
        return (self.filed_on - self.since_on).days if self.filed_on is not None else None

    @property
    def within(self) -> bool | None:
        if self.filed_on is None or self.deadline_on is None:
            return None
        return self.filed_on <= self.deadline_on


@dataclass(frozen=True)
class Forensics:
    """A case's forensic requests, summed: (sent_on, result_on, due_on) of each."""

    requests: int = 0
    results: int = 0
    days: int = 0
    on_time: int = 0
    pending: int = 0
    due_on: date | None = None

    @classmethod
    def of(cls, samples: Iterable[tuple[date | None, date | None, date | None]]) -> Forensics:
        requests = results = days = on_time = pending = 0
        due: date | None = None
        for sent_on, result_on, due_on in samples:
            requests += 1
            if result_on is not None:
                results += 1
                days += max(0, (result_on - sent_on).days) if sent_on else 0
                on_time += int(due_on is not None and result_on <= due_on)
            elif sent_on is not None:
                pending += 1
                if due_on is not None and (due is None or due_on < due):
                    due = due_on
        return cls(requests, results, days, on_time, pending, due)


@dataclass(frozen=True)
class Court:
    """A case in court: its disposal (None: pending), its hearings and how many were adjourned."""

    disposal: str | None
    hearings: int = 0
    adjournments: int = 0


def facts_of(case: Mapping, zone_name: str, delays: Iterable[str], forensics: Forensics,
             court: Court | None) -> CaseFacts | None:
    """A case row's facts; None for one not on record (an e-FIR awaiting its signature, or lapsed)."""
    if case["recorded_at"] is None or case["status"] not in (CaseStatus.UNDER_INVESTIGATION.value,
                                                              *STOPPED_STATUSES):
        return None
    since = to_local(case["recorded_at"], zone_name).date()
    deadline = to_local(case["deadline_at"], zone_name).date() if case["deadline_at"] is not None else None
    stopped = case["status"] in STOPPED_STATUSES  # a judgment (convicted, acquitted, disposed) follows a charge-sheet
    status = "closure_report" if case["status"] == CaseStatus.CLOSURE_REPORT.value else \
        "charge_sheet" if stopped else "open"
    return CaseFacts(
        case_id=case["id"], station_id=case["station_id"], city=case["city"], state=case["state"],
        month=month_of(since), offence_class=offence_class(case["sections"] or (), bool(case["sexual_offence"])),
        since_on=since, deadline_on=deadline, status=status,
        filed_on=(case["report_filed_on"] or to_local(case["stopped_at"], zone_name).date()) if stopped else None,
        delays=delay_mask(delays), forensic_requests=forensics.requests, forensic_results=forensics.results,
        forensic_days=forensics.days, forensic_on_time=forensics.on_time, forensic_pending=forensics.pending,
        forensic_due_on=forensics.due_on, in_court=court is not None,
        disposal=court.disposal if court else None, hearings=court.hearings if court else 0,
        adjournments=court.adjournments if court else 0)


def counters(f: CaseFacts | None) -> dict[str, int]:
    """What the case adds to its roll-up row (every counter present, zeros included)."""
    out = dict.fromkeys(COUNTERS, 0)
    if f is None:
        return out
    out["registered"] = 1
    out["with_deadline"] = int(f.deadline_on is not None)
    out["open"] = int(f.status == "open")
    out["charge_sheets"] = int(f.status == "charge_sheet")
    out["closures"] = int(f.status == "closure_report")
    if f.report_days is not None:
        out["report_days_sum"], out["reports_with_days"] = f.report_days, 1
    if f.within is True:
        out["within_deadline"] = 1
    elif f.within is False:
        out["late_reports"] = 1
        reasons = delays_of(f.delays) or [NO_REASON]
        for r in reasons:
            out[f"late_{r}"] = 1
    out["forensic_requests"], out["forensic_results"] = f.forensic_requests, f.forensic_results
    out["forensic_days_sum"], out["forensic_on_time"] = f.forensic_days, f.forensic_on_time
    if f.in_court:
        out["court_cases"] = 1
        if f.disposal in DISPOSALS:
            out[f"disposed_{f.disposal}"] = 1
        else:
            out["court_pending"] = 1
        out["hearings"], out["adjournments"] = f.hearings, f.adjournments
    return out


def difference(new: Mapping[str, int], old: Mapping[str, int]) -> dict[str, int]:
    return {k: new.get(k, 0) - old.get(k, 0) for k in COUNTERS}


# reading ---------------------------------------------------------------------------------------------------
def age_bucket(since_on: date, today: date) -> str:
    age = (today - since_on).days
    for name, low, high in AGE_BUCKETS:
        if age >= low and (high is None or age <= high):
            return name
    return AGE_BUCKETS[0][0]  # recorded "after today" (a clock moved back): the youngest


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    out, m = [], month_of(first)
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | None, what: str) -> date | None:
    if text is None or not text.strip():
        return None
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise DashboardProblem(f"give {what} as YYYY-MM", "invalid_month")
    return date(int(m.group(1)), int(m.group(2)), 1)


def period(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """The cohort months shown: by default the twelve months up to this one."""
    last = last or month_of(today)
    first = first or add_months(last, 1 - DEFAULT_MONTHS)
    if first > last:
        raise DashboardProblem("the period's first month comes before its last", "invalid_period")
    if len(months_between(first, last)) > MAX_MONTHS:
        raise DashboardProblem(f"a period is at most {MAX_MONTHS} months", "invalid_period")
    return first, last


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def median_of(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as {value: how many}."""
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted(histogram.items())

    def nth(k: int) -> int:  # the k-th value (from 0)
        seen = 0
        for value, n in ordered:
            seen += n
            if k < seen:
                return value
        return ordered[-1][0]

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def mean(total: int, n: int) -> float | None:
    return round(total / n, 1) if n else None


@dataclass(frozen=True)
class Area:
    """One row of the breakdown: a state (national view), a district (a state's), a station (a district's)."""

    key: str
    name: str
    figures: dict


def rank(areas: list[Area]) -> list[Area]:
    """Best first: the highest share completed within the deadline; areas with no known outcome last."""
    return sorted(areas, key=lambda a: (a.figures["share_within"] is None, -(a.figures["share_within"] or 0),
                                        -a.figures["decided"], a.name))


def best_practice(ranked: list[Area]) -> Area | None:
    """The best performer whose figures are set beside each area's: the first with enough known outcomes."""
    return next((a for a in ranked if a.figures["share_within"] is not None
                 and a.figures["decided"] >= MIN_DECIDED_FOR_BEST), None)
