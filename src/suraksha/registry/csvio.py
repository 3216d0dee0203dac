"""CSV files of registry records, ground truth and dedupe results."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from suraksha.registry.matching.record import Conviction, PersonRecord

RECORD_COLUMNS = ("record_id", "state", "district", "full_name", "aliases", "father_name", "sex",
                  "dob", "age", "age_as_of", "address", "act", "section", "conviction_date", "court")


def _date(value: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(float(value)) if value else None


def _record_row(rec: PersonRecord) -> dict[str, str]:
    conv = rec.convictions
    return {
        "record_id": rec.record_id, "state": rec.state, "district": rec.district,
        "full_name": rec.full_name, "aliases": ";".join(rec.aliases),
        "father_name": rec.father_name, "sex": rec.sex,
        "dob": rec.dob.isoformat() if rec.dob else "",
        "age": "" if rec.age is None else str(rec.age),
        "age_as_of": rec.age_as_of.isoformat() if rec.age_as_of else "",
        "address": rec.address,
        "act": ";".join(c.act for c in conv), "section": ";".join(c.section for c in conv),
        "conviction_date": ";".join(c.conviction_date.isoformat() if c.conviction_date else ""
                                    for c in conv),
        "court": ";".join(c.court for c in conv),
    }


def write_records(path: str | Path, records: Iterable[PersonRecord]) -> int:
    """Write records with the registry CSV columns; returns the number written."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=RECORD_COLUMNS)
        writer.writeheader()
        for rec in records:
            writer.writerow(_record_row(rec))
            count += 1
    return count


def _convictions(row: Mapping[str, str]) -> list[Conviction]:
    parts = [(row.get(k) or "").split(";") for k in ("act", "section", "conviction_date", "court")]
    size = max(len(p) for p in parts)
    out = []
    for k in range(size):
        act, section, when, court = (p[k] if k < len(p) else "" for p in parts)
        if act or section or when or court:
            out.append(Conviction(act.strip(), section.strip(), _date(when), court.strip()))
    return out


def record_from_row(row: Mapping[str, str]) -> PersonRecord:
    """PersonRecord from one CSV row (missing columns are empty)."""
    return PersonRecord(
        record_id=(row.get("record_id") or "").strip(), state=row.get("state") or "",
        district=row.get("district") or "", full_name=row.get("full_name") or "",
        aliases=[a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()],
        father_name=row.get("father_name") or "", sex=(row.get("sex") or "").strip(),
        dob=_date(row.get("dob") or ""), age=_int(row.get("age") or ""),
        age_as_of=_date(row.get("age_as_of") or ""), address=row.get("address") or "",
        convictions=_convictions(row),
    )


def read_records(path: str | Path) -> list[PersonRecord]:
    """Read registry records from a CSV with RECORD_COLUMNS (extra columns ignored)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [record_from_row(row) for row in csv.DictReader(handle)]


def write_truth(path: str | Path, truth: Mapping[str, str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("record_id", "person_id"))
        writer.writerows(truth.items())


def write_clusters(path: str | Path, rows: Iterable[tuple[str, str, float]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("record_id", "cluster_id", "confidence"))
        writer.writerows(rows)
