"""Benchmark (a): SMS intake through the real HTTP path against a bare endpoint doing one durable insert.

Both servers are separate uvicorn processes (one each) on 127.0.0.1, on SQLite files with the same settings
(WAL, synchronous=FULL, BEGIN IMMEDIATE). The same client sends the same number of form-encoded requests
with the same concurrency to each, in alternating rounds. Intake does the full path: Twilio signature
check, de-duplication, jurisdiction lookup, triage, sealing, durable commit (group commit) and outbox.

    .venv/bin/python bench/intake_http.py [--seconds 10] [--concurrency 32] [--rounds 3]   (needs wrk)
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

import httpx
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-twilio-token"
BODIES = ("Help, a man is following me", "मुझे बचाओ, कोई पीछा कर रहा है", "Mera pati maar raha hai",
          "Boys are passing comments near the bus stop")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def start(cmd: list[str], env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(proc.stderr.read().decode()[-2000:])


def requests_for(n: int, numbers: list[str], public_url: str, seed: int) -> list[tuple[dict, dict]]:
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
        sig = validator.compute_signature(public_url + "/webhooks/twilio/sms", form)
        out.append((form, {"X-Twilio-Signature": sig}))
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


def drive(base: str, path: str, reqs: list[tuple[dict, dict]], concurrency: int, seconds: int, tmp: Path) -> dict:
    """wrk (C, one thread) as the load generator: it costs the server's cores little."""
    from urllib.parse import urlencode

    data = tmp / f"requests-{time.monotonic_ns()}.tsv"
    data.write_text("".join(f"{urlencode(form)}\t{h['X-Twilio-Signature']}\n" for form, h in reqs))
    script = tmp / "post.lua"
    script.write_text(WRK_SCRIPT)
    out = subprocess.run(["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s", str(script), base],
                         env={**os.environ, "BENCH_REQUESTS": str(data), "BENCH_PATH": path},
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"error answers under load:\n{out}")
    timeouts = re.search(r"timeout (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    if total > len(reqs):
        raise RuntimeError(f"{total} requests sent but only {len(reqs)} distinct ones prepared")
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
            "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)), "n": total,
            "timeouts": int(timeouts.group(1)) if timeouts else 0}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--prepared", type=int, default=40_000, help="distinct signed requests per round")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="suraksha-bench-"))
    intake_port, bare_port = free_port(), free_port()
    intake_url = f"sqlite:///{tmp / 'intake.db'}"
    numbers = prepare_database(intake_url)
    public = f"http://127.0.0.1:{intake_port}"
    intake = start([sys.executable, "-m", "suraksha", "serve"], {
        "SURAKSHA_DATABASE_URL": intake_url, "PORT": str(intake_port), "SURAKSHA_PUBLIC_URL": public,
        "SURAKSHA_TWILIO_AUTH_TOKEN": TOKEN, "SURAKSHA_LOG_LEVEL": "WARNING"}, intake_port)
    bare = start([sys.executable, str(ROOT / "bench" / "bare_app.py"), str(bare_port), str(tmp / "bare.db")], {}, bare_port)
    results = {"intake": [], "bare": []}
    try:
        for name, base, path in (("bare", f"http://127.0.0.1:{bare_port}", "/bare"),
                                 ("intake", public, "/webhooks/twilio/sms")):  # warm-up, not measured
            drive(base, path, requests_for(10_000, numbers, public, seed=900 + (name == "intake")),
                  args.concurrency, 3, tmp)
        time.sleep(3)  # the server builds its jurisdiction cell cache in the background at start
        for rnd in range(args.rounds):
            for name, base, path in (("bare", f"http://127.0.0.1:{bare_port}", "/bare"),
                                     ("intake", public, "/webhooks/twilio/sms")):
                reqs = requests_for(args.prepared, numbers, public, seed=rnd * 10 + (name == "intake"))
                r = drive(base, path, reqs, args.concurrency, args.seconds, tmp)
                results[name].append((r["rps"], r["p50"], r["p99"]))
                print(f"round {rnd + 1} {name:6s}: {r['rps']:8.0f} req/s  p50 {r['p50']:6.1f} ms  "
                      f"p99 {r['p99']:6.1f} ms  ({r['n']} requests, {r['timeouts']} timed out)", flush=True)
    finally:
        intake.terminate()
        bare.terminate()
    report(results, args)


def report(results, args) -> None:
    med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in results.items()}
    print(f"\n(a) SMS intake, wrk -t1 -c{args.concurrency} for {args.seconds} s x {args.rounds} rounds each, "
          f"SQLite WAL synchronous=FULL, medians of rounds")
    print(f"  bare durable insert : {med['bare'][0]:8.0f} req/s   p50 {med['bare'][1]:6.1f} ms   p99 {med['bare'][2]:6.1f} ms")
    print(f"  intake (full path)  : {med['intake'][0]:8.0f} req/s   p50 {med['intake'][1]:6.1f} ms   p99 {med['intake'][2]:6.1f} ms")
    print(f"  ratio intake/bare   : {med['intake'][0] / med['bare'][0]:.2f}x throughput, "
          f"{med['intake'][2] / med['bare'][2]:.2f}x p99 latency")


if __name__ == "__main__":
    main()
