"""PostgreSQL stopped in the middle of intake load (`pg_ctl stop -m immediate`), then started again.

While it is down, intake answers at once with 503, `Retry-After` and the code `database_unavailable` (never a
500, never a hang, never a 200 that stored nothing); once it is back, intake recovers by itself, without a
restart of the app; Twilio's retries of the messages refused meanwhile are stored. The server stopped is a
private one on its own port: the PostgreSQL that other suites use is never touched.
"""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest

from tests.conftest import TEST_PASSWORD, backend
from tests.faults.support import (
    Load,
    PrivateCluster,
    ServeProcess,
    postgres_binaries,
    prepare_database,
    signed_sms,
    stored,
)

pytestmark = pytest.mark.skipif(backend() != "postgres", reason="SQLite lives inside the server process: there is "
                                "no database server to stop (this fault is PostgreSQL's)")

DOWN_FOR_S = 4  # how long the database stays down while load continues
HANG_BOUND_S = 10  # no answer may take longer than this, down or up
RECOVER_WITHIN_S = 30  # after the database is back, intake answers 200 again within this


@pytest.fixture
def cluster():
    bin_dir = postgres_binaries()
    if bin_dir is None:
        pytest.skip("no PostgreSQL programs under /usr/lib/postgresql/*/bin to run a private server with")
    cluster = PrivateCluster(bin_dir)
    try:
        cluster.init().start()
        yield cluster
    finally:
        cluster.destroy()


def wait_for(condition, seconds: float, what: str, server: ServeProcess) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {seconds} s; server log:\n{server.tail()}"
        time.sleep(0.02)


def ok_since(load: Load, route: str, since: float) -> bool:
    return any(a.route == route and a.status == 200 and a.started >= since for a in load.snapshot())


def test_intake_answers_503_while_postgresql_is_down_and_recovers_by_itself(cluster, tmp_path):
    url = cluster.create_database("suraksha")
    numbers = prepare_database(url, with_responder=True)
    server = ServeProcess(url, tmp_path / "serve.log").start()
    pid = server.proc.pid if server.proc else None
    try:
        token = httpx.post(server.url + "/api/v1/auth/token", timeout=10,
                           data={"username": "responder", "password": TEST_PASSWORD}).json()["access_token"]
        load = Load(server.url, signed_sms(numbers, server.url, seed=11), threads=4, timeout=2 * HANG_BOUND_S,
                    extra=("/api/v1/dispositions", {"Authorization": f"Bearer {token}"})).start()
        wait_for(lambda: ok_since(load, "api", 0) and sum(a.acknowledged for a in load.snapshot()) >= 100, 30,
                 "load under way", server)
        stopping = time.monotonic()
        cluster.stop_immediately()
        stopped = time.monotonic()
        time.sleep(DOWN_FOR_S)
        starting = time.monotonic()
        cluster.start()
        started = time.monotonic()
        wait_for(lambda: ok_since(load, "webhook", started) and ok_since(load, "api", started), RECOVER_WITHIN_S,
                 "200s again after the database came back", server)
        answers = load.stop().answers
        assert server.alive() and server.proc is not None and server.proc.pid == pid  # no restart of the app
        refused = sorted({a.key for a in answers if a.route == "webhook" and a.status == 503})
        retries = Load(server.url, [load.sent[sid] for sid in refused], threads=4).start().join().answers
    finally:
        server.stop()

    # never a hang, never a 500: every request got an answer, 200 or 503, within the bound
    assert [a for a in answers if a.status is None] == []
    assert Counter(a.status for a in answers).keys() <= {200, 503}, Counter(a.status for a in answers)
    assert max(a.seconds for a in answers) < HANG_BOUND_S
    unavailable = [a for a in answers if a.status == 503]
    assert {(a.code, a.retry_after is not None and int(a.retry_after) > 0) for a in unavailable} == {
        ("database_unavailable", True)}
    # while it was down, both routes said so; the webhook never said "received" for what it could not store
    down = [a for a in answers if a.started >= stopped and a.started + a.seconds <= starting]
    assert {a.route for a in down if a.status == 503} == {"webhook", "api"}
    assert [a for a in down if a.route == "webhook" and a.status == 200] == []
    # Twilio's retries of what was refused are stored; every acknowledged message is stored with its number
    assert all(a.acknowledged for a in retries), Counter((a.status, a.code) for a in retries)
    db = stored(url)
    acknowledged = {a.key: a.tracking for a in [*answers, *retries] if a.acknowledged}
    assert set(db.rows_per_sid) == {a.key for a in answers if a.route == "webhook"} == set(acknowledged)
    assert set(db.rows_per_sid.values()) == {1}
    assert db.trackings_per_sid == {sid: {tracking} for sid, tracking in acknowledged.items()}

    first, last = min(a.started for a in unavailable), max(a.started + a.seconds for a in unavailable)
    recovered = {route: min(a.started + a.seconds for a in answers if a.route == route and a.status == 200
                            and a.started >= started) - started for route in ("webhook", "api")}
    other_5xx = sum(1 for a in answers if a.status is not None and a.status >= 500 and a.status != 503)
    print(f"\n[faults] PostgreSQL stopped mid-load: down {started - stopping:.1f} s (stop to started again); "
          f"503 window {last - first:.1f} s with {len(unavailable)} answers 503 "
          f"({sum(a.route == 'webhook' for a in unavailable)} webhook, {sum(a.route == 'api' for a in unavailable)} "
          f"API), other 5xx {other_5xx}, no answer {sum(a.status is None for a in answers)}, slowest answer "
          f"{max(a.seconds for a in answers):.2f} s; 200 again {recovered['webhook']:.2f} s (webhook) and "
          f"{recovered['api']:.2f} s (API) after it was back, same server process; {len(refused)} refused messages "
          f"retried and stored; {len(db.rows_per_sid)} messages stored, each once")
