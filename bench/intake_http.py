"""Benchmark (a): SMS intake through the real HTTP path against the real ceiling.

Three endpoints, each served by uvicorn (one process each side) on 127.0.0.1 with the same database settings
(SQLite: WAL, synchronous=FULL, the write lock only for writes; or PostgreSQL with `--database-url`):
- **bare**: `bench/bare_app.py` `POST /bare`, one `INSERT` and commit per request in FastAPI's thread pool;
- **group**: `POST /bare-group`, the same framework with group commit (one writer thread, one `INSERT` and one
  commit per batch): the ceiling for a durable acknowledgement;
- **intake**: `suraksha serve`, Twilio-signed messages at `/webhooks/twilio/sms` (signature check, de-duplication,
  jurisdiction lookup, triage, sealing, durable commit through the group-commit writer, the TwiML reply, the event
  outbox and its relay).
wrk (C, one thread) drives each with distinct pre-signed requests, in alternating rounds, at each connection count.

    .venv/bin/python bench/intake_http.py [--connections 1,8,32] [--seconds 10] [--rounds 3]
                                          [--database-url postgresql://postgres@127.0.0.1:5432/perf_bench]
    .venv/bin/python bench/intake_http.py --realistic [--history 1000000] [--seconds 60]   (bench/intake_realistic.py)

A PostgreSQL database given with `--database-url` is emptied first (its schema `public` is dropped): give one of
its own. Needs wrk.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-twilio-token"
SECRET = "bench-secret-key-for-suraksha"
WEBHOOK = "/webhooks/twilio/sms"
BODIES = ("Help, a man is following me", "मुझे बचाओ, कोई पीछा कर रहा है", "Mera pati maar raha hai",
          "Boys are passing comments near the bus stop")
ENDPOINTS = ("bare", "group", "intake")
PATHS = {"bare": "/bare", "group": "/bare-group", "intake": WEBHOOK}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def empty_database(url: str) -> None:
    """A PostgreSQL database is emptied (schema dropped); an SQLite file is removed."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        return
    from sqlalchemy import text

    from suraksha.adapters.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def prepare_database(url: str) -> list[str]:
    """Migrate, load Mumbai with its demo numbers; returns the women-helpline numbers."""
    from suraksha.bootstrap import build_container
    from suraksha.demo.setup import load_city
    from suraksha.migrations.run import upgrade
    from suraksha.settings import Settings

    upgrade(url)
    c = build_container(Settings(database_url=url))
    load_city(c)
    numbers = [s.women_helpline for s in c.stations.all("mumbai")]
    c.engine.dispose()
    return numbers


def serve_env(url: str, port: int, public: str) -> dict[str, str]:
    return {"SURAKSHA_DATABASE_URL": url, "PORT": str(port), "SURAKSHA_PUBLIC_URL": public,
            "SURAKSHA_TWILIO_AUTH_TOKEN": TOKEN, "SURAKSHA_SECRET_KEY": SECRET, "SURAKSHA_LOG_LEVEL": "WARNING",
            "SURAKSHA_REGISTRY_FILES_DIR": str(Path(tempfile.gettempdir()) / "suraksha-bench-files")}


def start(cmd: list[str], env: dict, port: int, probe: str = "/openapi.json") -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode()[-3000:])
        try:
            httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(proc.stderr.read().decode()[-3000:])


def signed(form: dict[str, str], public_url: str, validator: RequestValidator) -> str:
    return f"{urlencode(form)}\t{validator.compute_signature(public_url + WEBHOOK, form)}\n"


def requests_for(n: int, numbers: list[str], public_url: str, seed: int) -> list[str]:
    """n distinct messages from distinct senders (60% with a location), as wrk lines: form TAB signature."""
    rng = random.Random(seed)
    validator = RequestValidator(TOKEN)
    out = []
    for i in range(n):
        body = rng.choice(BODIES)
        if rng.random() < 0.6:
            body += f" geo:{rng.uniform(18.93, 19.20):.5f},{rng.uniform(72.82, 72.95):.5f}"
        form = {"MessageSid": f"SM{seed:08d}{i:024d}", "AccountSid": "AC" + "0" * 32,
                "From": f"+919{rng.randrange(10**8, 10**9):09d}", "To": rng.choice(numbers), "Body": body,
                "NumMedia": "0"}
        out.append(signed(form, public_url, validator))
    return out


WRK_SCRIPT = """
local lines = {}
for line in io.lines(os.getenv("BENCH_REQUESTS")) do lines[#lines + 1] = line end
local path = os.getenv("BENCH_PATH")
local i = 0
request = function()
  i = i + 1
  if i > #lines then i = 1 end
  local body, sig = lines[i]:match("([^\t]*)\t(.*)")
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded",
                                   ["X-Twilio-Signature"] = sig}, body)
end
"""


def drive(base: str, path: str, lines: list[str], connections: int, seconds: int, tmp: Path,
          wrap: bool = False) -> dict:
    """wrk (C, one thread) as the load generator: it costs the server's cores little. Requests are sent in order,
    each once (unless `wrap`: then the list repeats, as provider retries would)."""
    data = tmp / f"requests-{time.monotonic_ns()}.tsv"
    data.write_text("".join(lines))
    script = tmp / "post.lua"
    script.write_text(WRK_SCRIPT)
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
                          "-s", str(script), base],
                         env={**os.environ, "BENCH_REQUESTS": str(data), "BENCH_PATH": path},
                         capture_output=True, text=True, check=True).stdout
    data.unlink()
    if "Non-2xx" in out:
        raise RuntimeError(f"error answers under load:\n{out}")
    timeouts = re.search(r"timeout (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    if total > len(lines) and not wrap:
        raise RuntimeError(f"{total} requests sent but only {len(lines)} distinct ones prepared")
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
            "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)), "n": total,
            "timeouts": int(timeouts.group(1)) if timeouts else 0}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def databases(args, tmp: Path) -> tuple[str, str]:
    """(intake's URL, the bare endpoints' URL): two SQLite files, or the one PostgreSQL database for both."""
    if args.database_url:
        return args.database_url, args.database_url
    return f"sqlite:///{tmp / 'intake.db'}", f"sqlite:///{tmp / 'bare.db'}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connections", "--concurrency", default="1,8,32", help="comma-separated connection counts")
    ap.add_argument("--seconds", type=int, default=None, help="per round (default 10; realistic: 60)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--database-url", default="", help="PostgreSQL database to use (emptied first)")
    ap.add_argument("--endpoints", default=",".join(ENDPOINTS))
    ap.add_argument("--realistic", action="store_true", help="repeat callers, retries, history, consoles beside")
    ap.add_argument("--history", type=int, default=1_000_000, help="realistic: incidents of history")
    ap.add_argument("--registry", type=int, default=100_000, help="realistic: registrations to search")
    args = ap.parse_args()
    if args.realistic:
        import intake_realistic

        intake_realistic.main(args)
        return
    ceiling(args)


def ceiling(args) -> None:
    seconds = args.seconds or 10
    connections = [int(c) for c in str(args.connections).split(",")]
    endpoints = [e for e in ENDPOINTS if e in args.endpoints.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="suraksha-bench-"))
    intake_url, bare_url = databases(args, tmp)
    if args.database_url:
        empty_database(args.database_url)
    numbers = prepare_database(intake_url)
    intake_port, bare_port = free_port(), free_port()
    public = f"http://127.0.0.1:{intake_port}"
    bases = {"bare": f"http://127.0.0.1:{bare_port}", "group": f"http://127.0.0.1:{bare_port}", "intake": public}
    intake = start([sys.executable, "-m", "suraksha", "serve"], serve_env(intake_url, intake_port, public), intake_port)
    bare = start([sys.executable, str(ROOT / "bench" / "bare_app.py"), str(bare_port), bare_url], {}, bare_port)
    print(f"intake pid {intake.pid}, bare pid {bare.pid}, database {intake_url.split('://')[0]}", flush=True)
    results: dict[tuple[str, int], list] = {}
    seed = 0
    try:
        for name in endpoints:  # warm-up, not measured
            seed += 1
            drive(bases[name], PATHS[name], requests_for(_enough(name, 8, 2), numbers, public, seed=900 + seed), 8, 2,
                  tmp)
        time.sleep(2)
        for rnd in range(args.rounds):
            for conns in connections:
                for name in endpoints:
                    seed += 1
                    lines = requests_for(_enough(name, conns, seconds), numbers, public, seed=seed)
                    r = drive(bases[name], PATHS[name], lines, conns, seconds, tmp)
                    results.setdefault((name, conns), []).append(r)
                    print(f"round {rnd + 1} c={conns:<3d} {name:6s}: {r['rps']:8.0f} req/s  p50 {r['p50']:7.2f} ms  "
                          f"p99 {r['p99']:7.2f} ms  ({r['n']} requests, {r['timeouts']} timed out)", flush=True)
    finally:
        intake.terminate()
        bare.terminate()
        intake.wait()
        bare.wait()
    report(results, connections, endpoints, args, seconds, intake_url)


def _enough(name: str, conns: int, seconds: int) -> int:
    per_second = {"bare": 2_000, "group": 8_000, "intake": 5_000}[name] * (0.5 if conns == 1 else 1)
    return int(per_second * seconds * 1.3)


def report(results, connections, endpoints, args, seconds, url) -> None:
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("rps", "p50", "p99")} for k, v in results.items()}
    db = "PostgreSQL" if url.startswith("postgresql") else "SQLite WAL synchronous=FULL"
    print(f"\n(a) SMS intake, wrk -t1, {seconds} s x {args.rounds} alternating rounds each, {db}, medians of rounds")
    print("connections | " + " | ".join(f"{e} req/s | {e} p50 / p99 ms" for e in endpoints)
          + (" | intake / group | intake / bare | intake p50 / group p50" if set(endpoints) == set(ENDPOINTS) else ""))
    for c in connections:
        cells = [f"{med[(e, c)]['rps']:.0f} | {med[(e, c)]['p50']:.2f} / {med[(e, c)]['p99']:.2f}" for e in endpoints]
        line = f"{c} | " + " | ".join(cells)
        if set(endpoints) == set(ENDPOINTS):
            i, g, b = med[("intake", c)], med[("group", c)], med[("bare", c)]
            line += f" | {i['rps'] / g['rps']:.2f}x | {i['rps'] / b['rps']:.2f}x | {i['p50'] / g['p50']:.2f}x"
        print(line)
    for c in connections:  # the lines bench/intake_before_after.py reads (the last one printed wins there)
        for e, label in (("bare", "bare durable insert"), ("intake", "intake (full path)")):
            if (e, c) in med:
                print(f"  c={c:<3d} {label:20s}: {med[(e, c)]['rps']:8.0f} req/s   p50 {med[(e, c)]['p50']:6.1f} ms   "
                      f"p99 {med[(e, c)]['p99']:6.1f} ms")


if __name__ == "__main__":
    main()
