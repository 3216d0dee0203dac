"""The live feed (Server-Sent Events) through a real HTTP connection: the one scope rule decides what each
account receives, and events published from any thread arrive at once."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest

from suraksha.core.auth import Role, ScopeKind
from suraksha.core.events import Event
from suraksha.demo.setup import shipped_jurisdictions
from suraksha.web.stream import HEARTBEAT_S
from tests.conftest import add_account


def unit_ids(payload: dict) -> set[int]:
    """The units an event is about: its unit, or those a `UnitsMoved` lists."""
    return {u["unit_id"] for u in payload.get("units", [])} | ({payload["unit_id"]} if "unit_id" in payload else set())


class Feed:
    """Reads /api/v1/stream in a thread and keeps every event with the moment it arrived."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.events: list[tuple[float, str, dict]] = []
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(base_url, headers), daemon=True)
        self._thread.start()
        assert self.connected.wait(10), "the stream did not open"

    def _read(self, base_url: str, headers: dict[str, str]) -> None:
        try:
            self._follow(base_url, headers)
        except httpx.HTTPError:  # the server closed the stream (the session's server stops at the end)
            if not self._stop.is_set() and not self.connected.is_set():
                raise

    def _follow(self, base_url: str, headers: dict[str, str]) -> None:
        with httpx.Client(base_url=base_url, timeout=httpx.Timeout(30, read=60)) as client:
            with client.stream("GET", "/api/v1/stream", headers=headers) as resp:
                assert resp.status_code == 200
                kind = None
                for line in resp.iter_lines():
                    if line.startswith("retry:"):
                        self.connected.set()
                    elif line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and kind:
                        self.events.append((time.monotonic(), kind, json.loads(line[6:])))
                    if self._stop.is_set():
                        return

    def wait_for(self, predicate, timeout: float = 10.0) -> tuple[float, str, dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in list(self.events):
                if predicate(item[1], item[2]):
                    return item
            time.sleep(0.01)
        raise AssertionError(f"no such event within {timeout} s; got {[(k, p) for _, k, p in self.events]}")

    def close(self) -> None:
        self._stop.set()


@pytest.fixture
def feeds(server_url, auth):
    opened: list[Feed] = []

    def open_feed(username: str) -> Feed:
        feed = Feed(server_url, auth(username))
        opened.append(feed)
        return feed

    yield open_feed
    for f in opened:
        f.close()


@pytest.fixture
def bengaluru(container):
    """Bengaluru's stations beside Mumbai's: a second state (KA) in the same database."""
    container.stations.import_geojson(shipped_jurisdictions("bengaluru"), "bengaluru", actor="tests")
    return next(s for s in container.stations.all("bengaluru"))


def test_a_state_dispatchers_feed_carries_nothing_from_another_state(container, feeds, bengaluru, home_station,
                                                                     make_incident):
    add_account(container, "mh_dispatcher", Role.DISPATCHER, ScopeKind.STATE, "MH")
    feed = feeds("mh_dispatcher")
    ka_unit = container.dispatch.create_unit("BLR-NS-001", "nirbhaya_squad", bengaluru.id)
    container.dispatch.post_position(ka_unit["id"], bengaluru.anchor.lon + 0.001, bengaluru.anchor.lat)
    ka = make_incident("help", lat=bengaluru.anchor.lat, lon=bengaluru.anchor.lon, sender="+919820000101")
    mh_unit = container.dispatch.create_unit("MUM-NS-101", "nirbhaya_squad", home_station.id)
    container.dispatch.post_position(mh_unit["id"], home_station.anchor.lon + 0.001, home_station.anchor.lat)
    mh = make_incident("help", lat=home_station.anchor.lat, lon=home_station.anchor.lon, sender="+919820000102")

    feed.wait_for(lambda kind, p: kind == "IncidentReported" and p["tracking"] == mh)  # the last one: all are in
    feed.wait_for(lambda kind, p: kind == "UnitsMoved" and mh_unit["id"] in unit_ids(p))
    received = [(kind, p) for _, kind, p in feed.events]
    assert all(p.get("state") == "MH" for kind, p in received if p.get("scoped", True)), received
    assert not [p for _, p in received if p.get("tracking") == ka or ka_unit["id"] in unit_ids(p)]


def test_a_station_officers_feed_carries_only_its_stations_units(container, feeds, home_station, station_id):
    other = next(s for s in container.stations.all("mumbai") if s.id != station_id)
    feed = feeds("officer")
    theirs = container.dispatch.create_unit("MUM-PV-201", "patrol_van", other.id)
    container.dispatch.post_position(theirs["id"], other.anchor.lon, other.anchor.lat)
    ours = container.dispatch.create_unit("MUM-PV-202", "patrol_van", home_station.id)
    container.dispatch.post_position(ours["id"], home_station.anchor.lon, home_station.anchor.lat)

    feed.wait_for(lambda kind, p: kind == "UnitsMoved" and ours["id"] in unit_ids(p))
    unit_events = [p for _, kind, p in feed.events if kind.startswith("Unit")]
    assert unit_events and {p["station_id"] for p in unit_events} == {station_id}
    assert theirs["id"] not in set().union(*(unit_ids(p) for p in unit_events))


def test_an_event_published_from_a_worker_thread_reaches_the_feed_at_once(container, feeds):
    feed = feeds("dispatcher")
    event = Event("IncidentNoted", {"tracking": "TEST-2345", "station_id": None, "city": "mumbai", "state": "MH",
                                    "by": "tests", "scoped": True}, datetime.now(UTC), id=1)
    sent: list[float] = []

    def publish() -> None:
        sent.append(time.monotonic())
        container.bus.publish(event)

    worker = threading.Thread(target=publish)
    worker.start()
    worker.join()
    arrived, _, _ = feed.wait_for(lambda kind, p: p.get("tracking") == "TEST-2345", timeout=HEARTBEAT_S)
    # woken by the publish, not by the feed's next wait running out (the heartbeat): a third of that leaves a loaded
    # machine's scheduling room and still tells the two apart
    assert arrived - sent[0] < HEARTBEAT_S / 3, f"took {arrived - sent[0]:.3f} s"


def test_an_incident_in_a_city_that_shipped_nowhere_has_its_state(container, http, auth, feeds, make_incident):
    """Nagpur (Maharashtra) is none of the shipped cities: its state comes from where its stations lie."""
    square = [[79.05, 21.12], [79.11, 21.12], [79.11, 21.17], [79.05, 21.17], [79.05, 21.12]]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Sitabuldi Police Station"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}
    report = container.stations.import_geojson(json.dumps(doc), "nagpur-city", actor="tests")
    assert report.state == "MH" and container.places.state_of_city("nagpur-city") == "MH"
    add_account(container, "mh_dispatcher", Role.DISPATCHER, ScopeKind.STATE, "MH")
    add_account(container, "ka_dispatcher", Role.DISPATCHER, ScopeKind.STATE, "KA")
    feed = feeds("mh_dispatcher")
    tracking = make_incident("help me", lat=21.145, lon=79.08, sender="+919820000303")
    incident = http.get(f"/api/v1/incidents/{tracking}", headers=auth("mh_dispatcher")).json()
    assert (incident["city"], incident["state"], incident["station_name"]) == ("nagpur-city", "MH",
                                                                               "Sitabuldi Police Station")
    assert http.get(f"/api/v1/incidents/{tracking}", headers=auth("ka_dispatcher")).status_code == 404
    feed.wait_for(lambda kind, p: kind == "IncidentReported" and p["tracking"] == tracking)
