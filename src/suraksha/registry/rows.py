"""One row of a state's upload, checked column by column: either a clean registration or the problems found.

Plain Python (no framework). The column layout is documented in docs/registry.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from suraksha.registry.csvio import RECORD_COLUMNS
from suraksha.registry.matching.geo import STATE_BY_CODE, canonical_district, canonical_state
from suraksha.registry.rules import DEFAULT_TIER

EXTRA_COLUMNS = ("risk_tier", "registered_on", "marks", "id_numbers", "case_number", "sentence",
                 "address_state", "address_district", "address_lat", "address_lon", "address_from")
ALL_COLUMNS = (*RECORD_COLUMNS, *EXTRA_COLUMNS)
SEXES = {"m": "M", "male": "M", "f": "F", "female": "F", "t": "T", "transgender": "T", "": ""}


@dataclass(frozen=True)
class RowProblem:
    row: int  # line in the file: the header is line 1
    column: str
    problem: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "problem": self.problem}


@dataclass(frozen=True)
class ConvictionRow:
    act: str
    section: str
    court: str
    case_number: str
    conviction_date: date | None
    sentence: str


@dataclass(frozen=True)
class AddressRow:
    text: str
    state: str
    district: str
    lat: float | None
    lon: float | None
    valid_from: date | None


@dataclass(frozen=True)
class RegistrationRow:
    """A clean row: what a state registered about one person."""

    line: int
    record_id: str
    state: str
    district: str
    full_name: str
    aliases: tuple[str, ...]
    father_name: str
    sex: str
    dob: date | None
    age: int | None
    age_as_of: date | None
    risk_tier: int
    registered_on: date
    marks: tuple[str, ...]
    identities: tuple[tuple[str, str], ...]  # (kind, number) in clear: hashed before storage, never kept
    address: AddressRow | None
    convictions: tuple[ConvictionRow, ...] = field(default=())

    def content(self) -> str:
        """Every registered detail as text (identity numbers included: only ever hashed with a key)."""
        return repr(self.__dict__ | {"line": 0})


class _Checker:
    def __init__(self, row: Mapping[str, str | None], line: int) -> None:
        self.row, self.line, self.problems = row, line, []

    def text(self, column: str, limit: int = 500) -> str:
        value = (self.row.get(column) or "").strip()
        if len(value) > limit:
            self.fail(column, f"longer than {limit} characters")
        return value[:limit]

    def fail(self, column: str, problem: str) -> None:
        self.problems.append(RowProblem(self.line, column, problem))

    def day(self, column: str, value: str | None = None, today: date | None = None) -> date | None:
        value = self.text(column) if value is None else value.strip()
        if not value:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            self.fail(column, f"'{value}' is not a date as YYYY-MM-DD")
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            self.fail(column, f"'{value}' is not a real date")
            return None
        if today is not None and parsed > today:
            self.fail(column, f"{value} is in the future")
        return parsed

    def number(self, column: str, low: float, high: float, whole: bool = False) -> float | None:
        value = self.text(column)
        if not value:
            return None
        try:
            parsed = int(value) if whole else float(value)
        except ValueError:
            self.fail(column, f"'{value}' is not a {'whole ' if whole else ''}number")
            return None
        if not low <= parsed <= high:
            self.fail(column, f"{value} is outside {low:g}..{high:g}")
            return None
        return parsed

    def state(self, column: str, override: str | None) -> str:
        given = self.text(column)
        code = canonical_state(given) if given else ""
        if given and code not in STATE_BY_CODE:
            self.fail(column, f"'{given}' is not a state or union territory")
            return ""
        if override:
            if code and code != override:
                self.fail(column, f"the row says {code} but the upload is for {override}")
            return override
        if not given and column == "state":
            self.fail(column, "missing: say whose record this is (state name or two-letter code)")
        return code


def parse_row(row: Mapping[str, str | None], line: int, today: date,
              state_override: str | None = None) -> tuple[RegistrationRow | None, list[RowProblem]]:
    """Check one CSV row. Returns the clean registration, or None and every problem found."""
    ck = _Checker(row, line)
    record_id, full_name = ck.text("record_id", 64), ck.text("full_name")
    if not record_id:
        ck.fail("record_id", "missing")
    if not full_name:
        ck.fail("full_name", "missing")
    state = ck.state("state", state_override)
    sex = ck.text("sex").lower()
    if sex not in SEXES:
        ck.fail("sex", f"'{sex}' is not M, F or T")
    dob = ck.day("dob", today=today)
    age = ck.number("age", 0, 120, whole=True)
    age_as_of = ck.day("age_as_of", today=today) or (today if age is not None else None)
    tier = ck.number("risk_tier", 1, 3, whole=True)
    registered_on = ck.day("registered_on", today=today) or today
    convictions = _convictions(ck, today)
    address = _address(ck, state_override)
    identities = _identities(ck)
    if ck.problems:
        return None, ck.problems
    return RegistrationRow(
        line, record_id, state, _district(ck.text("district")), full_name,
        tuple(a.strip() for a in ck.text("aliases").split(";") if a.strip()), ck.text("father_name"),
        SEXES.get(sex, ""), dob, int(age) if age is not None else None, age_as_of,
        int(tier) if tier is not None else DEFAULT_TIER, registered_on,
        tuple(m.strip() for m in ck.text("marks").split(";") if m.strip()), identities, address,
        convictions,
    ), []


def _district(value: str) -> str:
    """The current name of a district (old names such as Gurgaon or Allahabad are understood)."""
    return canonical_district(value).title() if value else ""


def _convictions(ck: _Checker, today: date) -> tuple[ConvictionRow, ...]:
    columns = ("act", "section", "court", "case_number", "conviction_date", "sentence")
    parts = {c: ck.text(c, 2000).split(";") for c in columns}
    out = []
    for k in range(max(len(p) for p in parts.values())):
        values = {c: (parts[c][k].strip() if k < len(parts[c]) else "") for c in columns}
        if not any(values.values()):
            continue
        when = ck.day("conviction_date", values["conviction_date"], today=today)
        out.append(ConvictionRow(values["act"], values["section"], values["court"], values["case_number"],
                                 when, values["sentence"]))
    return tuple(out)


def _address(ck: _Checker, override: str | None) -> AddressRow | None:
    text = ck.text("address", 1000)
    lat, lon = ck.number("address_lat", -90, 90), ck.number("address_lon", -180, 180)
    if (lat is None) != (lon is None):
        ck.fail("address_lat" if lat is None else "address_lon", "give both latitude and longitude, or neither")
        lat = lon = None
    valid_from = ck.day("address_from")
    given_state = ck.text("address_state")
    state = canonical_state(given_state) if given_state else ""
    if given_state and state not in STATE_BY_CODE:
        ck.fail("address_state", f"'{given_state}' is not a state or union territory")
    if not (text or lat is not None):
        return None
    district = _district(ck.text("address_district"))
    return AddressRow(text, state, district, lat, lon, valid_from)


def _identities(ck: _Checker) -> tuple[tuple[str, str], ...]:
    out = []
    for item in ck.text("id_numbers", 2000).split(";"):
        item = item.strip()
        if not item:
            continue
        kind, sep, number = item.partition(":")
        if not sep or not kind.strip() or len(re.sub(r"\W", "", number)) < 4:
            ck.fail("id_numbers", "write each identity number as kind:number, e.g. aadhaar:123456789012")
            continue
        out.append((kind.strip().lower(), number.strip()))
    return tuple(out)

