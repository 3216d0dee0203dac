"""Positions of many units (issue 10, point 9), through the real server and database: the history stays bounded and
keeps each response's track, a late fix never moves a unit back, fixes written together are announced once per
station, bad items are reported one by one, and two processes prune without doing the work twice."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text

from suraksha.adapters.db import companion_url, make_engine
from suraksha.adapters.outbox import events_table
from suraksha.bootstrap import build_container
from suraksha.demo.setup import shipped_jurisdictions
from suraksha.dispatch.position_store import response_tracks, unit_moves, unit_positions
from suraksha.dispatch.store import assignments, units
from suraksha.migrations.run import upgrade
from tests.conftest import START, rows_in

WINDOW = timedelta(minutes=10)  # SURAKSHA_POSITION_HISTORY_MINUTES, the default the tests run with
STEP = timedelta(seconds=30)


def make_fleet(container, station, n: int, prefix: str) -> list[int]:
    """n units of a station, without a GPS fix yet."""
    return [container.dispatch.create_unit(f"{prefix}-{i:03d}", "patrol_van", station.id)["id"] for i in range(n)]


def near(station, i: int, k: int = 0) -> tuple[float, float]:
    """A point near a station's anchor, different for each unit i and step k (lon, lat)."""
    return round(station.anchor.lon + 0.0001 * i, 6), round(station.anchor.lat + 0.00005 * k, 6)


def history(container, unit_ids: list[int] | None = None) -> int:
    q = select(func.count()).select_from(unit_positions)
    if unit_ids is not None:
        q = q.where(unit_positions.c.unit_id.in_(unit_ids))
    with container.dispatch.positions.store_engine.connect() as conn:
        return conn.execute(q).scalar_one()


def prune_all(dispatch) -> None:
    while dispatch.prune_positions() >= 2000:
        pass


@pytest.fixture
def at_once(container, monkeypatch):
    """Each request's fixes written on its own (no waiting for a flush): tests that post many in a row."""
    monkeypatch.setattr(container.dispatch.positions, "flush_seconds", 0)
    return container


@pytest.fixture
def announced(container):
    """The UnitsMoved events the server publishes during the test (the outbox forgets them once published)."""
    seen: list = []
    container.bus.on("UnitsMoved", seen.append)
    return seen


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("not within the time allowed")


def test_the_history_stays_bounded_and_keeps_the_track_of_a_response(at_once, http, auth, home_station,
                                                                     make_incident):
    container, d, clock = at_once, at_once.dispatch, at_once.clock
    units = make_fleet(container, home_station, 20, "MUM-PV")
    sent = units[0]
    tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)
    start = clock.now()
    recorded: list = []  # the times of the sent unit's fixes
    for k in range(80):  # 40 minutes, a fix per unit every 30 s: 1,600 fixes
        if k == 20:
            d.assign(tracking, sent)
        if k == 40:
            d.set_status(sent, "available")  # cleared: the incident closes
            cleared = clock.now()
        if k == 41:  # a fix taken before clearing, delivered late: it still joins the track (LATE_GRACE)
            d.post_position(sent, *near(home_station, 0, 999), recorded_at=cleared - timedelta(seconds=15))
            recorded.append(cleared - timedelta(seconds=15))
        report = d.post_positions([{"unit_id": u, "lon": near(home_station, i, k)[0], "lat": near(home_station, i, k)[1]}
                                   for i, u in enumerate(units)])
        assert report == {"accepted": 20, "rejected": []}
        recorded.append(clock.now())
        d.prune_positions()
        clock.advance(seconds=STEP.total_seconds())

    # Bounded: the window's fixes of every unit (20 or 21 of each, 30 s apart over 10 minutes), nothing older.
    d.prune_positions()
    assert history(container) <= 20 * (WINDOW // STEP + 1)
    with container.dispatch.positions.store_engine.connect() as conn:
        oldest = conn.execute(select(func.min(unit_positions.c.received_at))).scalar_one()
    assert oldest >= clock.now() - WINDOW

    # The response's track: where the unit was when sent, then every fix until the clearing, oldest first.
    dispatched = start + 20 * STEP
    expected = sorted(t for t in recorded if dispatched - STEP <= t <= cleared)
    r = http.get(f"/api/v1/incidents/{tracking}/tracks", headers=auth("dispatcher"))
    assert r.status_code == 200, r.text
    [track] = r.json()["tracks"]
    assert track["unit_id"] == sent and track["step"] == "cleared"
    assert [p["recorded_at"] for p in track["points"]] == [t.isoformat() for t in expected]
    assert len(expected) == 23  # its position when sent, 21 fixes from dispatch to clearing, and the late one
    assert history(container, [sent]) <= WINDOW // STEP + 1  # the track is kept apart: the history let them go

    # After the retention period the track goes too.
    clock.advance(days=91)
    prune_all(d)
    assert d.tracks(tracking)[0]["points"] == []
    assert history(container) == 0


def test_a_late_or_out_of_order_fix_never_moves_a_unit_back(at_once, http, auth, home_station):
    container, d, clock = at_once, at_once.dispatch, at_once.clock
    [unit] = make_fleet(container, home_station, 1, "MUM-NS")
    now = clock.now()
    newest, older, oldest = near(home_station, 1, 1), near(home_station, 2, 2), near(home_station, 3, 3)
    d.post_positions([  # out of order within one batch: the newest stands
        {"unit_id": unit, "lon": newest[0], "lat": newest[1], "recorded_at": now - timedelta(seconds=10)},
        {"unit_id": unit, "lon": oldest[0], "lat": oldest[1], "recorded_at": now - timedelta(seconds=30)},
    ])
    late = d.post_position(unit, *older, recorded_at=now - timedelta(seconds=20))  # a late one on its own
    assert (late["lon"], late["lat"]) == newest
    r = http.post("/api/v1/units/positions", headers=auth("dispatcher"), json=[  # and through a gateway
        {"unit_id": unit, "lon": older[0], "lat": older[1], "recorded_at": (now - timedelta(seconds=25)).isoformat()}])
    assert r.json() == {"accepted": 1, "rejected": []}
    shown = http.get(f"/api/v1/units/{unit}", headers=auth("dispatcher")).json()
    assert (shown["lon"], shown["lat"], shown["position_at"]) == (*newest, (now - timedelta(seconds=10)).isoformat())
    in_memory = d.fleet.get(unit)
    assert (in_memory.lon, in_memory.lat) == newest  # what recommendations read
    assert history(container, [unit]) == 4  # every fix is in the history, late or not
    d.post_position(unit, *oldest)  # a fix taken now moves it
    assert (d.fleet.get(unit).lon, d.get_unit(unit)["lon"]) == (oldest[0], oldest[0])


def test_a_batch_of_thousands_of_fixes_is_announced_once_per_station(container, http, auth, home_station,
                                                                     announced):
    other = next(s for s in container.stations.all("mumbai") if s.id != home_station.id)
    ours, theirs = make_fleet(container, home_station, 50, "MUM-A"), make_fleet(container, other, 50, "MUM-B")
    now = container.clock.now()
    items = [{"unit_id": u, "lon": near(station, i, k)[0], "lat": near(station, i, k)[1],
              "recorded_at": (now - timedelta(seconds=30 - k)).isoformat()}
             for k in range(30) for station, fleet in ((home_station, ours), (other, theirs))
             for i, u in enumerate(fleet)]
    r = http.post("/api/v1/units/positions", json=items, headers=auth("dispatcher"))
    assert r.status_code == 200 and r.json() == {"accepted": 3000, "rejected": []}

    wait_for(lambda: len(announced) >= 2)
    time.sleep(0.3)  # the relay runs every 50 ms: anything more would be there by now
    assert sorted(e.payload["station_id"] for e in announced) == sorted([home_station.id, other.id])
    for event in announced:
        station, fleet = (home_station, ours) if event.payload["station_id"] == home_station.id else (other, theirs)
        assert [u["unit_id"] for u in event.payload["units"]] == fleet  # each unit once, with its newest fix
        assert [(u["lon"], u["lat"]) for u in event.payload["units"]] == [near(station, i, 29) for i in
                                                                          range(len(fleet))]
        assert {u["stale"] for u in event.payload["units"]} == {False}
    assert history(container, ours + theirs) == 3000
    with container.engine.connect() as conn:  # never in the main database's outbox, whose file intake commits to
        assert conn.execute(select(func.count()).select_from(events_table)
                            .where(events_table.c.type == "UnitsMoved")).scalar_one() == 0
    with container.dispatch.positions.store_engine.connect() as conn:  # the store's own: published, then forgotten
        assert conn.execute(select(func.count()).select_from(unit_moves)).scalar_one() == 0
    assert (container.dispatch.fleet.get(theirs[-1]).lon, container.dispatch.fleet.get(theirs[-1]).lat) == near(
        other, 49, 29)


def test_a_units_first_fix_taken_long_ago_is_announced_stale(container, home_station, announced):
    [unit] = make_fleet(container, home_station, 1, "MUM-BM")
    container.dispatch.post_position(unit, *near(home_station, 1), recorded_at=container.clock.now()
                                     - timedelta(minutes=11))
    wait_for(lambda: announced)
    assert announced[0].payload["units"][0]["stale"] is True and container.dispatch.get_unit(unit)["stale"] is True


def test_fixes_from_many_requests_at_once_are_written_in_a_few_flushes(container, http, auth, home_station,
                                                                       monkeypatch, announced):
    monkeypatch.setattr(container.dispatch.positions, "flush_seconds", 1.0)
    units = make_fleet(container, home_station, 20, "MUM-C")
    headers, before = auth("dispatcher"), container.dispatch.positions.flushes
    barrier, answers = threading.Barrier(len(units)), []

    def report(i: int, unit: int) -> None:
        lon, lat = near(home_station, i, 1)
        barrier.wait()
        answers.append(http.post("/api/v1/units/positions", json=[{"unit_id": unit, "lon": lon, "lat": lat}],
                                 headers=headers).json())

    threads = [threading.Thread(target=report, args=(i, u)) for i, u in enumerate(units)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [{"accepted": 1, "rejected": []}] * len(units)
    flushes = container.dispatch.positions.flushes - before
    assert 1 <= flushes <= 5, flushes  # 20 requests, a handful of transactions (each answered once committed)
    assert [container.dispatch.get_unit(u)["lon"] for u in units] == [near(home_station, i, 1)[0]
                                                                      for i in range(len(units))]
    wait_for(lambda: sum(len(e.payload["units"]) for e in announced) == len(units))
    assert len(announced) == flushes  # one station: one event per flush


def test_bad_items_are_reported_one_by_one_and_the_rest_written(container, http, auth, home_station, at_once):
    container.stations.import_geojson(shipped_jurisdictions("bengaluru"), "bengaluru", actor="tests")
    bengaluru = container.stations.all("bengaluru")[0]
    [ours] = make_fleet(container, home_station, 1, "MUM-D")
    theirs = container.dispatch.create_unit("BLR-NS-001", "nirbhaya_squad", bengaluru.id)["id"]
    now = container.clock.now()
    lon, lat = near(home_station, 1, 1)
    items = [
        {"unit_id": ours, "lon": lon, "lat": lat},
        {"unit_id": 999_999, "lon": lon, "lat": lat},
        {"call_sign": "MUM-D-000", "lon": 72.8, "lat": 95.0},
        {"unit_id": ours, "lon": lon, "lat": lat, "recorded_at": (now + timedelta(minutes=5)).isoformat()},
        {"lon": lon, "lat": lat},
        {"unit_id": theirs, "lon": bengaluru.anchor.lon, "lat": bengaluru.anchor.lat},
        {"unit_id": ours, "lon": lon, "lat": lat, "recorded_at": "2026-11-22T04:29:00"},
        {"call_sign": "mum-d-000", "lon": lon + 0.001, "lat": lat, "recorded_at": (now - timedelta(seconds=5))
         .isoformat()},
    ]
    r = http.post("/api/v1/units/positions", json=items, headers=auth("dispatcher"))  # Mumbai's control room
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 2
    assert [(x["index"], x["code"]) for x in r.json()["rejected"]] == [
        (1, "unit_not_found"), (2, "invalid_position"), (3, "invalid_position"), (4, "unit_missing"),
        (5, "not_your_unit"), (6, "invalid_position")]
    assert history(container, [ours]) == 2 and history(container, [theirs]) == 0
    assert (container.dispatch.get_unit(ours)["lon"], container.dispatch.get_unit(theirs)["position_at"]) == (lon, None)
    too_many = http.post("/api/v1/units/positions", json=[items[0]] * 5001, headers=auth("dispatcher"))
    assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "too_many_positions"


def test_a_track_is_shown_only_to_staff_whose_area_covers_the_incident(at_once, http, auth, home_station,
                                                                        make_incident):
    [unit] = make_fleet(at_once, home_station, 1, "MUM-E")
    tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)
    at_once.dispatch.assign(tracking, unit)
    at_once.clock.advance(seconds=10)
    at_once.dispatch.post_position(unit, *near(home_station, 1, 1))
    for user in ("dispatcher", "officer", "responder", "admin"):
        r = http.get(f"/api/v1/incidents/{tracking}/tracks", headers=auth(user))
        assert r.status_code == 200 and len(r.json()["tracks"][0]["points"]) == 1, (user, r.text)
    assert http.get(f"/api/v1/incidents/{tracking}/tracks", headers=auth("outsider")).status_code == 404
    assert http.get(f"/api/v1/incidents/{tracking}/tracks").status_code == 401


def test_two_processes_prune_together_without_doing_the_work_twice(at_once, test_settings, home_station,
                                                                   make_incident):
    container, d, clock = at_once, at_once.dispatch, at_once.clock
    units = make_fleet(container, home_station, 30, "MUM-F")
    tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)
    d.assign(tracking, units[0])
    for k in range(100):
        d.post_positions([{"unit_id": u, "lon": near(home_station, i, k)[0], "lat": near(home_station, i, k)[1]}
                          for i, u in enumerate(units)])
        clock.advance(seconds=10)
    d.set_status(units[0], "available")
    clock.advance(minutes=12)  # past the grace and the window: everything may go but the track
    nodes = [build_container(test_settings, clock=clock) for _ in range(2)]
    barrier, done = threading.Barrier(2), []

    def run(node) -> None:
        barrier.wait()
        total = 0
        while (n := node.dispatch.prune_positions(500)) >= 500:
            total += n
        done.append(total + n)

    try:
        threads = [threading.Thread(target=run, args=(node,)) for node in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for node in nodes:
            node.engine.dispose()
    # each fix deleted once, by one of them; a call counts the largest of its deletions and closings, so the call
    # that closes the track counts that closing as its one piece of work when it deleted no fix (then 3,001)
    assert history(container) == 0 and sum(done) in (3000, 3001), done
    with container.engine.connect() as conn:
        kept = conn.execute(select(func.count()).select_from(response_tracks)).scalar_one()
        closed = conn.execute(select(assignments.c.track_closed_at)).scalars().all()
    assert closed == [clock.now()]  # closed once, late fixes no longer join it
    assert kept == 100  # the unit's fixes from its dispatch to its clearing (it had none before), kept once


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database of the backend under test, beside the suite's (PostgreSQL: a schema of its own)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS positions_migration CASCADE"))
        conn.execute(text("CREATE SCHEMA positions_migration"))
    yield f"{database_url}?options=-csearch_path%3Dpositions_migration"
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA positions_migration CASCADE"))
    engine.dispose()


def test_the_migration_keeps_the_tracks_of_earlier_responses(scratch_url):
    upgrade(scratch_url, "0015_volunteers")
    engine = make_engine(scratch_url)

    def t(minute: int):
        return START + timedelta(minutes=minute)

    unit = {"kind": "patrol_van", "home_station_id": 1, "status": "available", "lon": 72.8, "lat": 18.9,
            "created_at": START, "updated_at": START}
    with engine.begin() as conn:
        conn.execute(insert(units), [{"id": 1, "call_sign": "MUM-PV-1", **unit}, {"id": 2, "call_sign": "MUM-PV-2", **unit}])
        conn.execute(insert(assignments), [
            {"id": 1, "incident_id": 1, "tracking": "AAAA-2222", "unit_id": 1, "dispatched_at": t(0), "cleared_at": t(20)},
            {"id": 2, "incident_id": 2, "tracking": "BBBB-3333", "unit_id": 2, "dispatched_at": t(25), "cleared_at": None}])
        conn.execute(insert(unit_positions), [
            {"unit_id": u, "lon": 72.8, "lat": 18.9 + m / 1000, "recorded_at": t(m), "received_at": t(m)}
            for u, m in ((1, -5), (1, 5), (1, 10), (1, 25), (2, 30))])
    engine.dispose()
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    with engine.connect() as conn:
        kept = conn.execute(select(response_tracks.c.assignment_id, response_tracks.c.recorded_at)
                            .order_by(response_tracks.c.assignment_id, response_tracks.c.recorded_at)).all()
        closed = dict(conn.execute(select(assignments.c.id, assignments.c.track_closed_at)).all())
    engine.dispose()
    assert kept == [(1, t(5)), (1, t(10)), (2, t(30))]  # each response's fixes from dispatch until it ended
    assert closed == {1: t(20), 2: None}  # the ended one is closed; the one under way still takes fixes


def test_each_units_newest_fix_wins_whatever_the_order():
    from suraksha.dispatch.positions import UnitFix, by_place, newest_per_unit

    def fix(unit: int, second: int, station: int = 1) -> UnitFix:
        return UnitFix(unit, f"U{unit}", station, "mumbai", "MH", 72.8 + second, 18.9, START + timedelta(seconds=second),
                       START)

    fixes = [fix(2, 5), fix(1, 30), fix(1, 10), fix(2, 5, station=1), fix(3, 1, station=7)]
    assert [(f.unit_id, f.at.second) for f in newest_per_unit(fixes)] == [(1, 30), (2, 5), (3, 1)]
    assert newest_per_unit(fixes)[1] is fixes[3]  # of two at the same time, the later one in the batch
    assert {place: [f.unit_id for f in group] for place, group in by_place(newest_per_unit(fixes)).items()} == {
        (1, "mumbai", "MH"): [1, 2], (7, "mumbai", "MH"): [3]}


def test_intake_commits_while_a_flush_holds_the_positions_store(container, make_incident, home_station):
    """A gateway's flush stopped half-way (its process paused by a garbage collection while it holds the lock) does
    not hold up intake: the positions' store has a lock of its own (SQLite: a file of its own; PostgreSQL: tables of
    its own, here locked against every other writer)."""
    [unit] = make_fleet(container, home_station, 1, "MUM-L")
    now = container.clock.now()
    with container.dispatch.positions.store_engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, the store's lock
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE unit_fixes, unit_positions IN EXCLUSIVE MODE"))
        conn.execute(insert(unit_positions).values(unit_id=unit, lon=72.8, lat=18.9, recorded_at=now, received_at=now))
        tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)  # answered: committed
        assert rows_in(container, "incidents", tracking=tracking) == 1
    assert history(container, [unit]) == 1


def test_the_positions_store_lies_beside_a_sqlite_database_and_inside_a_postgresql_one():
    assert companion_url("sqlite:////var/lib/suraksha/suraksha.db", "positions") == \
        "sqlite:////var/lib/suraksha/suraksha-positions.db"
    assert companion_url("sqlite:///var/suraksha", "positions") == "sqlite:///var/suraksha-positions"
    url = "postgresql://postgres@127.0.0.1:5432/test"
    assert companion_url(url, "positions") == url
    with pytest.raises(ValueError):
        companion_url("sqlite:///:memory:", "positions")
