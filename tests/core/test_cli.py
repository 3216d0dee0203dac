"""The command line as an operator runs it: a real process on a real database."""

import os
import subprocess
import sys

import pyotp
from sqlalchemy import create_engine, inspect, text

from suraksha.accounts.service import AccountService
from suraksha.core.auth import Role, ScopeKind
from suraksha.core.clock import SystemClock
from suraksha.core.privacy import Sealer
from suraksha.settings import DEV_SECRET


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


def test_an_operator_removes_a_lost_authenticator(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli2.db'}"
    env = {"SURAKSHA_DATABASE_URL": url}
    assert run("db", "upgrade", env=env).returncode == 0
    engine = create_engine(url)
    accounts = AccountService(engine, SystemClock(), Sealer(DEV_SECRET))
    p = accounts.create_account("sp_mumbai", "correct horse battery staple", Role.ADMIN, ScopeKind.NATIONAL)
    secret = accounts.begin_authenticator_set_up(p.account_id).secret
    with engine.connect() as conn:
        assert secret not in conn.execute(text("SELECT totp_secret_sealed FROM accounts")).scalar()
    accounts.confirm_authenticator(p.account_id, pyotp.TOTP(secret).now())
    assert accounts.second_step(p.account_id).value == "code"
    done = run("accounts", "reset-second-factor", "sp_mumbai", env=env)
    assert done.returncode == 0, done.stderr
    assert "authenticator removed" in done.stdout
    assert accounts.second_step(p.account_id).value == "set_up"
    assert run("accounts", "reset-second-factor", "nobody", env=env).returncode != 0


def test_an_operator_links_a_stations_women_helpline_to_a_whatsapp_number(tmp_path):
    url = f"sqlite:///{tmp_path / 'wa.db'}"
    env = {"SURAKSHA_DATABASE_URL": url}
    assert run("db", "upgrade", env=env).returncode == 0
    square = '{"type": "Polygon", "coordinates": [[[72.80, 18.90], [72.83, 18.90], [72.83, 18.93], [72.80, 18.93], [72.80, 18.90]]]}'
    stations = tmp_path / "stations.geojson"
    stations.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                        f'{{"name": "Colaba Police Station"}}, "geometry": {square}}}]}}')
    assert run("stations", "import", str(stations), "--city", "mumbai", env=env).returncode == 0
    station_id = create_engine(url).connect().execute(text("SELECT id FROM stations")).scalar_one()
    done = run("stations", "whatsapp", str(station_id), "106540352242922", "--reason", "Meta number verified", env=env)
    assert done.returncode == 0, done.stderr
    assert "106540352242922" in done.stdout
    with create_engine(url).connect() as conn:
        assert conn.execute(text("SELECT whatsapp_phone_number_id FROM stations")).scalar_one() == "106540352242922"
        assert conn.execute(text("SELECT kind, reason FROM helpline_changes")).one() == ("whatsapp",
                                                                                       "Meta number verified")
    refused = run("stations", "whatsapp", str(station_id), "+91 22 2285 6817", env=env)
    assert refused.returncode != 0 and "phone number id" in (refused.stdout + refused.stderr)
    unlinked = run("stations", "whatsapp", str(station_id), "--unlink", env=env)
    assert unlinked.returncode == 0 and "no WhatsApp number" in unlinked.stdout
    with create_engine(url).connect() as conn:
        assert conn.execute(text("SELECT whatsapp_phone_number_id FROM stations")).scalar_one() is None


def test_an_operator_creates_a_panic_button_gateways_account(tmp_path):
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    env = {**os.environ, "SURAKSHA_DATABASE_URL": url}
    assert run("db", "upgrade", env={"SURAKSHA_DATABASE_URL": url}).returncode == 0
    password = "a long gateway passphrase 7"
    done = subprocess.run([sys.executable, "-m", "suraksha", "accounts", "create", "safety-app", "--role", "integration"],
                          env=env, input=f"{password}\n{password}\n", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "safety-app (integration, national" in done.stdout
    refused = subprocess.run([sys.executable, "-m", "suraksha", "accounts", "create", "someone", "--role", "dispatcher"],
                             env=env, input=f"{password}\n{password}\n", capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "scope-kind" in (refused.stdout + refused.stderr)
