"""The command line as an operator runs it: a real process on a real database."""

import os
import subprocess
import sys

from sqlalchemy import create_engine, inspect


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "suraksha", *args], env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def test_db_upgrade_creates_the_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    done = run("db", "upgrade", env={"SURAKSHA_DATABASE_URL": url})
    assert done.returncode == 0, done.stderr
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"stations", "incidents", "units", "assignments", "events", "accounts", "alembic_version"} <= tables


def test_import_reports_bad_features_and_fails_when_nothing_imports(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("db", "upgrade", env={"SURAKSHA_DATABASE_URL": url}).returncode == 0
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
                   '"geometry": {"type": "Point", "coordinates": [72.8, 19.0]}}]}')
    done = run("stations", "import", str(bad), "--city", "testcity", env={"SURAKSHA_DATABASE_URL": url})
    assert done.returncode == 1
    assert "rejected" in done.stdout and "'name'" in done.stdout
