"""Small registry files for the tests: CSV text built from rows of column -> value."""

from __future__ import annotations

import csv
import io

from suraksha.registry.rows import ALL_COLUMNS

RAMESH = {"record_id": "MH-0001", "state": "Maharashtra", "district": "Poona", "full_name": "Ramesh Kumar Yadav",
          "aliases": "Rambo", "father_name": "Suresh Yadav", "sex": "M", "dob": "1985-03-14",
          "address": "12 Shivaji Nagar, Pune", "act": "BNS", "section": "64", "conviction_date": "2019-06-01",
          "court": "Sessions Court Pune", "case_number": "SC/12/2018", "sentence": "7 years RI",
          "risk_tier": "2", "registered_on": "2024-01-10", "id_numbers": "aadhaar:1234 5678 9012",
          "marks": "scar on left cheek"}
SUNIL = {"record_id": "MH-0002", "state": "MH", "district": "Mumbai", "full_name": "Sunil Ganpat Patil",
         "father_name": "Ganpat Patil", "sex": "M", "age": "41", "age_as_of": "2023-05-01",
         "address": "Room 4, Colaba Market", "risk_tier": "1", "registered_on": "2023-05-01"}


def csv_bytes(*rows: dict, columns=ALL_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()




def operator():
    from suraksha.registry.audit import Actor

    return Actor("tests", "operator")
