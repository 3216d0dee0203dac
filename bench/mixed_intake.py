"""Benchmark: mixed-channel intake (SMS, WhatsApp, panic buttons) at a steady rate, beside SMS alone (issue 9).

One `suraksha serve` on 127.0.0.1 with Mumbai's 91 stations (their demo helpline numbers and WhatsApp phone number
ids) takes contacts offered at a fixed rate (`--rate`, 200 a second), each sent on its schedule from a pool of
threads and timed from that moment, so that a server falling behind shows in the latencies. Phases alternate:

- **S**: SMS only, Twilio-signed, to the women helplines (60% with a location in the text);
- **M**: the same rate, mixed: 50% SMS as above, 30% WhatsApp deliveries as Meta sends them (JSON, signed with the
  app secret; one in five with a shared location message), 20% panic-button alerts (`POST /api/v1/sos` with an
  integration account's bearer token; one in five a later alert of a device that already raised one, which joins and
  moves its incident).

Every contact is distinct (its own sender, message id or device time). After each phase the benchmark waits until
the server has answered everything, then counts what the database holds for the phase's contacts: **acknowledged**
(answered 200) must equal **stored** (its inbound message row, by provider id). It prints per phase and per channel
the contacts acknowledged a second, p50 and p99 of the acknowledgement, and the mixed phases' throughput as a ratio
to the SMS phases' in the same run.

    .venv/bin/python bench/mixed_intake.py [--rate 200] [--seconds 60] [--rounds 2]
                                           [--database-url postgresql://postgres@127.0.0.1:5432/perf_mixed]

A PostgreSQL database given with `--database-url` is emptied first: give one of its own.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_http import TOKEN, WEBHOOK, empty_database, free_port, serve_env, start

APP_SECRET = "bench-whatsapp-app-secret"
GATEWAY, GATEWAY_PASSWORD = "bench-sos-gateway", "a long benchmark gateway passphrase"
BODIES = ("Help, a man is following me", "मुझे बचाओ, कोई पीछा कर रहा है", "Mera pati maar raha hai",
          "Boys are passing comments near the bus stop", "माझा नवरा मला मारहाण करत आहे")
MIX = (("sms", 0.5), ("whatsapp", 0.3), ("sos", 0.2))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def prepare(url: str) -> dict:
    """Migrate, load Mumbai (numbers and WhatsApp ids), create the gateway's account."""
    from suraksha.bootstrap import build_container
    from suraksha.core.auth import Role, ScopeKind
    from suraksha.demo.setup import load_city
    from suraksha.migrations.run import upgrade
    from suraksha.settings import Settings

    upgrade(url)
    c = build_container(Settings(database_url=url))
    load_city(c)
    c.accounts.create_account(GATEWAY, GATEWAY_PASSWORD, Role.INTEGRATION, ScopeKind.NATIONAL)
    stations = c.stations.all("mumbai")
    out = {"numbers": [s.women_helpline for s in stations],
           "whatsapp": [w for s in stations if (w := c.stations.whatsapp_of(s.id))]}
    c.engine.dispose()
    return out


class Traffic:
    """Distinct contacts of each channel, as their providers send them."""

    def __init__(self, public_url: str, places: dict, seed: int) -> None:
        self.rng, self.places, self.n = random.Random(seed), places, 0
        self.validator = RequestValidator(TOKEN)
        self.public_url = public_url
        self.devices: list[str] = []

    def _point(self) -> tuple[float, float]:
        return round(self.rng.uniform(18.93, 19.20), 5), round(self.rng.uniform(72.82, 72.95), 5)

    def sms(self) -> tuple[str, dict, str]:
        self.n += 1
        body = self.rng.choice(BODIES)
        if self.rng.random() < 0.6:
            body += " geo:{},{}".format(*self._point())
        sid = f"SM{os.getpid():08d}{self.n:024d}"
        form = {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": f"+919{self.rng.randrange(10**8, 10**9)}",
                "To": self.rng.choice(self.places["numbers"]), "Body": body, "NumMedia": "0"}
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": self.validator.compute_signature(self.public_url + WEBHOOK, form)}
        return WEBHOOK, {"content": urlencode(form), "headers": headers}, sid

    def whatsapp(self) -> tuple[str, dict, str]:
        self.n += 1
        sender = f"919{self.rng.randrange(10**8, 10**9)}"
        wamid = f"wamid.BENCH{os.getpid():08d}{self.n:020d}"
        messages = [{"from": sender, "id": wamid, "timestamp": str(int(time.time())), "type": "text",
                     "text": {"body": self.rng.choice(BODIES)}}]
        if self.rng.random() < 0.2:
            lat, lon = self._point()
            messages[0] = {"from": sender, "id": wamid, "timestamp": str(int(time.time())), "type": "location",
                           "location": {"latitude": lat, "longitude": lon, "name": "here"}}
        doc = {"object": "whatsapp_business_account", "entry": [{"id": "bench-waba", "changes": [{"field": "messages",
               "value": {"messaging_product": "whatsapp",
                         "metadata": {"display_phone_number": "917000100000",
                                      "phone_number_id": self.rng.choice(self.places["whatsapp"])},
                         "contacts": [{"profile": {"name": "bench"}, "wa_id": sender}], "messages": messages}}]}]}
        raw = json.dumps(doc).encode()
        sig = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        return "/webhooks/whatsapp", {"content": raw, "headers": {"Content-Type": "application/json",
                                                                  "X-Hub-Signature-256": sig}}, wamid

    def sos(self, token: str, at: datetime) -> tuple[str, dict, str]:
        self.n += 1
        if self.devices and self.rng.random() < 0.2:  # she moves: a later alert of a device that raised one
            device = self.rng.choice(self.devices[-200:])
        else:
            device = f"bench-{os.getpid()}-{self.n}"
            self.devices.append(device)
        lat, lon = self._point()
        at_text = (at + timedelta(microseconds=self.n)).isoformat()
        body = {"device_id": device, "lat": lat, "lon": lon, "accuracy_m": 15, "battery_pct": 60, "at": at_text}
        key = "sos:" + hashlib.sha256(f"{device}|{at_text}".encode()).hexdigest()[:48]
        return "/api/v1/sos", {"json": body, "headers": {"Authorization": f"Bearer {token}"}}, key


def run_phase(base: str, traffic: Traffic, token: str, mixed: bool, rate: float, seconds: int) -> dict:
    n = int(rate * seconds)
    rng = random.Random(n + mixed)
    now = datetime.now(UTC)
    plan = []
    for _ in range(n):
        channel = "sms"
        if mixed:
            roll, acc = rng.random(), 0.0
            for name, share in MIX:
                acc += share
                if roll < acc:
                    channel = name
                    break
        request = (traffic.sms() if channel == "sms" else traffic.whatsapp() if channel == "whatsapp"
                   else traffic.sos(token, now))
        plan.append((channel, *request))
    results: dict[str, list[float]] = {"sms": [], "whatsapp": [], "sos": []}
    acked: dict[str, list[str]] = {"sms": [], "whatsapp": [], "sos": []}
    failed: list[str] = []
    lock = threading.Lock()
    # idle connections dropped by this side after 2 s, before the server closes them after 5 s: a request sent on a
    # connection the server was closing at that moment would fail ("connection reset by peer")
    http = httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_connections=64, max_keepalive_connections=64,
                                                                        keepalive_expiry=2.0))

    def send(item, due: float) -> None:
        channel, path, kwargs, key = item
        try:
            r = http.post(path, **kwargs)
            ok = r.status_code == 200
        except httpx.HTTPError as exc:
            ok, r = False, exc
        with lock:
            if ok:
                results[channel].append((time.monotonic() - due) * 1000)
                acked[channel].append(key)
            else:
                failed.append(f"{channel}: {getattr(r, 'status_code', r)}")

    start_at = time.monotonic()
    with http, ThreadPoolExecutor(max_workers=64) as pool:
        for k, item in enumerate(plan):
            due = start_at + k / rate
            time.sleep(max(0.0, due - time.monotonic()))
            pool.submit(send, item, due)
    wall = time.monotonic() - start_at
    return {"results": results, "acked": acked, "failed": failed, "wall": wall, "offered": n}


def stored(url: str, acked: dict[str, list[str]]) -> dict[str, int]:
    """How many of the acknowledged contacts the database holds (inbound messages, by provider id)."""
    from sqlalchemy import func, select

    from suraksha.adapters.db import make_engine
    from suraksha.migrations.tables import metadata

    im = metadata.tables["inbound_messages"]
    engine = make_engine(url)
    out = {}
    with engine.connect() as conn:
        for channel, keys in acked.items():
            found = 0
            for i in range(0, len(keys), 500):
                found += conn.execute(select(func.count()).select_from(im)
                                      .where(im.c.provider_id.in_(keys[i:i + 500]))).scalar_one()
            out[channel] = found
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=200.0, help="contacts offered a second")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--database-url", default="", help="PostgreSQL database to use (emptied first)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="suraksha-mixed-"))
    url = args.database_url or f"sqlite:///{tmp / 'mixed.db'}"
    empty_database(url)
    places = prepare(url)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = serve_env(url, port, public) | {"SURAKSHA_WHATSAPP_APP_SECRET": APP_SECRET}
    server = start([sys.executable, "-m", "suraksha", "serve"], env, port)
    try:
        token = httpx.post(f"{public}/api/v1/auth/token", data={"username": GATEWAY, "password": GATEWAY_PASSWORD}
                           ).json()["access_token"]
        traffic = Traffic(public, places, seed=7)
        run_phase(public, traffic, token, True, args.rate, 5)  # warm-up, not counted
        print(f"server pid {server.pid}, {url.split(':', 1)[0]}, {args.rate:.0f} contacts a second offered, "
              f"{args.seconds} s a phase; load average {os.getloadavg()[0]:.1f}", flush=True)
        phases = []
        for r in range(args.rounds):
            for mixed in (False, True):
                name = f"{'M' if mixed else 'S'}{r + 1}"
                done = run_phase(public, traffic, token, mixed, args.rate, args.seconds)
                time.sleep(1.0)
                done["stored"] = stored(url, done["acked"])
                done["name"], done["mixed"] = name, mixed
                phases.append(done)
                line = [f"{name}: offered {done['offered']}, failed {len(done['failed'])}"]
                for ch, ms in done["results"].items():
                    if ms:
                        line.append(f"{ch} {len(ms)} acked / {done['stored'][ch]} stored, p50 {pct(ms, 50):.1f} "
                                    f"p99 {pct(ms, 99):.1f} ms")
                print(" | ".join(line), f"| load average {os.getloadavg()[0]:.1f}", flush=True)
        report(phases)
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(phases: list[dict]) -> None:
    def rate(p: dict) -> float:
        return sum(len(v) for v in p["results"].values()) / p["wall"]

    def every(p: dict) -> list[float]:
        return [x for v in p["results"].values() for x in v]

    s = [p for p in phases if not p["mixed"]]
    m = [p for p in phases if p["mixed"]]
    print("\n| phases | acknowledged / s | acknowledged = stored | p50 ms | p99 ms | SMS p99 | WhatsApp p99 | SOS p99 |")
    print("|---|---|---|---|---|---|---|---|")
    for label, group in (("S (SMS only)", s), ("M (mixed)", m)):
        ms = [x for p in group for x in every(p)]
        by = {ch: [x for p in group for x in p["results"][ch]] for ch in ("sms", "whatsapp", "sos")}
        equal = all(len(p["acked"][ch]) == p["stored"][ch] for p in group for ch in p["acked"])
        acked = sum(len(v) for p in group for v in p["acked"].values())
        held = sum(p["stored"][ch] for p in group for ch in p["stored"])
        print(f"| {label} | {statistics.median(rate(p) for p in group):.1f} | {acked} = {held}: {equal} | "
              f"{pct(ms, 50):.1f} | {pct(ms, 99):.1f} | "
              + " | ".join(f"{pct(by[ch], 99):.1f}" if by[ch] else "–" for ch in ("sms", "whatsapp", "sos")) + " |")
    ratio = statistics.median(rate(p) for p in m) / statistics.median(rate(p) for p in s)
    failed = sum(len(p["failed"]) for p in phases)
    print(f"\nmixed / SMS-only throughput: {ratio:.2f}x; failed requests: {failed}")


if __name__ == "__main__":
    main()
