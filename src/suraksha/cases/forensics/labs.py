"""The shipped list of forensic science laboratories (`data/forensics/labs.csv`): read by the migration that seeds
the `forensic_labs` table. Administrators change the table afterwards (`PUT /api/v1/forensic-labs/{lab_code}`).
Plain Python."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from suraksha.cases.forensics.model import ForensicProblem, Lab, check_lab

LABS_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "forensics" / "labs.csv"
COLUMNS = ("code", "name", "state", "city", "kind", "turnaround_days", "source")


def read_labs(text: str) -> list[tuple[Lab, str]]:
    """Each lab of a CSV with `COLUMNS`, checked, with its source; a malformed row raises `ForensicProblem`."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ForensicProblem(f"the lab list lacks columns: {', '.join(missing)}", "bad_lab_list")
    rows: list[tuple[Lab, str]] = []
    for line, r in enumerate(reader, start=2):
        try:
            lab = check_lab(Lab(r["code"] or "", r["name"] or "", r["state"] or "", r["city"] or "",
                                (r["kind"] or "").strip(), int(r["turnaround_days"] or "0")))
        except (ValueError, ForensicProblem) as err:
            raise ForensicProblem(f"line {line}: {err}", "bad_lab_list") from None
        rows.append((lab, " ".join((r["source"] or "").split())[:600]))
    if len({lab.code for lab, _ in rows}) != len(rows):
        raise ForensicProblem("a lab is listed twice", "bad_lab_list")
    return rows


def shipped_labs() -> list[tuple[Lab, str]]:
    return read_labs(LABS_FILE.read_text(encoding="utf-8"))
