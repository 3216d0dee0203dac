"""Benchmark: how soon after a start `suraksha serve` acknowledges her SMS, on an empty registry and on a large one.

Two SQLite databases with Mumbai's stations, one of them with `--registrations` registrations (loaded by SQL); a
real `python -m suraksha serve` is started on each in turn (`--runs` times each, alternating), and a Twilio-signed SMS
is posted every 50 ms from the moment of the start until it is acknowledged (the TwiML with a tracking number). Prints
each start and the medians side by side: the registry's index is built behind the server (issue 14), so the two
should be close, and both within 5 s.

    .venv/bin/python bench/start_up.py [--registrations 300000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_http import SECRET, TOKEN, free_port, prepare_database


def first_acknowledgement(url: str, number: str, files: Path, sid: int) -> float:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SURAKSHA_DATABASE_URL": url, "PORT": str(port), "SURAKSHA_PUBLIC_URL": public,
           "SURAKSHA_TWILIO_AUTH_TOKEN": TOKEN, "SURAKSHA_SECRET_KEY": SECRET, "SURAKSHA_LOG_LEVEL": "WARNING",
           "SURAKSHA_REGISTRY_FILES_DIR": str(files)}
    form = {"MessageSid": f"SM{sid:032d}", "AccountSid": "AC" + "0" * 32, "From": "+919820012345", "To": number,
            "Body": "Help, a man is following me", "NumMedia": "0"}
    headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(public + "/webhooks/twilio/sms", form)}
    started = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "suraksha", "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        while time.monotonic() - started < 120 and server.poll() is None:
            try:
                answer = httpx.post(f"{public}/webhooks/twilio/sms", data=form, headers=headers, timeout=10)
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            if answer.status_code == 200 and re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", answer.text):
                return time.monotonic() - started
            raise RuntimeError(f"answered {answer.status_code}: {answer.text[:200]}")
        raise RuntimeError("no acknowledgement within 120 s: " + server.stderr.read().decode()[-2000:])
    finally:
        server.terminate()
        server.communicate(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--registrations", type=int, default=300_000)
    ap.add_argument("--runs", type=int, default=5, help="starts on each database")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="suraksha-start-"))
    urls = {"empty": f"sqlite:///{tmp / 'empty.db'}", "registry": f"sqlite:///{tmp / 'registry.db'}"}
    numbers = {name: prepare_database(url)[0] for name, url in urls.items()}
    from suraksha.adapters.db import make_engine
    from suraksha.registry.bulk_load import load_registrations

    engine = make_engine(urls["registry"])
    load_registrations(engine, args.registrations, datetime.now(UTC))
    engine.dispose()
    first_acknowledgement(urls["empty"], numbers["empty"], tmp, 0)  # not counted: compiles what is new
    times: dict[str, list[float]] = {"empty": [], "registry": []}
    for run in range(args.runs):
        for name in (("empty", "registry") if run % 2 == 0 else ("registry", "empty")):
            seconds = first_acknowledgement(urls[name], numbers[name], tmp, len(times[name]) * 2 + run + 1)
            times[name].append(seconds)
            print(f"start {run + 1} {name:8}: acknowledged {seconds:.2f} s after the start", flush=True)
    empty, large = statistics.median(times["empty"]), statistics.median(times["registry"])
    print(f"\nfirst acknowledgement after a start, median of {args.runs}: empty registry {empty:.2f} s "
          f"(max {max(times['empty']):.2f}), {args.registrations:,} registrations {large:.2f} s "
          f"(max {max(times['registry']):.2f}); ratio {large / empty:.2f}x; goal: within 5 s")


if __name__ == "__main__":
    main()
