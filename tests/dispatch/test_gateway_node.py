"""A position gateway node (issue 10, point 9): a second `suraksha serve` on the same database that takes the fleet's
fixes (`SURAKSHA_RELAY_OUTBOX=false`, `SURAKSHA_RUN_TIMERS=false`) while the first serves intake and the consoles.
Fixes posted to the gateway move the unit in the first node's recommendations (its fleet index follows the
`UnitsMoved` events it relays) and on its console stream; the gateway node relays nothing itself."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import httpx
from sqlalchemy import create_engine, func, select

from suraksha.adapters.db import companion_url
from suraksha.adapters.outbox import events_table
from suraksha.bootstrap import build_container
from suraksha.core.auth import Role, ScopeKind
from suraksha.dispatch.position_store import unit_moves
from suraksha.dispatch.positions import POSITIONS_STORE
from suraksha.settings import Settings
from tests.conftest import TEST_PASSWORD, sign
from tests.faults.support import SECRET_KEY, TRACKING, ServeProcess, prepare_database


def fleet_of_one(url: str, helpline: str) -> tuple[int, str, float, float, str]:
    """A van at a station far from the one whose helpline she writes to; a dispatcher's bearer token. Returns the
    unit's id, the token, her station's anchor (lat, lon) and the van's call sign."""
    c = build_container(Settings(database_url=url, secret_key=SECRET_KEY))
    try:
        c.stations.reload()
        stations = c.stations.all("mumbai")
        hers = next(s for s in stations if s.women_helpline == helpline)
        far = max(stations, key=lambda s: abs(s.anchor.lat - hers.anchor.lat) + abs(s.anchor.lon - hers.anchor.lon))
        unit = c.dispatch.create_unit("MUM-GW-1", "patrol_van", far.id)
        token = c.accounts.issue_token(c.accounts.create_account("dispatcher", TEST_PASSWORD, Role.DISPATCHER,
                                                                 ScopeKind.CITY, "mumbai"))[0]
        return unit["id"], token, hers.anchor.lat, hers.anchor.lon, unit["call_sign"]
    finally:
        c.engine.dispose()


class Stream:
    """A console's live stream on a node, in a thread: the `UnitsMoved` payloads it receives."""

    def __init__(self, url: str, token: str) -> None:
        self.moved: list[dict] = []
        self._url, self._token = url, token
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self.connected = threading.Event()

    def _read(self) -> None:
        try:
            self._listen()
        except httpx.HTTPError:
            if not self._stop.is_set():  # a stream that breaks while the test still listens is a failure
                self.moved.append({"broken": True})

    def _listen(self) -> None:
        with httpx.stream("GET", self._url + "/api/v1/stream", timeout=httpx.Timeout(30, read=None),
                          headers={"Authorization": f"Bearer {self._token}", "Accept": "text/event-stream"}) as r:
            self.connected.set()
            for line in r.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("data: ") and '"UnitsMoved"' in line:
                    self.moved.append(json.loads(line[6:]))

    def __enter__(self) -> Stream:
        self._thread.start()
        assert self.connected.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()


def test_fixes_taken_by_a_gateway_node_move_the_unit_on_the_node_that_serves_the_consoles(own_database, tmp_path):
    helpline = prepare_database(own_database)[0]
    unit_id, token, lat, lon, call_sign = fleet_of_one(own_database, helpline)
    main = ServeProcess(own_database, tmp_path / "main.log").start()
    gateway = ServeProcess(own_database, tmp_path / "gateway.log", SURAKSHA_RELAY_OUTBOX="false",
                           SURAKSHA_RUN_TIMERS="false").start()
    engine = create_engine(own_database.replace("postgresql://", "postgresql+psycopg://", 1))
    store = create_engine(companion_url(own_database, POSITIONS_STORE).replace("postgresql://", "postgresql+psycopg://",
                                                                               1))
    auth = {"Authorization": f"Bearer {token}"}
    try:
        form = {"MessageSid": "SM" + "8" * 32, "AccountSid": "AC" + "0" * 32, "From": "+919820088888",
                "To": helpline, "Body": f"Help, I am being followed geo:{lat:.6f},{lon:.6f}", "NumMedia": "0"}
        url = main.url + "/webhooks/twilio/sms"
        r = httpx.post(url, data=form, headers={"X-Twilio-Signature": sign(url, form)}, timeout=30)
        tracking = TRACKING.search(r.text).group(0)

        def distance() -> float:
            got = httpx.get(f"{main.url}/api/v1/incidents/{tracking}/recommendations", headers=auth, timeout=30)
            assert got.status_code == 200, got.text
            return next(u["distance_m"] for u in got.json()["recommendations"] if u["unit_id"] == unit_id)

        assert distance() > 5_000  # the van is across the city
        with Stream(main.url, token) as console, Stream(gateway.url, token) as gateway_console:
            fix = [{"unit_id": unit_id, "lon": lon, "lat": lat + 0.0005, "recorded_at": datetime.now(UTC).isoformat()}]
            posted = httpx.post(gateway.url + "/api/v1/units/positions", json=fix, headers=auth, timeout=30)
            assert posted.status_code == 200 and posted.json()["accepted"] == 1, posted.text
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and (distance() > 100 or not console.moved):
                time.sleep(0.2)
            assert distance() < 100, main.tail() + gateway.tail()  # the main node's fleet index followed
            assert [u["call_sign"] for p in console.moved for u in p["units"]] == [call_sign]
            time.sleep(1)
            assert gateway_console.moved == []  # the gateway node relays nothing: its events reach the main node's
        with engine.connect() as conn:
            waiting = conn.execute(select(func.count()).select_from(events_table).where(
                events_table.c.published_at.is_(None))).scalar_one()
        with store.connect() as conn:  # the units' movement waits in the positions' store's own outbox
            moving = conn.execute(select(func.count()).select_from(unit_moves)).scalar_one()
        assert (waiting, moving) == (0, 0)  # every event was relayed, once, by the main node
    finally:
        engine.dispose()
        store.dispose()
        gateway.stop()
        main.stop()
