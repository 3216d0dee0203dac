"""What the fault tests share: a database of their own, `suraksha serve` as a real process, signed SMS load.

The servers here are separate processes (not the suite's server thread), so that they can be killed, and each
runs on its own database, so that a fault never touches the suite's.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from suraksha.bootstrap import build_container
from suraksha.core.auth import Role, ScopeKind
from suraksha.demo.setup import demo_numbers, shipped_jurisdictions
from suraksha.entrypoints.server import _free_port
from suraksha.incidents.store import inbound_messages, incidents
from suraksha.messaging.store import outbound_messages
from suraksha.migrations.run import upgrade
from suraksha.settings import Settings
from tests.conftest import PG_DEFAULT, TEST_PASSWORD, TWILIO_TOKEN, sign

SECRET_KEY = "faults-secret-key-for-suraksha"  # the same for every start: her number's fingerprint must not change
READY_WITHIN_S = 60
BODIES = ("Help, a man is following me", "मुझे बचाओ, कोई पीछा कर रहा है", "Mera pati maar raha hai",
          "Boys are passing comments near the bus stop")
TRACKING = re.compile(r"([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})")


# databases -----------------------------------------------------------------------------------------------
@contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """A database created for one test on the suite's PostgreSQL server (never its `test` database), dropped
    at the end whatever happened."""
    server = make_url(os.environ.get("SURAKSHA_TEST_POSTGRES_URL", PG_DEFAULT))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(drivername="postgresql+psycopg", database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare_database(url: str, with_responder: bool = False) -> list[str]:
    """What `suraksha db upgrade` does, then Mumbai's stations with their helplines (and a responder's account:
    a role that signs in with a password alone). Returns the women-helpline numbers."""
    upgrade(url)
    c = build_container(Settings(database_url=url, secret_key=SECRET_KEY))
    try:
        c.stations.import_geojson(shipped_jurisdictions("mumbai"), "mumbai", actor="faults")
        c.stations.assign_numbers_in_bulk(demo_numbers([s.id for s in c.stations.all("mumbai")]), "faults", "faults")
        stations = c.stations.all("mumbai")
        if with_responder:
            c.accounts.create_account("responder", TEST_PASSWORD, Role.RESPONDER, ScopeKind.STATION,
                                      str(stations[0].id))
        return [s.women_helpline for s in stations if s.women_helpline]
    finally:
        c.engine.dispose()


def units_near(url: str, helpline: str, call_signs: list[str], east: list[float]) -> list[dict]:
    """Nirbhaya squads of the station whose women helpline this is, each `east` degrees east of its anchor."""
    c = build_container(Settings(database_url=url, secret_key=SECRET_KEY))
    try:
        c.stations.reload()
        station = next(s for s in c.stations.all("mumbai") if s.women_helpline == helpline)
        return [c.dispatch.create_unit(sign, "nirbhaya_squad", station.id, station.anchor.lon + offset, station.anchor.lat)
                for sign, offset in zip(call_signs, east, strict=True)]
    finally:
        c.engine.dispose()


# the server as a process ---------------------------------------------------------------------------------
class ServeProcess:
    """`suraksha serve` on 127.0.0.1 as a child process; its output goes to a file (never a pipe that fills)."""

    def __init__(self, database_url: str, log: Path, port: int = 0, **settings: str) -> None:
        self.port = port or _free_port("127.0.0.1")
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url, self.log = database_url, log
        self.settings = settings  # more SURAKSHA_* variables for this process
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        return {**os.environ, "SURAKSHA_DATABASE_URL": self.database_url, "PORT": str(self.port),
                "SURAKSHA_HOST": "127.0.0.1", "SURAKSHA_PUBLIC_URL": self.url, "SURAKSHA_ENV": "test",
                "SURAKSHA_TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "SURAKSHA_SECRET_KEY": SECRET_KEY,
                "SURAKSHA_LOG_LEVEL": "WARNING", **self.settings}

    def start(self) -> ServeProcess:
        return self.launch().ready()

    def launch(self) -> ServeProcess:
        """Start the process without waiting for it (`ready` waits): several nodes start side by side."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "suraksha", "serve"], env=self.env(),
                                         stdout=out, stderr=subprocess.STDOUT)
        return self

    def ready(self) -> ServeProcess:
        """Wait until it answers."""
        assert self.proc is not None
        deadline = time.monotonic() + READY_WITHIN_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"suraksha serve exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.url + "/openapi.json", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"suraksha serve did not answer within {READY_WITHIN_S} s:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, nothing the process can do about it."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


# signed SMS and the load that sends them -----------------------------------------------------------------
def signed_sms(numbers: list[str], public_url: str, seed: int) -> Iterator[tuple[dict, str]]:
    """Twilio-shaped messages, each from her own number (so each makes its own incident), with signatures."""
    rng = random.Random(seed)
    for i in itertools.count():
        body = rng.choice(BODIES)
        if rng.random() < 0.5:
            body += f" geo:{rng.uniform(18.93, 19.20):.5f},{rng.uniform(72.82, 72.95):.5f}"
        form = {"MessageSid": f"SM{seed:08d}{i:024d}", "AccountSid": "AC" + "0" * 32,
                "From": f"+9198{seed % 100:02d}{i:06d}", "To": rng.choice(numbers), "Body": body, "NumMedia": "0",
                "FromCountry": "IN"}
        yield form, sign(public_url + "/webhooks/twilio/sms", form)


@dataclass
class Answer:
    """One request and what came back: `status` None when no HTTP answer came (connection cut, timeout)."""

    route: str
    key: str  # the MessageSid for the webhook
    started: float  # monotonic
    seconds: float
    status: int | None
    text: str = ""
    retry_after: str | None = None
    error: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status == 200 and "<Message>" in self.text and TRACKING.search(self.text) is not None

    @property
    def tracking(self) -> str | None:
        m = TRACKING.search(self.text) if self.status == 200 else None
        return m.group(1) if m else None

    @property
    def code(self) -> str | None:
        m = re.search(r'"code"\s*:\s*"([a-z_]+)"', self.text)
        return m.group(1) if m else None


class Load:
    """Threads that post signed SMS to the webhook (each message once) until the list ends or `stop()`.

    `extra` adds one thread that calls another route in a loop (e.g. a JSON API route) until stopped."""

    def __init__(self, base_url: str, messages: Iterable[tuple[dict, str]], threads: int = 8,
                 timeout: float = 15.0, extra: tuple[str, dict[str, str]] | None = None) -> None:
        self.base_url, self.timeout, self.extra = base_url, timeout, extra
        self._messages = iter(messages)
        self.sent: dict[str, tuple[dict, str]] = {}  # MessageSid -> what was posted, for Twilio's retry
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.answers: list[Answer] = []
        self._threads = [threading.Thread(target=self._post_sms, daemon=True) for _ in range(threads)]
        if extra:
            self._threads.append(threading.Thread(target=self._call_extra, daemon=True))

    def start(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> Load:
        self._stop.set()
        return self.join()

    def join(self, timeout: float = 60) -> Load:
        for t in self._threads:
            t.join(timeout)
        assert not any(t.is_alive() for t in self._threads), "a load thread is stuck"
        return self

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def _next(self) -> tuple[dict, str] | None:
        with self._lock:
            item = None if self._stop.is_set() else next(self._messages, None)
            if item is not None:
                self.sent[item[0]["MessageSid"]] = item
            return item

    def _record(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)

    def _post_sms(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=self.timeout) as client:
            while (item := self._next()) is not None:
                form, signature = item
                self._record(self._call(client, "webhook", form["MessageSid"], lambda f=form, s=signature: client.post(
                    "/webhooks/twilio/sms", data=f, headers={"X-Twilio-Signature": s})))

    def _call_extra(self) -> None:
        assert self.extra is not None
        path, headers = self.extra
        with httpx.Client(base_url=self.base_url, timeout=self.timeout) as client:
            while not self._stop.is_set():
                self._record(self._call(client, "api", path, lambda: client.get(path, headers=headers)))
                time.sleep(0.02)

    @staticmethod
    def _call(client: httpx.Client, route: str, key: str, send) -> Answer:
        started = time.monotonic()
        try:
            r = send()
        except httpx.HTTPError as exc:
            return Answer(route, key, started, time.monotonic() - started, None, error=type(exc).__name__)
        return Answer(route, key, started, time.monotonic() - started, r.status_code, r.text,
                      r.headers.get("retry-after"))


# what the database holds ---------------------------------------------------------------------------------
@dataclass
class Stored:
    """Per MessageSid: how many inbound rows and which incidents' tracking numbers; per incident: its
    acknowledgements to her (TwiML replies and queued SMS alike)."""

    rows_per_sid: dict[str, int]
    trackings_per_sid: dict[str, set[str]]
    incident_ids: set[int]
    acknowledgements_per_incident: dict[int, int]
    queued_acknowledgements: int


def stored(url: str) -> Stored:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            rows: dict[str, int] = {}
            trackings: dict[str, set[str]] = {}
            for sid, tracking in conn.execute(select(inbound_messages.c.provider_id, incidents.c.tracking).join(
                    incidents, incidents.c.id == inbound_messages.c.incident_id)):
                rows[sid] = rows.get(sid, 0) + 1
                trackings.setdefault(sid, set()).add(tracking)
            ids = set(conn.execute(select(incidents.c.id)).scalars())
            acks: dict[int, int] = dict(conn.execute(select(outbound_messages.c.incident_id, func.count()).where(
                outbound_messages.c.kind == "acknowledgement").group_by(outbound_messages.c.incident_id)).all())
            queued = conn.execute(select(func.count()).select_from(outbound_messages).where(
                outbound_messages.c.kind == "acknowledgement",
                outbound_messages.c.channel != "twiml-reply")).scalar_one()
        return Stored(rows, trackings, ids, acks, queued)
    finally:
        engine.dispose()


# a PostgreSQL server of the test's own, to stop and start -----------------------------------------------
def postgres_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian's layout), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


class PrivateCluster:
    """initdb into a folder of its own, a free port on 127.0.0.1: stopping it disturbs nobody. As root, the
    PostgreSQL programs run as the `postgres` OS user (initdb refuses root)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="suraksha-faults-pg-"))  # not under pytest's root-only folder
        self.data, self.logfile = self.dir / "data", self.dir / "postgres.log"
        self.port = _free_port("127.0.0.1")
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.dir, "postgres", "postgres")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run([*self._as, str(self.bin / args[0]), *args[1:]], capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, f"{' '.join(args)}: {done.stdout}{done.stderr}\n{self.log_tail()}"

    def init(self) -> PrivateCluster:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync",
                  "--no-instructions")
        return self

    def start(self) -> None:
        # fsync off: the machine does not crash here, the server does, and the OS keeps what it was given
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} -c fsync=off"
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.logfile), "-w", "-t", "60", "-o", options)

    def stop_immediately(self) -> None:
        """`pg_ctl stop -m immediate`: every server process quits at once, as in a crash."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")

    def create_database(self, name: str) -> str:
        admin = create_engine(make_url(self.url()).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self._as, str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate"],
                           capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
