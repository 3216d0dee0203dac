"""Benchmark (a), realistic traffic: `bench/intake_http.py --realistic` (SQLite files).

The same intake server on two databases, in alternating rounds of `--seconds` (60) at 32 connections:
- **empty**: Mumbai's stations only;
- **history**: `--history` (1,000,000) earlier incidents, 95% closed, loaded with bulk SQL in seconds: a pool of
  100,000 earlier senders (each with ~10 incidents), the last day's incidents recent enough to be joined or
  reopened, every incident with its contact, message, reply and (published) event; and `--registry` (100,000)
  registrations;
- **history + beside**: the same, while 4 consoles keep a live stream (SSE) open and read the queue every 2 s,
  and a registry officer searches the registry once a second.
Between rounds the incidents a round opened are closed, so that every round starts from the same open queue.
The traffic is the same shape everywhere: half the messages from the pool of earlier senders, 15% follow-ups from
a sender of the last minutes (within the follow-up window), 2% provider retries (the same delivery again), the
rest new senders; 60% carry a location.
"""

from __future__ import annotations

import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from intake_http import BODIES, SECRET, TOKEN, WEBHOOK, drive, free_port, prepare_database, serve_env, signed, start

POOL = 100_000  # earlier senders
CONSOLES = 4
QUEUE_EVERY_S = 2.0
SEARCH_EVERY_S = 1.0
SEARCH_NAMES = ("Aabheer Kumar", "Ramesh Patil", "Sunil Yadav", "Anita Devi", "Mohd Irfan Shaikh", "Priya Sharma")


def pool_number(k: int) -> str:
    return f"+9198{k:08d}"


# history ---------------------------------------------------------------------------------------------------
def load_history(url: str, n: int, registry: int) -> None:
    """n incidents over the last year (the newest in the last minutes), with their contacts from the pool of earlier
    senders, messages, replies and published events; then `registry` registrations. Bulk SQL: seconds, not hours."""
    from sqlalchemy import text

    from suraksha.adapters.db import make_engine, optimize
    from suraksha.core.privacy import Sealer
    from suraksha.registry.bulk_load import load_registrations

    engine = make_engine(url)
    sealer = Sealer(SECRET)
    now = time.time()
    step = 365 * 86400 / n
    started = time.monotonic()
    with engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE pool (k INTEGER PRIMARY KEY, fp TEXT, sealed TEXT)"))
        conn.execute(text("INSERT INTO pool VALUES (:k, :fp, :sealed)"),
                     [{"k": k, "fp": sealer.fingerprint(pool_number(k)), "sealed": sealer.seal(pool_number(k))}
                      for k in range(POOL)])
        conn.execute(text("CREATE TEMP TABLE st AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, women_helpline "
                          "FROM stations"))
        stations = conn.execute(text("SELECT count(*) FROM st")).scalar()
        at = "strftime('%Y-%m-%d %H:%M:%S', {}, 'unixepoch') || '.000000'"
        received = ":now - (:n - n.i) * :step - 60"
        conn.execute(text(
            "INSERT INTO incidents (id, tracking, station_id, city, state, channel, helpline_kind, language, priority, "
            "category, status, location_known, lon, lat, location_accuracy_m, match, received_at, last_message_at, "
            "updated_at, closed_at, disposition, disposition_code, closed_by) "
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n) "
            "SELECT n.i, printf('H%03d-%04d', n.i / 10000, n.i % 10000), st.id, 'mumbai', 'MH', 'sms', 'women', NULL, "
            "1 + n.i % 3, 'stalking_harassment', CASE WHEN n.i % 20 = 0 THEN 'new' ELSE 'closed' END, 1, "
            "72.83 + (n.i % 97) * 0.001, 18.95 + (n.i % 89) * 0.002, NULL, 'inside', "
            f"{at.format(received)}, {at.format(received + ' + 60')}, {at.format(received + ' + 60')}, "
            f"CASE WHEN n.i % 20 = 0 THEN NULL ELSE {at.format(received + ' + 3600')} END, "
            "CASE WHEN n.i % 20 = 0 THEN NULL ELSE 'Attended and resolved' END, "
            "CASE WHEN n.i % 20 = 0 THEN NULL ELSE 'attended_resolved' END, "
            "CASE WHEN n.i % 20 = 0 THEN NULL ELSE 'dispatcher' END "
            f"FROM n JOIN st ON st.k = n.i % {stations}"), {"n": n, "now": now, "step": step})
        conn.execute(text(
            "INSERT INTO incident_contacts (incident_id, channel, fingerprint, phone_sealed) "
            f"SELECT i.id, 'sms', p.fp, p.sealed FROM incidents AS i JOIN pool AS p ON p.k = i.id % {POOL}"))
        conn.execute(text(
            "INSERT INTO inbound_messages (provider, provider_id, channel, incident_id, to_number, body_sealed, "
            "has_location, num_media, received_at) "
            "SELECT 'twilio', 'SMhistory' || i.id, 'sms', i.id, st.women_helpline, :body, 1, 0, i.received_at "
            "FROM incidents AS i JOIN st ON st.id = i.station_id"), {"body": sealer.seal(BODIES[0])})
        conn.execute(text(
            "INSERT INTO outbound_messages (incident_id, channel, kind, to_sealed, body, status, attempts, "
            "created_at, sent_at) "
            "SELECT i.id, 'twiml-reply', 'acknowledgement', p.sealed, 'Your report is received.', 'sent', 1, "
            f"i.received_at, i.received_at FROM incidents AS i JOIN pool AS p ON p.k = i.id % {POOL}"))
        conn.execute(text(
            "INSERT INTO events (type, payload, occurred_at, published_at) "
            "SELECT 'IncidentReported', '{}', i.received_at, i.received_at FROM incidents AS i"))
    print(f"history: {n} incidents in {time.monotonic() - started:.1f} s", flush=True)
    started = time.monotonic()
    load_registrations(engine, registry, datetime.now(UTC))
    optimize(engine)
    engine.dispose()
    print(f"registry: {registry} registrations in {time.monotonic() - started:.1f} s", flush=True)


def close_new_incidents(url: str, history: int) -> None:
    """Between rounds: the incidents a round opened are closed (as dispatchers would), so that every round's
    consoles read the same open queue (the history's)."""
    import sqlite3

    with sqlite3.connect(url.split("///", 1)[1], timeout=60) as db:
        db.execute("UPDATE incidents SET status = 'closed', closed_at = updated_at WHERE id > ? AND status != 'closed'",
                   (history,))


# traffic ---------------------------------------------------------------------------------------------------
def traffic(n: int, numbers: list[str], public_url: str, seed: int) -> list[str]:
    """n wrk lines: 50% repeat callers (the pool), 15% follow-ups within minutes, 2% provider retries."""
    rng = random.Random(seed)
    validator = RequestValidator(TOKEN)
    lines: list[str] = []
    recent: list[tuple[str, str]] = []  # (sender, helpline) of the last new senders
    for i in range(n):
        draw = rng.random()
        if draw < 0.02 and len(lines) > 200:
            lines.append(lines[-rng.randrange(20, 200)])  # the provider delivers the same message again
            continue
        if draw < 0.17 and recent:
            sender, to = recent[-rng.randrange(1, min(len(recent), 2000) + 1)]  # she writes again
        elif draw < 0.67:
            sender, to = pool_number(rng.randrange(POOL)), rng.choice(numbers)
        else:
            sender, to = f"+917{rng.randrange(10**8, 10**9):09d}", rng.choice(numbers)
            recent.append((sender, to))
        body = rng.choice(BODIES)
        if rng.random() < 0.6:
            body += f" geo:{rng.uniform(18.93, 19.20):.5f},{rng.uniform(72.82, 72.95):.5f}"
        form = {"MessageSid": f"SM{seed:08d}{i:024d}", "AccountSid": "AC" + "0" * 32, "From": sender, "To": to,
                "Body": body, "NumMedia": "0"}
        lines.append(signed(form, public_url, validator))
    return lines


# what runs beside intake -----------------------------------------------------------------------------------
def tokens(url: str) -> tuple[list[str], str]:
    """Bearer tokens for the consoles' dispatchers and a registry officer (issued directly, as `suraksha` would)."""
    from suraksha.bootstrap import build_container
    from suraksha.core.auth import Role, ScopeKind
    from suraksha.settings import Settings

    c = build_container(Settings(database_url=url, secret_key=SECRET))
    password = "bench password that is long enough"
    consoles = [c.accounts.issue_token(c.accounts.create_account(f"console{i}", password, Role.DISPATCHER,
                                                                 ScopeKind.CITY, "mumbai"))[0]
                for i in range(CONSOLES)]
    officer = c.accounts.issue_token(c.accounts.create_account("registry_bench", password, Role.REGISTRY_OFFICER,
                                                               ScopeKind.STATE, "MH"))[0]
    c.engine.dispose()
    return consoles, officer


class Beside:
    """Consoles (a live stream each, and the queue every 2 s) and registry searches, in threads of this process."""

    def __init__(self, port: int, consoles: list[str], officer: str) -> None:
        self.port, self.consoles, self.officer = port, consoles, officer
        self.stop = threading.Event()
        self.queue_ms: list[float] = []
        self.search_ms: list[float] = []
        self.streamed = 0
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self._stream, args=(t,), daemon=True) for t in consoles]
        self.threads += [threading.Thread(target=self._poll, args=(t,), daemon=True) for t in consoles]
        self.threads.append(threading.Thread(target=self._search, daemon=True))

    def __enter__(self) -> Beside:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=10)

    def _stream(self, token: str) -> None:
        """A raw socket reading the event stream and throwing it away: the console's cost to us, not its own."""
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            s.sendall(f"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                      "Accept: text/event-stream\r\n\r\n".encode())
            s.settimeout(1.0)
            while not self.stop.is_set():
                try:
                    self.streamed += len(s.recv(65536))
                except TimeoutError:
                    continue

    def _poll(self, token: str) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as http:
            while not self.stop.wait(QUEUE_EVERY_S):
                self._timed(self.queue_ms, "queue", lambda: http.get("/api/v1/incidents"))

    def _search(self) -> None:
        rng = random.Random(5)
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30,
                          headers={"Authorization": f"Bearer {self.officer}"}) as http:
            while not self.stop.wait(SEARCH_EVERY_S):
                self._timed(self.search_ms, "search", lambda: http.get(
                    "/api/v1/registry/search", params={"name": rng.choice(SEARCH_NAMES), "purpose": "investigation"}))

    def _timed(self, into: list[float], what: str, call) -> None:
        t0 = time.perf_counter()
        try:
            status = call().status_code
        except httpx.HTTPError as err:
            status = type(err).__name__
        into.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            self.errors.append(f"{what} {status}")


def wait_for_registry(port: int, officer: str, deadline_s: float = 600) -> None:
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/registry/search", timeout=60,
                      params={"name": "Ramesh Patil", "purpose": "investigation"},
                      headers={"Authorization": f"Bearer {officer}"})
        if r.status_code == 200:
            return
        time.sleep(2)
    raise RuntimeError("the registry index was not built in time")


# the run ---------------------------------------------------------------------------------------------------
def main(args) -> None:
    seconds = args.seconds or 60
    connections = int(str(args.connections).split(",")[-1]) if args.connections != "1,8,32" else 32
    tmp = Path(tempfile.mkdtemp(prefix="suraksha-realistic-"))
    urls = {"empty": f"sqlite:///{tmp / 'empty.db'}", "history": f"sqlite:///{tmp / 'history.db'}"}
    numbers = prepare_database(urls["empty"])
    prepare_database(urls["history"])
    load_history(urls["history"], args.history, args.registry)
    consoles, officer = tokens(urls["history"])
    ports = {name: free_port() for name in urls}
    publics = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    servers = {name: start([sys.executable, "-m", "suraksha", "serve"], serve_env(url, ports[name], publics[name]),
                           ports[name]) for name, url in urls.items()}
    print("servers: " + ", ".join(f"{n} pid {p.pid}" for n, p in servers.items()), flush=True)
    results: dict[str, list[dict]] = {}
    beside_stats: list[dict] = []
    seed = 100
    try:
        wait_for_registry(ports["history"], officer)
        for name in urls:  # warm-up, not measured
            seed += 1
            drive(publics[name], WEBHOOK, traffic(20_000, numbers, publics[name], seed), connections, 5, tmp,
                  wrap=True)
        for rnd in range(args.rounds):
            for run in ("empty", "history", "history+beside"):
                db = run.split("+")[0]
                seed += 1
                lines = traffic(int(3_500 * seconds * 1.2), numbers, publics[db], seed)
                if run.endswith("beside"):
                    with Beside(ports[db], consoles, officer) as beside:
                        r = drive(publics[db], WEBHOOK, lines, connections, seconds, tmp, wrap=True)
                    beside_stats.append(_beside_summary(beside))
                else:
                    r = drive(publics[db], WEBHOOK, lines, connections, seconds, tmp, wrap=True)
                results.setdefault(run, []).append(r)
                close_new_incidents(urls[db], args.history if db == "history" else 0)
                print(f"round {rnd + 1} {run:15s}: {r['rps']:8.0f} req/s  p50 {r['p50']:7.2f} ms  "
                      f"p99 {r['p99']:7.2f} ms  ({r['n']} requests, {r['timeouts']} timed out)"
                      + (f"  beside: {beside_stats[-1]}" if run.endswith("beside") else ""), flush=True)
    finally:
        for p in servers.values():
            p.terminate()
            p.wait()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)
    report(results, args, seconds, connections)


def _beside_summary(b: Beside) -> dict:
    def p(values, q):
        return round(statistics.quantiles(values, n=100)[q - 1], 1) if len(values) >= 2 else None

    return {"queue reads": len(b.queue_ms), "queue p50/p99 ms": (p(b.queue_ms, 50), p(b.queue_ms, 99)),
            "searches": len(b.search_ms), "search p50/p99 ms": (p(b.search_ms, 50), p(b.search_ms, 99)),
            "streamed KiB": b.streamed // 1024, "errors": sorted(set(b.errors))}


def report(results: dict[str, list[dict]], args, seconds: int, connections: int) -> None:
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("rps", "p50", "p99")} for k, v in results.items()}
    print(f"\n(a) realistic traffic, wrk -t1 -c{connections}, {seconds} s x {args.rounds} alternating rounds, "
          f"SQLite WAL synchronous=FULL, {args.history} incidents of history, medians of rounds")
    print("run | req/s | p50 ms | p99 ms")
    for k, m in med.items():
        print(f"{k} | {m['rps']:.0f} | {m['p50']:.2f} | {m['p99']:.2f}")
    print(f"history / empty: {med['history']['rps'] / med['empty']['rps']:.2f}x req/s")
    print(f"p99 with consoles and registry searches / alone: "
          f"{med['history+beside']['p99'] / med['history']['p99']:.2f}x")
