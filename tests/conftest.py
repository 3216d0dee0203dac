"""Test set-up: a real database (SQLite file or PostgreSQL), a real server on a real port, real Chromium.

SURAKSHA_TEST_DB=sqlite (default) or postgres (SURAKSHA_TEST_POSTGRES_URL, default the local server's `test`
database). The schema comes from the Alembic migrations. Mumbai's 91 stations and one account per role
are the baseline; every test starts from it (all tables emptied and the baseline put back).
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import nats
import pyotp
import pytest
from sqlalchemy import delete, func, insert, select, text
from twilio.request_validator import RequestValidator

from suraksha.accounts.model import SecondStep
from suraksha.accounts.store import accounts as accounts_table
from suraksha.accounts.store import recovery_codes
from suraksha.adapters.db import make_engine
from suraksha.adapters.leases import Lease
from suraksha.bootstrap import build_container
from suraksha.core.auth import Role, ScopeKind
from suraksha.core.clock import FixedClock
from suraksha.demo.setup import demo_numbers, shipped_jurisdictions
from suraksha.entrypoints.server import ServerThread
from suraksha.messaging.providers import ConsoleProvider
from suraksha.messaging.whatsapp import ConsoleWhatsApp
from suraksha.migrations.run import upgrade
from suraksha.migrations.tables import metadata, positions_metadata
from suraksha.settings import Settings

START = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)  # 10:00 in Mumbai
METRICS_TOKEN = "test-metrics-token"  # `GET /metrics` (Prometheus) of the suite's server
TEST_PASSWORD = "correct horse battery staple"
TWILIO_TOKEN = "test-twilio-auth-token"
WHATSAPP_SECRET = "test-whatsapp-app-secret"  # signs the suite's WhatsApp deliveries (X-Hub-Signature-256)
WHATSAPP_VERIFY_TOKEN = "test-whatsapp-verify-token"
HOME_WHATSAPP_ID = "106540352242922"  # the home station's WhatsApp Business phone number id
# kept: reference data and the baseline (accounts with their authenticators and recovery codes)
BASELINE_TABLES = ("places", "dispositions", "stations", "accounts", "recovery_codes", "response_targets",
                   "offence_sections", "clock_rules", "forensic_labs", "courts")
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
HOME_STATION = "Colaba Police Station"


def backend() -> str:
    return os.environ.get("SURAKSHA_TEST_DB", "sqlite")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if backend() == "postgres":
        url = os.environ.get("SURAKSHA_TEST_POSTGRES_URL", PG_DEFAULT)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'suraksha-test.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def server_port() -> int:
    from suraksha.entrypoints.server import _free_port

    return _free_port("127.0.0.1")


@pytest.fixture(scope="session")
def test_settings(database_url, server_port, tmp_path_factory) -> Settings:
    return Settings(env="test", database_url=database_url, public_url=f"http://127.0.0.1:{server_port}",
                    twilio_auth_token=TWILIO_TOKEN, secret_key="test-secret-key-for-suraksha",
                    whatsapp_app_secret=WHATSAPP_SECRET, whatsapp_verify_token=WHATSAPP_VERIFY_TOKEN,
                    outbox_poll_seconds=0.05, registry_files_dir=str(tmp_path_factory.mktemp("registry-files")),
                    audit_checkpoint_path=str(tmp_path_factory.mktemp("audit") / "checkpoints.jsonl"),
                    metrics_token=METRICS_TOKEN,
                    # the tests fire each timer step and send due messages themselves, with the injected clock
                    run_timers=False, send_messages=False)


@pytest.fixture(scope="session")
def _session(test_settings, server_port):
    clock = FixedClock(START)
    c = build_container(test_settings, clock=clock, provider=ConsoleProvider(), whatsapp=ConsoleWhatsApp())
    baseline = _make_baseline(c)
    server = ServerThread(c, port=server_port).start()
    yield c, baseline, server
    server.stop()
    c.engine.dispose()


def _make_baseline(c) -> dict[str, list[dict]]:
    c.stations.import_geojson(shipped_jurisdictions("mumbai"), "mumbai", actor="tests")
    c.stations.assign_numbers_in_bulk(demo_numbers([s.id for s in c.stations.all("mumbai")]), "tests", "tests")
    home = next(s for s in c.stations.all("mumbai") if s.name == HOME_STATION)
    c.stations.link_whatsapp(home.id, HOME_WHATSAPP_ID, "tests")
    for username, role, kind, value in (
        ("dispatcher", Role.DISPATCHER, ScopeKind.CITY, "mumbai"),
        ("officer", Role.STATION_OFFICER, ScopeKind.STATION, str(home.id)),
        ("responder", Role.RESPONDER, ScopeKind.STATION, str(home.id)),
        ("admin", Role.ADMIN, ScopeKind.NATIONAL, ""),
        ("outsider", Role.DISPATCHER, ScopeKind.CITY, "bengaluru"),
        ("registry", Role.REGISTRY_OFFICER, ScopeKind.STATE, "MH"),
        ("supervisor", Role.REGISTRY_SUPERVISOR, ScopeKind.NATIONAL, ""),
        ("registry_ka", Role.REGISTRY_OFFICER, ScopeKind.STATE, "KA"),
        ("volunteer", Role.VOLUNTEER, ScopeKind.STATION, str(home.id)),  # an account with no volunteer record
        ("integration", Role.INTEGRATION, ScopeKind.NATIONAL, ""),  # a panic-button app's gateway
    ):
        add_account(c, username, role, kind, value)
    with c.engine.connect() as conn:
        return {t: [dict(r._mapping) for r in conn.execute(select(metadata.tables[t]))] for t in BASELINE_TABLES}


def _restore(c, baseline) -> None:
    with c.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
        for name in BASELINE_TABLES:
            conn.execute(insert(metadata.tables[name]), baseline[name])
        if c.engine.dialect.name == "postgresql":
            for table in metadata.sorted_tables:
                if "id" in table.c and table.c.id.primary_key:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
    with c.dispatch.positions.store_engine.begin() as conn:  # the positions' store (a file of its own on SQLite)
        for table in positions_metadata.sorted_tables:
            conn.execute(delete(table))
    if c.registry.audit.checkpoints.path is not None:  # the signed checkpoints of an audit trail emptied above
        c.registry.audit.checkpoints.path.unlink(missing_ok=True)
    c.stations.reload()
    c.dispatch.reload()
    c.targets.reload()
    c.societies.reload()
    c.registry.index.reload()


# Two-step sign-in for the accounts whose role needs it: their authenticators' secrets and recovery codes.
TOTP_SECRETS: dict[str, str] = {}
RECOVERY_CODES: dict[str, list[str]] = {}


def _set_up_authenticator(c, username: str, account_id: int) -> None:
    """Set up as a person would, ten minutes before the clock's now, so that the first code a test sends is not
    a replay of the one that confirmed the set-up."""
    saved = c.clock._now
    c.clock._now = saved - timedelta(minutes=10)
    secret = c.accounts.begin_authenticator_set_up(account_id).secret
    RECOVERY_CODES[username] = c.accounts.confirm_authenticator(account_id, pyotp.TOTP(secret).at(c.clock.now()))
    TOTP_SECRETS[username] = secret
    c.clock._now = saved


def add_account(c, username: str, role: Role, scope_kind: ScopeKind, scope_value: str = "", **kw):
    """A staff account as it is after its first sign-in: with its authenticator set up if the role needs one."""
    p = c.accounts.create_account(username, TEST_PASSWORD, role, scope_kind, scope_value, **kw)
    if c.accounts.second_step(p.account_id) is SecondStep.SET_UP:
        _set_up_authenticator(c, username, p.account_id)
    return p


def second_factor_code(c, username: str) -> str:
    """A code the server will take now: the authenticator's, for a step not used yet (the current one or the
    next, within the allowed drift), else the first unused recovery code of the baseline."""
    totp = pyotp.TOTP(TOTP_SECRETS[username])
    with c.engine.connect() as conn:
        last = conn.execute(select(accounts_table.c.totp_last_step)
                            .where(accounts_table.c.username == username)).scalar()
        used = set(conn.execute(select(recovery_codes.c.code_hash).where(recovery_codes.c.used_at.is_not(None)))
                   .scalars())
    current = totp.timecode(c.clock.now())
    for step in (current, current + 1):
        if last is None or step > last:
            return totp.generate_otp(step)
    for code in RECOVERY_CODES[username]:
        if c.accounts._recovery_hash(code.replace("-", "")) not in used:
            return code
    raise AssertionError(f"{username} has no code left")


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def web_sign_in(server_url: str, c, username: str, next_page: str = "",
                password: str = TEST_PASSWORD) -> tuple[httpx.Client, httpx.Response]:
    """Sign in through the pages as a person would, the one-time code included when the account needs one;
    returns the client (its cookie is the session) and the last response."""
    client = httpx.Client(base_url=server_url, timeout=30)
    r = client.post("/login", data={"username": username, "password": password,
                                    "csrf": csrf_of(client.get("/login").text), "next": next_page})
    if r.status_code == 303 and r.headers["location"] == "/login/code":
        r = client.post("/login/code", data={"code": second_factor_code(c, username),
                                             "csrf": csrf_of(client.get("/login/code").text)})
    return client, r


@pytest.fixture
def container(_session):
    c, baseline, _server = _session
    c.clock._now = START
    _restore(c, baseline)
    c.messages.provider.sent.clear()
    c.messages.whatsapp.sent.clear()
    return c


@pytest.fixture
def server_url(_session, container) -> str:
    return _session[2].url


@pytest.fixture
def http(server_url):
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client


@pytest.fixture
def auth(http, container):
    tokens: dict[str, dict] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            form = {"username": username, "password": TEST_PASSWORD}
            if username in TOTP_SECRETS:
                form["otp"] = second_factor_code(container, username)
            r = http.post("/api/v1/auth/token", data=form)
            assert r.status_code == 200, r.text
            tokens[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return tokens[username]

    return headers


@pytest.fixture
def station_id(container) -> int:
    return next(s.id for s in container.stations.all("mumbai") if s.name == HOME_STATION)


@pytest.fixture
def home_station(container, station_id):
    return container.stations.get(station_id)


def sign(url: str, form: dict[str, str], token: str = TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


class SmsSender:
    """Posts Twilio-shaped, Twilio-signed inbound SMS to the webhook."""

    def __init__(self, http: httpx.Client, public_url: str, default_to: str) -> None:
        self.http, self.public_url, self.default_to = http, public_url, default_to
        self.count = 0

    def form(self, body: str, sender: str = "+919820012345", to: str | None = None, sid: str | None = None) -> dict:
        self.count += 1
        return {"MessageSid": sid or f"SM{self.count:032d}", "AccountSid": "AC" + "0" * 32, "From": sender,
                "To": to or self.default_to, "Body": body, "NumMedia": "0", "FromCountry": "IN"}

    def post(self, form: dict, signature: str | None = None) -> httpx.Response:
        url = self.public_url + "/webhooks/twilio/sms"
        sig = signature if signature is not None else sign(url, form)
        return self.http.post("/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": sig})

    def send(self, body: str, **kw) -> httpx.Response:
        return self.post(self.form(body, **kw))


def tracking_of(twiml: str) -> str:
    m = re.search(r"([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})", twiml)
    assert m, twiml
    return m.group(1)


@pytest.fixture
def sms(http, test_settings, home_station) -> SmsSender:
    return SmsSender(http, test_settings.public_url, home_station.women_helpline)


@pytest.fixture
def make_incident(sms):
    def make(body: str = "Help, a man is following me", lat: float | None = None, lon: float | None = None,
             to: str | None = None, sender: str = "+919820012345") -> str:
        if lat is not None and lon is not None:
            body = f"{body} geo:{lat},{lon}"
        r = sms.send(body, to=to, sender=sender)
        assert r.status_code == 200, r.text
        return tracking_of(r.text)

    return make


def rows_in(c, table_name: str, **where) -> int:
    """How many rows `table_name` holds (those whose columns equal `where`)."""
    table = metadata.tables[table_name]
    q = select(func.count()).select_from(table)
    for column, value in where.items():
        q = q.where(table.c[column] == value)
    with c.engine.connect() as conn:
        return conn.execute(q).scalar_one()


NATS_URL = "nats://127.0.0.1:4222"  # `make test` starts NATS with JetStream here


@pytest.fixture
def own_database(request, tmp_path) -> Iterator[str]:
    """A database of the test's own, for `suraksha serve` processes it starts: an SQLite file, or a PostgreSQL
    database created for it on the suite's server and dropped after it."""
    if backend() == "postgres":
        from tests.faults.support import throwaway_postgres

        with throwaway_postgres(request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")[:40]) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'own.db'}"


@pytest.fixture
def nats_stream() -> Iterator[str]:
    """A JetStream stream name of the test's own (subjects `<stream>.>`), deleted at the end if it was made."""
    name = f"TEST_{uuid.uuid4().hex[:12]}"
    yield name

    async def delete() -> None:
        nc = await nats.connect(NATS_URL)
        try:
            await nc.jetstream().delete_stream(name)
        except nats.js.errors.NotFoundError:
            pass
        finally:
            await nc.close()

    asyncio.run(delete())


@contextmanager
def relay_taken_from_the_server(c, lease: Lease):
    """The outbox relay's lease taken by a test's relay (`lease`, which must be able to get it), and the suite's
    own server made to ask for it again and be refused, so that the events a test records wait for the test's
    relay (the server's relay runs in the background all through the suite)."""
    assert lease.held()
    servers = c.relay.lease
    c.relay.lease = c.moves_relay.lease = Lease(c.engine, lease._clock, lease.name, "the-suites-server", lease.length)
    try:
        time.sleep(0.5)  # a relay step of the server's under way when the lease changed hands ends
        yield
    finally:
        c.relay.lease = c.moves_relay.lease = servers


def at_once(containers: list, step: Callable) -> list:
    """`step(c)` for each container (each a server process's, on one database), started together in threads, the
    way two nodes' timer loops may look at the same due rows at the same moment; what each returned, in order."""
    results: list = [None] * len(containers)
    gate = threading.Barrier(len(containers))

    def run(i: int, c) -> None:
        gate.wait()
        results[i] = step(c)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(containers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
