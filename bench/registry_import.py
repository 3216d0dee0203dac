"""Benchmark: a state's first upload of 1,200,000 registrations, on SQLite and on PostgreSQL.

Usage: python bench/registry_import.py [--n 1200000] [--sqlite] [--database-url postgresql://…] [--again]

The file is made once and cached as var/registry_import_<n>.csv: one row per registration with every column an
upload may carry (names from the shipped lists, an alias on one row in five, a father's name, a date of birth or an
age, an address with coordinates, two identity numbers, a mark, one or two convictions). The database is emptied and
migrated, then the file goes through the same code as an officer's upload (`RegistryService.import_csv`: every row
checked, written in chunks, the audit entry), timed from the bytes to the commit. `--again` sends the same file a
second time (every row unchanged: the re-send path). Records per second are printed for each run.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from suraksha.adapters.db import make_engine
from suraksha.core.clock import FixedClock
from suraksha.migrations.run import upgrade
from suraksha.registry import store
from suraksha.registry.audit import Actor
from suraksha.registry.bulk_load import _tokens
from suraksha.registry.service import RegistryService

VAR = Path(__file__).resolve().parent.parent / "var"
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
COLUMNS = ("record_id", "state", "district", "full_name", "aliases", "father_name", "sex", "dob", "age",
           "risk_tier", "registered_on", "marks", "id_numbers", "address", "address_lat", "address_lon",
           "act", "section", "court", "case_number", "conviction_date", "sentence")
DISTRICTS = ("Pune", "Mumbai", "Nagpur", "Thane", "Nashik", "Aurangabad", "Solapur", "Kolhapur", "Satara", "Sangli")


def make_file(n: int) -> Path:
    path = VAR / f"registry_import_{n}.csv"
    if path.exists():
        return path
    VAR.mkdir(exist_ok=True)
    firsts, lasts = _tokens()
    rng = random.Random(5)
    part = path.with_suffix(".part")
    with part.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(1, n + 1):
            first, father, last = rng.choice(firsts), rng.choice(firsts), rng.choice(lasts)
            dob = date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
            convicted = date(2005, 1, 1) + timedelta(days=rng.randrange(7_000))
            two = rng.random() < 0.3
            writer.writerow([
                f"MH-{i:08d}", "MH", rng.choice(DISTRICTS), f"{first} {father} {last}",
                f"{rng.choice(firsts)}" if rng.random() < 0.2 else "", f"{father} {last}",
                "F" if i % 9 == 0 else "M", dob.isoformat() if rng.random() < 0.8 else "",
                "" if rng.random() < 0.8 else str(rng.randint(18, 70)), rng.randint(1, 3),
                convicted.isoformat(), "scar on the left hand" if rng.random() < 0.3 else "",
                f"aadhaar:{rng.randrange(10**11, 10**12)};pan:ABCDE{rng.randrange(1000, 9999)}F",
                f"{rng.randint(1, 400)} {rng.choice(('Station Road', 'Gandhi Nagar', 'Shivaji Chowk'))}",
                f"{18.4 + rng.random():.5f}", f"{73.7 + rng.random():.5f}",
                "IPC;POCSO" if two else "IPC", "354;8" if two else "376",
                "Sessions Court;Special Court" if two else "Sessions Court",
                f"SC/{i}/2015;SPL/{i}/2018" if two else f"SC/{i}/2015",
                f"{convicted.isoformat()};{(convicted + timedelta(days=900)).isoformat()}" if two
                else convicted.isoformat(), "7 years;5 years" if two else "10 years",
            ])
    part.rename(path)
    return path


def run(url: str, data: bytes, n: int, again: bool) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(url)
    with tempfile.TemporaryDirectory() as files:
        service = RegistryService(engine, FixedClock(NOW), "bench-secret", files, None)
        actor = Actor("bench", "admin")
        for label in ("first upload", "the same file again")[: 2 if again else 1]:
            start = time.perf_counter()
            report = service.import_csv(data, actor)
            seconds = time.perf_counter() - start
            with engine.connect() as conn:
                held = conn.execute(select(func.count()).select_from(store.registrations)).scalar()
            print(f"{engine.dialect.name}, {label}: {n:,} rows in {seconds:.1f} s = {n / seconds:,.0f} records/s "
                  f"(created {report.created:,}, updated {report.updated:,}, unchanged {report.unchanged:,}, "
                  f"rejected {report.rejected:,}; {held:,} registrations held)", flush=True)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_200_000)
    parser.add_argument("--sqlite", action="store_true", help="run on a new SQLite file (the default without "
                                                               "--database-url)")
    parser.add_argument("--database-url", help="a PostgreSQL database to empty and fill")
    parser.add_argument("--again", action="store_true", help="send the same file a second time")
    args = parser.parse_args()
    start = time.perf_counter()
    path = make_file(args.n)
    data = path.read_bytes()
    print(f"{path.name}: {len(data) / 2**20:.0f} MB ({time.perf_counter() - start:.0f} s to have it)", flush=True)
    if args.sqlite or not args.database_url:
        with tempfile.TemporaryDirectory(dir=VAR) as folder:
            run(f"sqlite:///{folder}/import.db", data, args.n, args.again)
    if args.database_url:
        run(args.database_url, data, args.n, args.again)
    print(f"peak resident memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
