"""Benchmark: a fleet's positions beside intake (issue 10, point 9).

50,000 units over Mumbai's 91 stations each report a GPS fix every 10 s: a device gateway posts them in batches
(`--batch` 500, so 10 requests a second for 5,000 fixes a second) to `POST /api/v1/units/positions` for `--seconds`
(60), while Twilio-signed SMS arrive at the webhook as fast as `wrk` sends them (`--connections` 16, distinct
pre-signed requests, as `bench/intake_http.py` does; to the stations' general numbers, so priority 3: thousands of
P1s that nobody dispatches would have the unassigned alarm fire for each of them, in both phases), a dispatcher asks for recommendations for open incidents (10
a second, each timed) and a dispatcher's console keeps the live stream open (Server-Sent Events, the city's every
event). The same run alternates phases without the positions (A) and with them (B), in the order A B B A A B …
(an even `--rounds` puts A and B phases equally early and late: the server slows as the run fills its database);
the
server (`suraksha serve`, one process, the product's settings but `SURAKSHA_POSITION_HISTORY_MINUTES`
`--history-minutes`, 2, so that the history is pruned within the run) serves on 127.0.0.1 only, on SQLite (WAL,
synchronous=FULL) or on PostgreSQL with `--database-url` (emptied first: give one of its own).

With `--gateway-node` the fixes go to a second `suraksha serve` on the same database, a position gateway node
(`SURAKSHA_RELAY_OUTBOX=false`, `SURAKSHA_RUN_TIMERS=false`: docs/dispatch.md), as a deployment behind a load
balancer would route `POST /api/v1/units/positions`; intake, recommendations and the console stay on the first,
whose fleet index and console follow the gateway's `UnitsMoved` events through the positions' store's outbox.

    .venv/bin/python bench/positions_load.py [--units 50000] [--rate 5000] [--batch 500] [--seconds 60] [--rounds 2]
        [--connections 16 | --intake-rate 100] [--flush 1.0] [--history-minutes 2]
        [--gateway-node] [--devices-nice N] [--gateway-nice N]
        [--database-url postgresql://postgres@127.0.0.1:5432/perf_positions]

Prints, per phase and as medians of the A and B phases: intake req/s and p50/p99 (wrk), recommendation p50/p99,
the fixes per second achieved and the gateway's request p50/p99, the server's CPU, the `UnitsMoved` events the
console received; then the ratios B / A, and with `--intake-rate` the p99 of every SMS of the A phases pooled
against every SMS of the B phases (a phase's p99 is set by a handful of stalls), and each phase's CPU steal (time
the hypervisor gave this virtual machine's CPUs to others: a phase with steal is named, its figures are not the
server's alone). The devices posting the fixes run
in a process of their own, so that their work does not delay the threads that send and time the SMS. With `--intake-rate R` the SMS arrive at R a second on a fixed
schedule instead (a control room's traffic: UP-112 planned for 1.3 lakh calls a day, 1.5 a second), each timed from
its scheduled moment. The load generator (this process and wrk) runs on the same 2 cores as the
server: it takes CPU the server would otherwise have (its share is printed); `--devices-nice` and
`--gateway-nice` lower the devices' process's and the gateway node's scheduling priority by N, to see how much of
intake's tail is the two cores' contention rather than the server's own work. Needs wrk (without `--intake-rate`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

from intake_http import drive, empty_database, free_port, prepare_database, requests_for, serve_env, start

PASSWORD = "bench password that is long enough"
PROBE_EVERY_S = 0.1
INTAKE_PER_SECOND_MAX = 2_500  # distinct requests prepared per second of a phase (intake stays well below)


# the fleet -------------------------------------------------------------------------------------------------
def load_fleet(url: str, n: int, seed: int = 3) -> tuple[list[int], str, list[str]]:
    """n units spread over the city's stations (a few hundred metres around each anchor), in one bulk insert; a
    dispatcher's bearer token (issued directly, as `suraksha` would); the stations' general numbers."""
    from sqlalchemy import insert, select

    from suraksha.bootstrap import build_container
    from suraksha.core.auth import Role, ScopeKind
    from suraksha.dispatch.store import units
    from suraksha.settings import Settings

    c = build_container(Settings(database_url=url))
    c.stations.reload()
    stations = c.stations.all("mumbai")
    rng = random.Random(seed)
    now = datetime.now(UTC)
    kinds = ("patrol_van", "patrol_van", "beat_marshal", "nirbhaya_squad")
    rows = [{"call_sign": f"MUM-F{i:05d}", "kind": kinds[i % 4], "home_station_id": s.id, "city": s.city,
             "state": s.state, "status": "available", "lon": s.anchor.lon + rng.uniform(-0.004, 0.004),
             "lat": s.anchor.lat + rng.uniform(-0.004, 0.004), "position_at": None, "created_at": now,
             "updated_at": now}
            for i, s in ((i, stations[i % len(stations)]) for i in range(n))]
    with c.engine.begin() as conn:
        for k in range(0, n, 5000):
            conn.execute(insert(units), rows[k:k + 5000])
        ids = list(conn.execute(select(units.c.id).order_by(units.c.id)).scalars())
    token = c.accounts.issue_token(c.accounts.create_account("gateway", PASSWORD, Role.DISPATCHER, ScopeKind.CITY,
                                                             "mumbai"))[0]
    general = [st.general_number for st in stations]
    c.engine.dispose()
    return ids, token, general


STEAL_NOTED = 0.02  # a phase whose CPU steal passes this is named in the report
KEEPALIVE = 2.0  # s: below the server's keep-alive timeout (uvicorn's 5 s), so this side drops an idle connection first


def open_incidents(base: str, numbers: list[str], public: str, n: int = 20) -> list[str]:
    """n incidents with a location, through the webhook: what the recommendation probe asks about."""
    import re

    out = []
    for line in requests_for(n, numbers, public, seed=777):
        form, sig = line.rstrip("\n").split("\t")
        r = httpx.post(f"{base}/webhooks/twilio/sms", content=form, timeout=30,
                       headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})
        m = re.search(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", r.text)
        if m:
            out.append(m.group(0))
    return out


# what runs during a phase ----------------------------------------------------------------------------------
def paced(base: str, path: str, lines: list[str], rate: float, seconds: int) -> dict:
    """Intake at a fixed offered rate (`--intake-rate`), as a control room's traffic arrives, instead of as fast as
    the server answers: each request sent on its schedule from a pool of threads (one that is still waiting does
    not delay the next), each timed from its scheduled moment (so a server that falls behind is seen in the
    latencies, not hidden by a slower sender)."""
    ms: list[float] = []
    timeline: list[tuple[float, float]] = []  # (wall-clock time it was due, ms)
    failed: list[str] = []  # why each failed request failed
    lock = threading.Lock()
    wall0 = time.time() - time.monotonic()
    # One client for every sending thread (httpx's are thread-safe), made before the clock starts: a client each,
    # made as its thread first sent, cost this process about two seconds of CPU at the start of every phase (each
    # builds a TLS context), which the server, on the same two cores, paid for in its answers. An idle connection is
    # dropped by this side after 2 s (`KEEPALIVE`), before the server closes it after 5 s: with both at 5 s, a
    # request sent on a connection the server was closing at that moment failed ("connection reset by peer").
    http = httpx.Client(base_url=base, timeout=30, headers={"Content-Type": "application/x-www-form-urlencoded"},
                        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64,
                                            keepalive_expiry=KEEPALIVE))

    def post(line: str, due: float) -> None:
        form, sig = line.rstrip("\n").split("\t")
        try:
            answer = http.post(path, content=form, headers={"X-Twilio-Signature": sig})
            why = "" if answer.status_code == 200 else f"{answer.status_code} {answer.text[:200]}"
        except httpx.HTTPError as e:
            why = f"{type(e).__name__}: {e}"
        with lock:
            ms.append((time.monotonic() - due) * 1000)
            timeline.append((wall0 + due, ms[-1]))
            if why:
                failed.append(why)

    start = time.monotonic()
    n = int(rate * seconds)
    with http, ThreadPoolExecutor(max_workers=64) as pool:
        for k in range(n):
            due = start + k / rate
            time.sleep(max(0.0, due - time.monotonic()))
            pool.submit(post, lines[k], due)
    wall = time.monotonic() - start
    if failed:
        raise RuntimeError(f"{len(failed)} of {n} intake requests failed: {failed[:5]}")
    return {"rps": len(ms) / wall, "p50": pct(ms, 50), "p99": pct(ms, 99), "n": len(ms), "timeline": sorted(timeline)}


class Gateway:
    """Posts the fleet's fixes in batches on a fixed schedule (`rate` fixes a second), each unit in turn, from a few
    threads so that a slow answer does not slow the schedule (a batch due while 32 are unanswered is skipped, and
    counted); stops by itself at `until`."""

    IN_FLIGHT = 32

    def __init__(self, base: str, token: str, unit_ids: list[int], rate: int, batch: int) -> None:
        self.base, self.token, self.ids, self.rate, self.batch = base, token, unit_ids, rate, batch
        self.next = 0
        self.accepted = self.rejected = self.failed = self.skipped = self.in_flight = 0
        self.ms: list[float] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        self._rng = random.Random(11)

    def run(self, until: float) -> None:
        interval = self.batch / self.rate
        with ThreadPoolExecutor(max_workers=self.IN_FLIGHT) as pool:
            due = time.monotonic()
            while due < until:
                time.sleep(max(0.0, due - time.monotonic()))
                if self.in_flight >= self.IN_FLIGHT:  # the server is behind: this batch is not sent (counted)
                    self.skipped += 1
                else:
                    with self._lock:
                        self.in_flight += 1
                    pool.submit(self._post, self._body())
                due += interval

    def _body(self) -> bytes:
        now = datetime.now(UTC).isoformat()
        items = []
        for _ in range(self.batch):
            unit = self.ids[self.next % len(self.ids)]
            self.next += 1
            items.append({"unit_id": unit, "lon": round(72.82 + self._rng.random() * 0.15, 6),
                          "lat": round(18.93 + self._rng.random() * 0.27, 6), "recorded_at": now})
        return json.dumps(items).encode()

    def _post(self, body: bytes) -> None:
        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = httpx.Client(base_url=self.base, timeout=60, headers={
                "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        t0 = time.perf_counter()
        try:
            r = http.post("/api/v1/units/positions", content=body)
            ok = r.status_code == 200
            report = r.json() if ok else {}
        except httpx.HTTPError:
            ok, report = False, {}
        ms = (time.perf_counter() - t0) * 1000
        with self._lock:
            self.in_flight -= 1
            self.ms.append(ms)
            if ok:
                self.accepted += report["accepted"]
                self.rejected += len(report["rejected"])
            else:
                self.failed += 1


def devices(base: str, token: str, unit_ids: list[int], rate: int, batch: int, inbox, outbox, nice: int = 0) -> None:
    """The fleet's devices in a process of their own: building and posting 5,000 fixes a second costs CPU and
    Python's interpreter lock, and in this process they would delay the threads that send and time the SMS (the
    latency measured would include the load generator's own waits)."""
    if nice:
        os.nice(nice)
    gateway = Gateway(base, token, unit_ids, rate, batch)
    outbox.put("ready")
    until = inbox.get()
    gateway.run(until)
    outbox.put({"accepted": gateway.accepted, "rejected": gateway.rejected, "failed": gateway.failed,
                "skipped": gateway.skipped, "ms": gateway.ms, "cpu": time.process_time()})


class DevicesProcess:
    """`devices` in a child process, started (and its interpreter loaded) before the phase's clock starts."""

    def __init__(self, base: str, token: str, unit_ids: list[int], rate: int, batch: int, nice: int = 0) -> None:
        mp = multiprocessing.get_context("spawn")
        self._inbox, self._outbox = mp.Queue(), mp.Queue()
        self._proc = mp.Process(target=devices, args=(base, token, unit_ids, rate, batch, self._inbox, self._outbox, nice),
                                daemon=True)
        self._proc.start()
        if self._outbox.get(timeout=60) != "ready":
            raise RuntimeError("the devices' process did not start")

    def run(self, until: float) -> None:  # CLOCK_MONOTONIC: the same clock in both processes
        self._inbox.put(until)

    def result(self) -> dict:
        found = self._outbox.get(timeout=120)
        self._proc.join(timeout=30)
        return found


class Probe:
    """A dispatcher's recommendations, one every 100 ms for a random open incident, each timed."""

    def __init__(self, base: str, token: str, tracking: list[str]) -> None:
        self.base, self.token, self.tracking = base, token, tracking
        self.ms: list[float] = []
        self.timeline: list[tuple[float, float]] = []  # (wall-clock time it was sent, ms)
        self.errors = 0

    def run(self, until: float) -> None:
        rng = random.Random(5)
        with httpx.Client(base_url=self.base, timeout=30, headers={"Authorization": f"Bearer {self.token}"}) as http:
            while time.monotonic() < until:
                t0 = time.perf_counter()
                r = http.get(f"/api/v1/incidents/{rng.choice(self.tracking)}/recommendations")
                self.ms.append((time.perf_counter() - t0) * 1000)
                self.timeline.append((time.time() - self.ms[-1] / 1000, self.ms[-1]))
                self.errors += r.status_code != 200
                time.sleep(max(0.0, PROBE_EVERY_S - (time.perf_counter() - t0)))


class Console:
    """A dispatcher's live stream, read on a raw socket: counts the `UnitsMoved` events and the units they carry."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.events = self.units = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> Console:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _read(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            s.sendall(f"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n"
                      "Accept: text/event-stream\r\n\r\n".encode())
            s.settimeout(0.5)
            pending = b""
            while not self._stop.is_set():
                try:
                    pending += s.recv(1 << 20)
                except TimeoutError:
                    continue
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.startswith(b"event: UnitsMoved"):
                        self.events += 1
                    elif line.startswith(b"data: {") and b"\"UnitsMoved\"" in line[:40]:
                        self.units += line.count(b"\"unit_id\"")


def machine_ticks() -> tuple[int, int]:
    """(steal, all) CPU ticks of the machine so far (Linux /proc/stat): time the hypervisor gave this virtual
    machine's CPUs to others. A phase with steal ran on less than two cores, and its latencies say so."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def phase(name: str, positions: bool, ctx: dict, args, seed: int) -> dict:
    lines = requests_for(INTAKE_PER_SECOND_MAX * args.seconds, ctx["numbers"], ctx["public"], seed=seed)
    probe = Probe(ctx["base"], ctx["token"], ctx["tracking"])
    gateway = DevicesProcess(ctx["gateway_base"], ctx["token"], ctx["units"], args.rate, args.batch,
                                                  args.devices_nice) if positions \
        else None
    until = time.monotonic() + args.seconds  # the devices' process is ready: the phase's clock starts
    threads = [threading.Thread(target=probe.run, args=(until,))]
    if gateway is not None:
        gateway.run(until)
    cpu0, own0, t0 = cpu_seconds(ctx["pid"]), time.process_time(), time.monotonic()
    gw0 = cpu_seconds(ctx["gateway_pid"]) if ctx["gateway_pid"] else 0.0
    steal0, ticks0 = machine_ticks()
    with Console(ctx["port"], ctx["token"]) as console:
        for t in threads:
            t.start()
        if args.intake_rate:
            intake = paced(ctx["base"], "/webhooks/twilio/sms", lines, args.intake_rate, args.seconds)
        else:
            intake = drive(ctx["base"], "/webhooks/twilio/sms", lines, args.connections, args.seconds, ctx["tmp"])
        for t in threads:
            t.join()
        time.sleep(1.0)  # the last flush's events reach the console
    wall = time.monotonic() - t0
    steal1, ticks1 = machine_ticks()
    fleet = gateway.result() if gateway is not None else {"accepted": 0, "rejected": 0, "failed": 0, "skipped": 0,
                                                           "ms": [], "cpu": 0.0}
    if args.timeline and "timeline" in intake:
        with open(args.timeline, "a") as out:
            out.write(json.dumps({"phase": name, "intake": [[round(t, 3), round(m, 1)] for t, m in intake["timeline"]],
                                  "recommendation": [[round(t, 3), round(m, 1)] for t, m in probe.timeline]}) + "\n")
    r = {"phase": name, "positions": positions, "intake_rps": intake["rps"], "intake_p50": intake["p50"],
         "intake_p99": intake["p99"], "rec_p50": pct(probe.ms, 50), "rec_p99": pct(probe.ms, 99), "rec_n": len(probe.ms),
         "rec_errors": probe.errors, "fixes_s": fleet["accepted"] / args.seconds,
         "rejected": fleet["rejected"], "failed": fleet["failed"], "skipped": fleet["skipped"],
         "pos_p50": pct(fleet["ms"], 50), "pos_p99": pct(fleet["ms"], 99), "devices_cpu": fleet["cpu"] / wall,
         "server_cpu": (cpu_seconds(ctx["pid"]) - cpu0) / wall, "bench_cpu": (time.process_time() - own0) / wall,
         "gateway_cpu": (cpu_seconds(ctx["gateway_pid"]) - gw0) / wall if ctx["gateway_pid"] else 0.0,
         "events": console.events, "event_units": console.units,
         "steal": (steal1 - steal0) / max(1, ticks1 - ticks0),
         "intake_ms": [m for _, m in intake.get("timeline", [])]}
    print(f"{name} ({'with' if positions else 'without'} positions): intake {r['intake_rps']:.0f} req/s "
          f"p50 {r['intake_p50']:.1f} p99 {r['intake_p99']:.1f} ms | recommendation p50 {r['rec_p50']:.1f} "
          f"p99 {r['rec_p99']:.1f} ms ({r['rec_n']}) | fixes {r['fixes_s']:.0f}/s, gateway p50 {r['pos_p50']:.0f} "
          f"p99 {r['pos_p99']:.0f} ms, {r['failed']} failed, {r['skipped']} batches skipped | server CPU {r['server_cpu']:.2f}, "
          f"gateway node {r['gateway_cpu']:.2f}, this process {r['bench_cpu']:.2f}, devices {r['devices_cpu']:.2f} | console: {r['events']} UnitsMoved, {r['event_units']} units | "
          f"steal {100 * r['steal']:.0f}%", flush=True)
    return r


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def table_sizes(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from suraksha.adapters.db import companion_url, make_engine
    from suraksha.adapters.outbox import events_table
    from suraksha.dispatch.position_store import response_tracks, unit_fixes, unit_moves, unit_positions
    from suraksha.dispatch.positions import POSITIONS_STORE

    sizes = {}
    for where, tables in ((companion_url(url, POSITIONS_STORE), (unit_positions, unit_fixes, unit_moves)),
                          (url, (response_tracks, events_table))):
        engine = make_engine(where)
        with engine.connect() as conn:
            sizes.update({t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables})
            if events_table in tables:
                sizes["UnitsMoved in the main outbox"] = conn.execute(select(func.count()).select_from(events_table)
                                                                 .where(events_table.c.type == "UnitsMoved")).scalar_one()
        engine.dispose()
    return sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=50_000)
    ap.add_argument("--rate", type=int, default=5_000, help="fixes per second in the B phases")
    ap.add_argument("--batch", type=int, default=500, help="fixes per gateway request")
    ap.add_argument("--seconds", type=int, default=60, help="per phase")
    ap.add_argument("--rounds", type=int, default=2, help="A B pairs")
    ap.add_argument("--connections", type=int, default=16, help="wrk's connections to the SMS webhook")
    ap.add_argument("--flush", type=float, default=1.0, help="SURAKSHA_POSITION_FLUSH_SECONDS")
    ap.add_argument("--history-minutes", type=int, default=2, help="SURAKSHA_POSITION_HISTORY_MINUTES")
    ap.add_argument("--database-url", default="", help="PostgreSQL database to use (emptied first)")
    ap.add_argument("--intake-rate", type=float, default=0,
                    help="SMS a second at a fixed offered rate (paced, timed from each one's schedule) instead of "
                         "wrk as fast as the server answers")
    ap.add_argument("--timeline", default="", help="append each phase's latencies, by the wall-clock time each "
                    "request was due, to this file (JSON lines: to set beside a trace of the servers)")
    ap.add_argument("--gateway-node", action="store_true",
                    help="post the fixes to a second server process, a position gateway node")
    ap.add_argument("--devices-nice", type=int, default=0, help="the devices' process this much nicer than this one")
    ap.add_argument("--gateway-nice", type=int, default=0, help="the gateway node this much nicer than the server")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="suraksha-positions-"))
    url = args.database_url or f"sqlite:///{tmp / 'positions.db'}"
    if args.database_url:
        empty_database(url)
    women = prepare_database(url)
    started = time.monotonic()
    unit_ids, token, numbers = load_fleet(url, args.units)
    print(f"{len(unit_ids)} units over {len(numbers)} stations loaded in {time.monotonic() - started:.1f} s", flush=True)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = {**serve_env(url, port, public), "SURAKSHA_POSITION_FLUSH_SECONDS": str(args.flush),
           "SURAKSHA_POSITION_HISTORY_MINUTES": str(args.history_minutes)}
    server = start([sys.executable, "-m", "suraksha", "serve"], env, port)
    gateway_node, gateway_base = None, public
    if args.gateway_node:
        gw_port = free_port()
        gateway_node = start([sys.executable, "-m", "suraksha", "serve"],
                             {**env, "PORT": str(gw_port), "SURAKSHA_RUN_TIMERS": "false",
                              "SURAKSHA_RELAY_OUTBOX": "false"}, gw_port)
        gateway_base = f"http://127.0.0.1:{gw_port}"
        if args.gateway_nice:
            os.setpriority(os.PRIO_PROCESS, gateway_node.pid, os.getpriority(os.PRIO_PROCESS, 0) + args.gateway_nice)
    ctx = {"base": public, "public": public, "port": port, "pid": server.pid, "token": token, "units": unit_ids,
           "numbers": numbers, "tmp": tmp, "gateway_base": gateway_base,
           "gateway_pid": gateway_node.pid if gateway_node else None}
    db = "PostgreSQL" if url.startswith("postgresql") else "SQLite WAL synchronous=FULL"
    print(f"server pid {server.pid}"
          f"{f', gateway node pid {gateway_node.pid}' if gateway_node else ''}, {db}, "
          f"flush {args.flush} s, history {args.history_minutes} min; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    results = []
    try:
        ctx["tracking"] = open_incidents(public, women, public)
        warm = argparse.Namespace(**{**vars(args), "seconds": 5})
        phase("warm-up", True, ctx, warm, seed=1)  # not counted
        for rnd in range(args.rounds):
            # A B, then B A: the server slows as the run fills its database (each phase adds its SMS' incidents),
            # so a B always after its A would bear that drift; in A B B A order an even number of rounds cancels it
            for positions in ((False, True) if rnd % 2 == 0 else (True, False)):
                name = f"{'B' if positions else 'A'}{rnd + 1}"
                results.append(phase(name, positions, ctx, args, seed=100 + len(results)))
                print(f"  load average {os.getloadavg()[0]:.1f}", flush=True)
        time.sleep(6)  # a prune step
        sizes = table_sizes(url)
    finally:
        for proc in (server, gateway_node):
            if proc is not None:
                proc.terminate()
                proc.wait()
    report(results, args, db, sizes)


def report(results: list[dict], args, db: str, sizes: dict) -> None:
    def med(positions: bool, key: str) -> float:
        return statistics.median(r[key] for r in results if r["positions"] is positions)

    keys = ("intake_rps", "intake_p50", "intake_p99", "rec_p50", "rec_p99", "fixes_s", "pos_p50", "pos_p99",
            "server_cpu", "gateway_cpu", "bench_cpu", "devices_cpu", "events", "event_units")
    a, b = ({k: med(p, k) for k in keys} for p in (False, True))
    print(f"\npositions beside intake: {args.units} units, {args.rate} fixes/s in batches of {args.batch} (B phases), "
          f"{f'{args.intake_rate:g} SMS/s offered' if args.intake_rate else f'wrk -c{args.connections}'} on the "
          f"SMS webhook, {args.seconds} s phases x {args.rounds} A/B rounds, {db}, "
          f"flush {args.flush} s, "
          f"{'fixes to a gateway node' if args.gateway_node else 'one server process'}; medians of phases")
    print("phases | intake req/s | intake p50 / p99 ms | recommendation p50 / p99 ms | fixes/s | gateway p50 / p99 ms "
          "| server CPU | gateway node CPU | bench CPU | UnitsMoved events (units)")
    for label, m in (("A (no positions)", a), ("B (positions)", b)):
        print(f"{label} | {m['intake_rps']:.0f} | {m['intake_p50']:.1f} / {m['intake_p99']:.1f} | "
              f"{m['rec_p50']:.1f} / {m['rec_p99']:.1f} | {m['fixes_s']:.0f} | {m['pos_p50']:.0f} / {m['pos_p99']:.0f} | "
              f"{m['server_cpu']:.2f} | {m['gateway_cpu']:.2f} | {m['bench_cpu']:.2f} | {m['events']:.0f} "
              f"({m['event_units']:.0f})")
    print(f"B / A: intake req/s {b['intake_rps'] / a['intake_rps']:.2f}x, intake p99 {b['intake_p99'] / a['intake_p99']:.2f}x, "
          f"recommendation p99 {b['rec_p99'] / a['rec_p99']:.2f}x; fixes achieved {b['fixes_s'] / args.rate:.2f}x "
          f"of {args.rate}/s")
    pooled = {p: [m for r in results if r["positions"] is p for m in r["intake_ms"]] for p in (False, True)}
    if pooled[False] and pooled[True]:  # every SMS of the A phases together, and of the B phases (--intake-rate)
        pa, pb = pct(pooled[False], 99), pct(pooled[True], 99)
        print(f"pooled over the phases: intake p99 A {pa:.1f} ms ({len(pooled[False])} SMS), B {pb:.1f} ms "
              f"({len(pooled[True])} SMS): {pb / pa:.2f}x; p50 A {pct(pooled[False], 50):.1f}, "
              f"B {pct(pooled[True], 50):.1f} ms; over 50 ms: A {sum(m > 50 for m in pooled[False])}, "
              f"B {sum(m > 50 for m in pooled[True])}")
    print("per phase intake p99 ms: " + ", ".join(f"{r['phase']} {r['intake_p99']:.1f}" for r in results))
    print("per phase intake req/s: " + ", ".join(f"{r['phase']} {r['intake_rps']:.0f}" for r in results))
    print("per phase recommendation p99 ms: " + ", ".join(f"{r['phase']} {r['rec_p99']:.1f}" for r in results))
    print("per phase CPU steal (the hypervisor's, of the machine's time): "
          + ", ".join(f"{r['phase']} {100 * r['steal']:.1f}%" for r in results))
    stolen = [r["phase"] for r in results if r["steal"] > STEAL_NOTED]
    if stolen:
        print(f"  phases with over {100 * STEAL_NOTED:.0f}% steal ran on less than this machine's two cores: "
              f"{', '.join(stolen)}; their latencies measure the hypervisor as much as the server")
    print("tables after the run: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
