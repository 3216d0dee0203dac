"""`suraksha simulate` as an operator runs it: a real process reading the city from the configured database (the
suite's SQLite file, or its PostgreSQL database with SURAKSHA_TEST_DB=postgres), replaying through the product's
services on a scratch copy, and never writing to the configured database."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.errors import ConfigurationError, InvalidInput
from suraksha.migrations.tables import metadata
from suraksha.simulation import planner
from suraksha.simulation.city import build_template, read_city, scratch_container
from suraksha.simulation.model import SimulatedClock
from suraksha.stations.model import HelplineKind
from tests.conftest import START, backend

KOLKATA = Path(__file__).parent.parent / "data" / "kolkata_police_station_jurisdictions.geojson"
ADMIN = Principal(0, "tests", Role.ADMIN, ScopeKind.NATIONAL, "")
PNG = b"\x89PNG\r\n\x1a\n"


def simulate(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SURAKSHA_DATABASE_URL": database_url, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "suraksha", "simulate", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def fingerprint(engine) -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of its rows: any write to the configured database changes it."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
            out[table.name] = (conn.execute(select(func.count()).select_from(table)).scalar(), digest)
    return out


def import_small_city(c, stations: int = 6) -> None:
    fc = json.loads(KOLKATA.read_text())
    fc["features"] = fc["features"][:stations]
    c.stations.import_geojson(json.dumps(fc), "kolkata", actor="tests", state="WB")


def scratch_dirs() -> set[str]:
    root = planner._scratch_root() or "/tmp"
    return {p for p in os.listdir(root) if p.startswith("suraksha-simulate-")}


def test_a_short_mumbai_night_through_the_cli(container, database_url, tmp_path):
    before, scratch = fingerprint(container.engine), scratch_dirs()
    out, png = tmp_path / "mumbai.json", tmp_path / "mumbai.png"
    done = simulate(database_url, "--city", "mumbai", "--hours", "1.5", "--sweep", "4,12", "--rate", "240",
                    "--seed", "5", "--json", str(out), "--plot", str(png))
    assert done.returncode == 0, done.stdout + done.stderr
    study = json.loads(out.read_text())
    assert (study["city"], study["state"], study["stations"], study["hours"]) == ("mumbai", "MH", 91, 1.5)
    assert study["arrivals"] >= 6  # 240 a day: about 11 in the small hours
    small, large = study["fleets"]
    assert (small["fleet"], large["fleet"]) == (4, 12)
    for f in study["fleets"]:
        assert f["incidents"] == f["arrivals"] == study["arrivals"]  # every message became one incident
        assert f["reached"] + f["not_reached"] == f["incidents"] and f["closed"] <= f["incidents"]
        assert len(f["response_times"]) == f["reached"] and f["response_times"] == sorted(f["response_times"])
        assert all(t >= 0 for t in f["response_times"])
        assert f["response_seconds"]["p50"] <= f["response_seconds"]["p90"] <= f["response_seconds"]["p99"]
        assert f["dispatch_wait_seconds"]["p50"] >= 0
        assert f["with_target"] == f["incidents"]  # Maharashtra's 10 minutes
        assert 0 <= f["within_target"] <= 1 and 0 <= f["within_10_minutes"] <= 1
        assert f["within_10_minutes"] == round(sum(t <= 600 for t in f["response_times"]) / f["incidents"], 4)
        assert 0 < f["utilisation"] <= 1 and len(f["utilisation_by_hour"]) == 2  # 1.5 hours: two hours begun
    assert large["response_seconds"]["p50"] <= small["response_seconds"]["p50"]  # more vans, never a worse median
    assert large["within_10_minutes"] >= small["within_10_minutes"]
    assert small["waited_for_a_unit"] > 0 and small["utilisation"] > large["utilisation"]
    assert png.read_bytes()[:8] == PNG
    assert "in 10 min" in done.stdout and "smallest fleet" in done.stdout or "None of the fleets" in done.stdout
    assert fingerprint(container.engine) == before  # the configured database was only read
    assert scratch_dirs() == scratch  # and the scratch copies are gone


def test_an_unknown_city_is_a_clear_error(container, database_url, tmp_path):
    done = simulate(database_url, "--city", "atlantis", "--fleet", "5", "--json", str(tmp_path / "x.json"))
    assert done.returncode == 2
    assert "city_not_found" in done.stdout and "atlantis" in done.stdout and "mumbai" in done.stdout
    assert not (tmp_path / "x.json").exists()


def test_fleet_sizes_are_checked():
    assert planner.check_fleets(None, "100, 50,50,") == [50, 100]
    assert planner.check_fleets(20, "10,30") == [10, 20, 30]
    for fleet, sweep, code in ((None, "10,many", "invalid_sweep"), (None, None, "fleet_required"),
                               (0, None, "invalid_fleet"), (None, "10,9999", "invalid_fleet")):
        with pytest.raises(InvalidInput) as e:
            planner.check_fleets(fleet, sweep)
        assert e.value.code == code


def test_no_database_is_said_so_and_not_created(test_settings, tmp_path):
    missing = tmp_path / "nowhere.db"
    with pytest.raises(ConfigurationError) as e:
        read_city(test_settings.model_copy(update={"database_url": f"sqlite:///{missing}"}), "mumbai")
    assert e.value.code == "no_database" and "suraksha db upgrade" in e.value.message
    assert not missing.exists()


def test_an_imported_city_is_simulated_with_its_own_targets(container, database_url, tmp_path):
    assert database_url.startswith("postgresql") == (backend() == "postgres")  # the source is the suite's database
    import_small_city(container)
    container.targets.set_target(ADMIN, "WB", "urban", None, None, 12, "a test's target for West Bengal")
    out = tmp_path / "kolkata.json"
    done = simulate(database_url, "--city", "Kolkata", "--hours", "1", "--fleet", "3", "--rate", "150",
                    "--json", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    study = json.loads(out.read_text())
    assert (study["city"], study["state"], study["stations"]) == ("kolkata", "WB", 6)
    (f,) = study["fleets"]
    assert f["fleet"] == 3 and f["incidents"] == study["arrivals"] > 0
    assert f["with_target"] == f["incidents"] and 0 <= f["within_target"] <= 1  # West Bengal's target was copied


def test_the_scratch_copy_has_the_citys_stations_numbers_areas_and_targets(container, test_settings, tmp_path):
    import_small_city(container)
    first = sorted(container.stations.all("kolkata"), key=lambda s: s.name)[0]
    container.stations.assign_helpline(first.id, HelplineKind.WOMEN, "+919830012345", "tests")
    container.targets.set_area_class(ADMIN, first.id, "rural")
    container.targets.set_target(ADMIN, "WB", "rural", None, None, 25, "test")
    container.targets.set_target(ADMIN, "MH", "urban", None, None, 9, "changed by an admin")
    source = read_city(test_settings, "kolkata")
    template = build_template(source, tmp_path, test_settings, SimulatedClock(START))
    c = scratch_container(test_settings, template.copy_to(tmp_path / "copy.db"), SimulatedClock(START))
    try:
        copied = sorted(c.stations.all("kolkata"), key=lambda s: s.name)
        assert [s.name for s in copied] == sorted(s.name for s in container.stations.all("kolkata"))
        assert copied[0].women_helpline == "+919830012345" and all(s.women_helpline for s in copied)
        assert c.targets.area_class(copied[0].id).value == "rural"
        assert c.targets.area_class(copied[1].id).value == "urban"
        rules = {(t["state"], t["area_class"]): t["minutes"] for t in c.targets.targets()}
        assert rules[("WB", "rural")] == 25 and rules[("MH", "urban")] == 9
        assert c.stations.all("mumbai") == []  # only the city simulated
    finally:
        c.engine.dispose()
