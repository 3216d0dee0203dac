"""Intake across two app nodes against one, on one PostgreSQL database and one NATS JetStream bus (issue 13).

Two `suraksha serve` processes on 127.0.0.1, both with `SURAKSHA_BUS_URL` (a stream of the run's own, deleted at
the end) and the same public URL (as behind a load balancer: Twilio signs the balancer's address). In alternating
rounds:
- **one node**: wrk posts Twilio-signed SMS to node A only (node B runs, idle but for its share of the events);
- **two nodes**: two wrk processes at once, half the connections each, one to each node (what a balancer that
  spreads connections does).
Each message is distinct (its own sender). After each phase the events still in the outbox are counted and the next
phase waits until the relay has published them (the time it took is printed). Then **across nodes**: a dispatcher's console streams from node B while
SMS are posted to node A one at a time, and the time from A's answer to the event on B's stream is taken for each.

    .venv/bin/python bench/nodes_intake.py [--connections 16] [--seconds 20] [--rounds 3] [--messages 100]
                                           [--database-url postgresql://postgres@127.0.0.1:5432/bench_nodes]

The database given is emptied first (created if missing). Needs wrk and NATS with JetStream on 127.0.0.1:4222.
Prints each round, the medians, the ratio two / one, and the processes' CPU (the two nodes, PostgreSQL, NATS).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from intake_http import (
    TOKEN,
    WEBHOOK,
    drive,
    empty_database,
    free_port,
    prepare_database,
    requests_for,
    serve_env,
    start,
)

NATS_URL = "nats://127.0.0.1:4222"
TRACKING = re.compile(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")
TICKS = os.sysconf("SC_CLK_TCK")


def ensure_database(url: str) -> None:
    u = make_url(url)
    admin = create_engine(u.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}).first():
            conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


def delete_stream(name: str) -> None:
    import nats

    async def run() -> None:
        nc = await nats.connect(NATS_URL)
        try:
            await nc.jetstream().delete_stream(name)
        except Exception:  # already gone
            pass
        finally:
            await nc.close()

    asyncio.run(run())


def cpu_of(names: tuple[str, ...]) -> dict[str, float]:
    """CPU seconds so far of every process whose command name is one of these (PostgreSQL's backends, NATS)."""
    out = dict.fromkeys(names, 0.0)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        for name in names:
            if comm.startswith(name):
                fields = stat[stat.rindex(")") + 2:].split()
                out[name] += (int(fields[11]) + int(fields[12])) / TICKS
    return out


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def dispatcher_token(url: str) -> str:
    from suraksha.bootstrap import build_container
    from suraksha.core.auth import Role, ScopeKind
    from suraksha.settings import Settings

    c = build_container(Settings(database_url=url, secret_key="bench-secret-key-for-suraksha"))
    try:
        account = c.accounts.create_account("bench-dispatcher", "bench-password-1234", Role.DISPATCHER,
                                            ScopeKind.CITY, "mumbai")
        return c.accounts.issue_token(account)[0]
    finally:
        c.engine.dispose()


def outbox_backlog(url: str) -> tuple[int, float]:
    """Events not yet relayed when the load stopped, and the seconds until the relay had published them all."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    query = text("SELECT count(*) FROM events WHERE published_at IS NULL")
    started = time.monotonic()
    try:
        with engine.connect() as conn:
            waiting = conn.execute(query).scalar_one()
        left = waiting
        while left and time.monotonic() - started < 300:
            time.sleep(0.2)
            with engine.connect() as conn:
                left = conn.execute(query).scalar_one()
        return waiting, time.monotonic() - started
    finally:
        engine.dispose()


def phase(name: str, nodes: list[dict], connections: int, seconds: int, lines: list[str], tmp: Path,
          url: str) -> dict:
    targets = [nodes[0]] if name == "one node" else nodes
    share = len(lines) // len(targets)
    results: list[dict] = [{}] * len(targets)
    before = {n["name"]: cpu_seconds(n["proc"].pid) for n in nodes}
    others = cpu_of(("postgres", "nats-server"))

    def run(i: int) -> None:
        results[i] = drive(targets[i]["base"], WEBHOOK, lines[i * share:(i + 1) * share],
                           connections // len(targets), seconds, tmp)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(targets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = cpu_of(("postgres", "nats-server"))
    waiting, drained = outbox_backlog(url)
    r = {"name": name, "rps": sum(x["rps"] for x in results), "p50": max(x["p50"] for x in results),
         "p99": max(x["p99"] for x in results),
         **{f"cpu_{n['name']}": (cpu_seconds(n["proc"].pid) - before[n["name"]]) / seconds for n in nodes},
         "cpu_postgres": (after["postgres"] - others["postgres"]) / seconds,
         "cpu_nats": (after["nats-server"] - others["nats-server"]) / seconds, "waiting": waiting,
         "drained_s": drained}
    print(f"{name}: {r['rps']:.0f} SMS/s, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms (the slower node's) | CPU: "
          f"node A {r['cpu_a']:.2f}, node B {r['cpu_b']:.2f}, PostgreSQL {r['cpu_postgres']:.2f}, "
          f"NATS {r['cpu_nats']:.2f} | outbox at the end: {waiting} events, relayed in {drained:.1f} s", flush=True)
    return r


def across_nodes(a: dict, b: dict, numbers: list[str], public: str, token: str, n: int) -> list[float]:
    """Milliseconds from node A's answer to an SMS until its `IncidentReported` is on node B's console stream."""
    seen: dict[str, float] = {}
    connected, done = threading.Event(), threading.Event()

    def listen() -> None:
        with httpx.stream("GET", b["base"] + "/api/v1/stream", timeout=httpx.Timeout(30, read=None),
                          headers={"Authorization": f"Bearer {token}"}) as r:
            connected.set()
            for line in r.iter_lines():
                if line.startswith("data: ") and '"IncidentReported"' in line:
                    seen.setdefault(json.loads(line[6:])["tracking"], time.monotonic())
                if done.is_set():
                    return

    threading.Thread(target=listen, daemon=True).start()
    assert connected.wait(10)
    validator = RequestValidator(TOKEN)
    latencies = []
    with httpx.Client(timeout=30) as client:
        for i in range(n):
            form = {"MessageSid": f"SMX{uuid.uuid4().hex[:29]}", "AccountSid": "AC" + "0" * 32,
                    "From": f"+91977{i:07d}", "To": numbers[i % len(numbers)], "Body": "Help, a man is following me",
                    "NumMedia": "0"}
            r = client.post(a["base"] + WEBHOOK, data=form,
                            headers={"X-Twilio-Signature": validator.compute_signature(public + WEBHOOK, form)})
            answered = time.monotonic()
            found = TRACKING.search(r.text)
            if r.status_code != 200 or found is None:
                raise RuntimeError(f"node A did not take the SMS: {r.status_code} {r.text[:200]}")
            deadline = answered + 10
            while time.monotonic() < deadline and found.group(0) not in seen:
                time.sleep(0.002)
            if found.group(0) in seen:
                latencies.append((seen[found.group(0)] - answered) * 1000)
            time.sleep(0.1)
    done.set()
    return latencies


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--messages", type=int, default=100, help="SMS timed across nodes")
    ap.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/bench_nodes")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="suraksha-nodes-"))
    url = args.database_url
    ensure_database(url)
    empty_database(url)
    numbers = prepare_database(url)
    token = dispatcher_token(url)
    stream = f"BENCH_{uuid.uuid4().hex[:10]}"
    ports = [free_port(), free_port()]
    public = f"http://127.0.0.1:{ports[0]}"  # the balancer's address, signed by the provider, the same on each node
    nodes = []
    try:
        for name, port in zip(("a", "b"), ports, strict=True):
            env = {**serve_env(url, port, public), "SURAKSHA_BUS_URL": NATS_URL, "SURAKSHA_BUS_STREAM": stream,
                   "SURAKSHA_NODE_NAME": name}
            nodes.append({"name": name, "base": f"http://127.0.0.1:{port}",
                          "proc": start([sys.executable, "-m", "suraksha", "serve"], env, port)})
        print(f"two nodes (pids {nodes[0]['proc'].pid}, {nodes[1]['proc'].pid}) on PostgreSQL, stream {stream}; "
              f"{args.connections} connections, {args.seconds} s phases; load average {os.getloadavg()[0]:.1f}",
              flush=True)
        per_phase = int(args.seconds * 4000)  # more distinct messages than a phase can take
        results = []
        for rnd in range(args.rounds):
            for name in ("one node", "two nodes"):
                lines = requests_for(per_phase, numbers, public, seed=1000 * rnd + len(results))
                results.append(phase(name, nodes, args.connections, args.seconds, lines, tmp, url))
        latencies = across_nodes(nodes[0], nodes[1], numbers, public, token, args.messages)
    finally:
        for n in nodes:
            n["proc"].terminate()
            n["proc"].wait()
        delete_stream(stream)

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results if r["name"] == name)

    print(f"\nintake across nodes: PostgreSQL, NATS JetStream, wrk -c{args.connections} (split between the nodes in "
          f"the two-node phases), {args.seconds} s x {args.rounds} rounds; medians")
    print("layout | SMS/s | p50 ms | p99 ms | node A CPU | node B CPU | PostgreSQL CPU | NATS CPU | outbox at the end "
          "(relayed in s)")
    for name in ("one node", "two nodes"):
        print(f"{name} | {med(name, 'rps'):.0f} | {med(name, 'p50'):.1f} | {med(name, 'p99'):.1f} | "
              f"{med(name, 'cpu_a'):.2f} | {med(name, 'cpu_b'):.2f} | {med(name, 'cpu_postgres'):.2f} | "
              f"{med(name, 'cpu_nats'):.2f} | {med(name, 'waiting'):.0f} ({med(name, 'drained_s'):.1f})")
    print(f"two / one: {med('two nodes', 'rps') / med('one node', 'rps'):.2f}x SMS/s")
    if latencies:
        q = statistics.quantiles(latencies, n=100)
        print(f"across nodes ({len(latencies)} of {args.messages} SMS): node A's answer to node B's console: "
              f"p50 {statistics.median(latencies):.0f} ms, p99 {q[98]:.0f} ms, max {max(latencies):.0f} ms")


if __name__ == "__main__":
    main()
