"""The shipped offence table and clock rules (`data/offences/`): read by the migration that seeds the tables and by
`suraksha cases offences`, which an administrator runs after changing the file. Plain Python."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from suraksha.cases.model import AlertPoint, CaseProblem, ClockRule, OffenceSection, section_code

DATA = Path(__file__).resolve().parent.parent / "data" / "offences"
SECTIONS_FILE = DATA / "sections.csv"
RULES_FILE = DATA / "clock_rules.json"
COLUMNS = ("code", "act", "section", "title", "sexual_offence", "woman_officer_required", "clock_class",
           "registrable", "source")


def _yes(value: str, line: int, column: str) -> bool:
    word = (value or "").strip().lower()
    if word not in ("yes", "no"):
        raise CaseProblem(f"line {line}: {column} is yes or no", "bad_offence_table")
    return word == "yes"


def read_sections(text: str) -> list[tuple[OffenceSection, str]]:
    """Each row of an offence table (CSV with `COLUMNS`) with its source; a malformed row raises `CaseProblem`."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CaseProblem(f"the offence table lacks columns: {', '.join(missing)}", "bad_offence_table")
    rows: list[tuple[OffenceSection, str]] = []
    for line, r in enumerate(reader, start=2):
        shown, key = section_code(r["code"])
        if shown != key or key != f"{r['act'].strip().upper()} {r['section'].strip().upper()}":
            raise CaseProblem(f"line {line}: the code is the act and the section ('BNS 64')", "bad_offence_table")
        title = " ".join((r["title"] or "").split())
        if not title:
            raise CaseProblem(f"line {line}: the section's title is missing", "bad_offence_table")
        rows.append((OffenceSection(key, r["act"].strip().upper(), r["section"].strip().upper(), title[:200],
                                    _yes(r["sexual_offence"], line, "sexual_offence"),
                                    _yes(r["woman_officer_required"], line, "woman_officer_required"),
                                    (r["clock_class"] or "").strip() or None,
                                    _yes(r["registrable"], line, "registrable")), (r["source"] or "").strip()[:300]))
    if len({s.code for s, _ in rows}) != len(rows):
        raise CaseProblem("a section is listed twice", "bad_offence_table")
    return rows


def shipped_sections() -> list[tuple[OffenceSection, str]]:
    return read_sections(SECTIONS_FILE.read_text(encoding="utf-8"))


def shipped_rules() -> tuple[list[ClockRule], str]:
    """The clock rules that ship (BNSS s193(2): 60 days, alerts at 30, 45, 55 days and on breach), and their source."""
    found = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    rules = [ClockRule(r["offence_class"], int(r["days"]),
                       tuple(AlertPoint(p["point"], p["after_days"], tuple(p["notify"])) for p in r["points"]),
                       r.get("title", "")) for r in found["rules"]]
    return rules, found["source"]
