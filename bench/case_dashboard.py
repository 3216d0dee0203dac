"""Benchmark: the national case dashboard's first view over many cases, beside a plain aggregate query over the same
cases table, measured alternately in the same run (issue 12: under 1 s over 1,000,000 cases on PostgreSQL).

Usage: python bench/case_dashboard.py --database-url postgresql://postgres@127.0.0.1:5432/NAME [--cases 1000000]
       [--rounds 7]

The database is emptied and migrated. The cases are loaded with COPY: 36 states × 30 districts' stations (1,080
stations), FIRs spread over the 36 months before the benchmark's day, most under rape and POCSO sections with the
60-day clock; about 12% still under investigation, the others charge-sheeted (80% of them within the deadline) or
closed; a forensic sample for a third of them, a court for most charge-sheeted ones. The roll-up is then built by
the same code as the migration's backfill (`store.rebuild`). The national first view is the service call the page and
the API make (`CaseDashboards.dashboard` for an account of national scope, default filters: the last 12 months).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from suraksha.adapters.db import make_engine
from suraksha.cases.dashboards.service import CaseDashboards, Filters
from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.clock import FixedClock
from suraksha.migrations.run import upgrade
from suraksha.places.service import PlaceService
from suraksha.stations.service import StationService

NOW = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)
STATES = ("AP AR AS BR CG GA GJ HR HP JH KA KL MP MH MN ML MZ NL OD PB RJ SK TN TS TR UP UK WB AN CH DN DL JK LA LD "
          "PY").split()
SECTIONS = ((["BNS 64"], "bnss_193", 0.6), (["POCSO 4"], "bnss_193", 0.25), (["BNS 74"], None, 0.15))
PLAIN = "SELECT state, count(*), avg(deadline_days) FROM cases GROUP BY state"


def copy(conn, table: str, columns: list[str], rows) -> None:
    """COPY rows (tuples) into a table, through psycopg's COPY FROM STDIN."""
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
        for row in rows:
            out.write_row(row)


def load(engine, n: int, rng: random.Random) -> None:
    with engine.begin() as conn:
        stations = []
        for s, state in enumerate(STATES):
            for d in range(30):
                stations.append((s * 30 + d + 1, f"{state.lower()}-district-{d}", state, f"Station {state}-{d}",
                                 '{"type":"Point","coordinates":[77,20]}', 77.0, 20.0, NOW, NOW))
        copy(conn, "stations", ["id", "city", "state", "name", "geometry", "anchor_lon", "anchor_lat", "created_at",
                                "updated_at"], stations)
        conn.execute(text("SELECT setval(pg_get_serial_sequence('stations', 'id'), 2000)"))
        labs = [r[0] for r in conn.execute(text("SELECT id FROM forensic_labs"))]
        courts = [r[0] for r in conn.execute(text("SELECT id FROM courts"))]
        weights = [w for _, _, w in SECTIONS]

        def cases():
            for i in range(1, n + 1):
                station = stations[rng.randrange(len(stations))]
                recorded = NOW - timedelta(days=rng.uniform(0, 36 * 30.4))
                sections, clock, _ = rng.choices(SECTIONS, weights)[0]
                deadline = recorded + timedelta(days=60) if clock else None
                age = (NOW - recorded).days
                status, filed, stopped = "under_investigation", None, None
                if age > 20 and rng.random() < 0.88:
                    days = rng.randint(20, 59) if rng.random() < 0.8 else rng.randint(61, 150)
                    days = min(days, age)
                    stopped = recorded + timedelta(days=days)
                    filed = (stopped + timedelta(hours=5, minutes=30)).date()
                    status = "charge_sheeted" if rng.random() < 0.9 else "closure_report"
                number = f"B{i:07d}"
                yield (i, number, station[0], station[1], station[2], station[0], "walk_in", status, False,
                       json.dumps(sections), True, clock, recorded - timedelta(hours=8), "a place", "sealed",
                       f"Survivor {number}-A", "sealed", 24, "en", "bench", recorded, recorded, 60 if clock else None,
                       deadline, stopped, filed, stopped or recorded)

        copy(conn, "cases", ["id", "fir_number", "station_id", "city", "state", "registered_station_id", "kind",
                             "status", "zero_fir", "sections", "sexual_offence", "clock_class", "occurred_at", "place",
                             "summary_sealed", "pseudonym", "victim_name_sealed", "victim_age", "victim_language",
                             "registered_by", "registered_at", "recorded_at", "deadline_days", "deadline_at",
                             "stopped_at", "report_filed_on", "updated_at"], cases())
        conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), :n)"), {"n": n + 1})
        rows = conn.execute(text("SELECT id, recorded_at, status FROM cases")).all()

        def samples():
            for case_id, recorded, _status in rows:
                if rng.random() < 0.33:
                    sent = (recorded + timedelta(days=rng.randint(1, 5))).date()
                    result = sent + timedelta(days=rng.randint(5, 90)) if rng.random() < 0.85 else None
                    if result and result > NOW.date():
                        result = None
                    yield (case_id, rng.choice(labs), "swab", "a sample", recorded, "bench", sent, result,
                           sent + timedelta(days=30), NOW, "bench")

        copy(conn, "forensic_requests", ["case_id", "lab_id", "sample_kind", "description", "requested_at",
                                         "requested_by", "sent_on", "result_on", "due_on", "updated_at", "updated_by"],
             samples())

        def allocations():
            for case_id, recorded, status in rows:
                if status == "charge_sheeted" and rng.random() < 0.8:
                    disposed = rng.random() < 0.4
                    yield (case_id, rng.choice(courts), recorded + timedelta(days=70), "bench",
                           (recorded + timedelta(days=300)).date() if disposed else None,
                           rng.choice(("conviction", "acquittal", "other")) if disposed else None)

        copy(conn, "case_courts", ["case_id", "court_id", "allocated_at", "allocated_by", "disposed_on", "disposal"],
             allocations())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to empty and fill")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(args.database_url)
    rng = random.Random(12)

    start = time.perf_counter()
    load(engine, args.cases, rng)
    print(f"loaded {args.cases:,} cases (COPY) in {time.perf_counter() - start:.1f} s")
    clock = FixedClock(NOW)
    places = PlaceService(engine)
    dashboards = CaseDashboards(engine, clock, lambda _city: "Asia/Kolkata",
                                StationService(engine, clock, places))
    start = time.perf_counter()
    counted = dashboards.rebuild()
    print(f"roll-up built from them (the migration's backfill): {counted:,} cases in {time.perf_counter() - start:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))  # as autovacuum would: statistics and the visibility map
        rollup = conn.execute(text("SELECT count(*) FROM case_rollup")).scalar()
    print(f"roll-up rows: {rollup:,}")

    national = Principal(1, "ministry", Role.ADMIN, ScopeKind.NATIONAL, "")
    first = dashboards.dashboard(national, Filters())
    assert len(first["areas"]) == len(STATES), len(first["areas"])
    board_ms, plain_ms = [], []
    for _ in range(args.rounds):
        start = time.perf_counter()
        dashboards.dashboard(national, Filters())
        board_ms.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(text(PLAIN)).all()
        plain_ms.append(1000 * (time.perf_counter() - start))
    board, plain = statistics.median(board_ms), statistics.median(plain_ms)
    print(f"national dashboard, first view (12 months, 36 states ranked): median {board:.0f} ms "
          f"(min {min(board_ms):.0f}, max {max(board_ms):.0f})")
    print(f"plain aggregate ({PLAIN}): median {plain:.0f} ms")
    print(f"ratio dashboard / plain aggregate: {board / plain:.2f}  "
          f"({'under' if board < 1000 else 'OVER'} the 1 s target)")
    t = first["totals"]
    print(f"figures: {t['registered']:,} FIRs in 12 months, {t['share_within']:.1%} within the deadline, "
          f"median {t['median_days_to_charge_sheet']} days to charge-sheet; best: {first['best_practice']['name']}")
    engine.dispose()


if __name__ == "__main__":
    main()
