"""Road travel time: the OSRM table adapter against OSRM's documented answers, and recommendations ranked by it.

The routing server is an `httpx.MockTransport` that answers as OSRM's HTTP API documents the table service
(docs/http.md in Project-OSRM/osrm-backend): HTTP 200 with `code` "Ok" and a `durations` matrix in seconds, one row
per source, `null` where no route was found; HTTP 400 with another `code` and a `message` on an error.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import unquote

import httpx
import pytest

from suraksha.core.geo import Point, haversine_m
from suraksha.dispatch import model
from suraksha.dispatch.routing import OsrmTable, StraightLine, build_travel_times
from suraksha.settings import Settings

NOW = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)  # 10:00 in Mumbai: peak traffic, 15 km/h
ROUTER = "http://osrm.test:5000"
COLABA = Point(72.8147, 18.9067)
UNITS = [Point(72.8170, 18.9100), Point(72.8300, 18.9300), Point(72.8000, 18.9200)]


def waypoint(p: Point, name: str = "") -> dict:
    return {"hint": "KSoKADRYroqUBAEAEAAAABkAAAAGAAAAAAAAABhnCQCLtwAA", "distance": 4.15, "name": name,
            "location": [p.lon, p.lat]}


def table_answer(origins: list[Point], to: Point, seconds: list[float | None]) -> dict:
    """OSRM's documented table answer for n sources and one destination."""
    return {"code": "Ok", "durations": [[s] for s in seconds],
            "sources": [waypoint(o) for o in origins], "destinations": [waypoint(to, "Shahid Bhagat Singh Marg")]}


class Router:
    """A routing server behind a MockTransport: answers with `reply(request)` and keeps every request."""

    def __init__(self, reply) -> None:
        self.reply, self.requests = reply, []

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return self.reply(request)
        return httpx.MockTransport(handle)

    def table(self, timeout: float = 1.0) -> OsrmTable:
        return OsrmTable(ROUTER, timeout=timeout, transport=self.transport())


def coordinates(request: httpx.Request) -> list[Point]:
    """The points of a table request's path, in order."""
    text = unquote(request.url.path).removeprefix("/table/v1/driving/")
    return [Point(*map(float, pair.split(","))) for pair in text.split(";")]


# ------------------------------------------------------------ the adapter on its own


def test_one_table_request_gives_each_units_road_time_and_a_null_as_none():
    router = Router(lambda req: httpx.Response(200, json=table_answer(UNITS, COLABA, [192.6, None, 382.8])))
    assert router.table().drive_seconds(UNITS, COLABA, NOW) == [192.6, None, 382.8]
    [request] = router.requests
    assert request.method == "GET" and request.url.host == "osrm.test" and request.url.port == 5000
    assert coordinates(request) == [*UNITS, COLABA]  # units first, the incident last
    query = unquote(request.url.query.decode())
    assert query == "sources=0;1;2&destinations=3&annotations=duration"


def test_a_router_under_a_path_keeps_its_path():
    router = Router(lambda req: httpx.Response(200, json=table_answer(UNITS[:1], COLABA, [60.0])))
    table = OsrmTable(ROUTER + "/osrm/", transport=router.transport())
    assert table.drive_seconds(UNITS[:1], COLABA, NOW) == [60.0]
    assert router.requests[0].url.path.startswith("/osrm/table/v1/driving/72.817000,18.910000;")


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


FAILURES = {
    "NoRoute": lambda req: httpx.Response(400, json={"code": "NoRoute", "message": "Impossible route between points"}),
    "InvalidQuery": lambda req: httpx.Response(
        400, json={"code": "InvalidQuery", "message": "Query string malformed close to position 28"}),
    "NoTable with HTTP 200": lambda req: httpx.Response(
        200, json={**table_answer(UNITS, COLABA, [1.0, 2.0, 3.0]), "code": "NoTable", "message": "No table found"}),
    "HTTP 503 with an Ok body": lambda req: httpx.Response(503, json=table_answer(UNITS, COLABA, [1.0, 2.0, 3.0])),
    "HTTP 500": lambda req: httpx.Response(500, text="Internal Server Error"),
    "timeout": _timeout,
    "Ok without durations": lambda req: httpx.Response(200, json={"code": "Ok", "sources": [], "destinations": []}),
    "Ok with a row short": lambda req: httpx.Response(200, json=table_answer(UNITS[:2], COLABA, [10.0, 20.0])),
    "not JSON": lambda req: httpx.Response(200, text="<html>gateway</html>"),
}


@pytest.mark.parametrize("reply", FAILURES.values(), ids=FAILURES.keys())
def test_whatever_goes_wrong_every_unit_is_left_to_the_straight_line_and_the_log_says_so(reply, caplog):
    router = Router(reply)
    with caplog.at_level(logging.WARNING, logger="suraksha.dispatch.routing"):
        assert router.table().drive_seconds(UNITS, COLABA, NOW) == [None, None, None]
    assert len(router.requests) == 1
    assert "straight-line estimates instead" in caplog.text


def test_an_unreachable_router_is_a_fallback_not_an_error():
    table = OsrmTable("http://127.0.0.1:9", timeout=0.5)  # the discard port: nothing listens
    assert table.drive_seconds(UNITS[:1], COLABA, NOW) == [None]


def test_impossible_durations_are_not_believed():
    router = Router(lambda req: httpx.Response(200, json={
        "code": "Ok", "durations": [[-5], ["300"], [True]], "sources": [], "destinations": []}))
    assert router.table().drive_seconds(UNITS, COLABA, NOW) == [None, None, None]


def test_the_straight_line_is_the_models_estimate_for_a_van():
    d = haversine_m(UNITS[1], COLABA)
    seconds = StraightLine(1.4).drive_seconds([UNITS[1], COLABA], COLABA, NOW)
    assert seconds == [pytest.approx(model.travel_seconds(d, model.UnitKind.PATROL_VAN, NOW, 1.4)), 0.0]
    assert seconds[0] == pytest.approx(d * 1.4 / (15 / 3.6))  # peak traffic at 10:00 in Mumbai


def test_the_setting_chooses_the_estimator():
    assert isinstance(build_travel_times(Settings(routing_url="")), StraightLine)
    road = build_travel_times(Settings(routing_url="http://osrm.internal:5000", routing_timeout_seconds=0.8))
    assert isinstance(road, OsrmTable) and road.name == "road"
    assert road.table_url([COLABA], COLABA).startswith("http://osrm.internal:5000/table/v1/driving/")


def test_a_beat_marshal_is_counted_faster_by_road_too():
    marshal = model.Candidate(1, "MUM-BM-1", model.UnitKind.BEAT_MARSHAL, 7, model.UnitStatus.AVAILABLE, 900.0,
                              999.0, False, 30.0)
    van = model.Candidate(2, "MUM-PV-1", model.UnitKind.PATROL_VAN, 7, model.UnitStatus.AVAILABLE, 800.0,
                          888.0, False, 30.0)
    timed = model.timed([marshal, van], [240.0, None], model.ROAD)
    assert [(c.eta_seconds, c.estimator) for c in timed] == [(200.0, "road"), (888.0, "straight_line")]


# ------------------------------------------------------------ recommendations through the service and the API


def north_of(p, metres: float) -> tuple[float, float]:
    return p.lon, p.lat + metres / 110_574.0


@pytest.fixture
def road(container):
    """Swap the service's estimator for an OSRM adapter on a MockTransport; put the straight line back after."""
    saved = container.dispatch.travel

    def use(reply) -> Router:
        router = Router(reply)
        container.dispatch.travel = router.table()
        return router

    yield use
    container.dispatch.travel = saved


def by_position(seconds: dict[tuple[float, float], float | None]):
    """An OSRM table answer with each unit's time looked up by its position (the pool's order is the index's)."""
    def reply(request: httpx.Request) -> httpx.Response:
        *origins, to = coordinates(request)
        times = [seconds[round(o.lon, 5), round(o.lat, 5)] for o in origins]
        return httpx.Response(200, json=table_answer(origins, to, times))
    return reply


def recommend(http, auth, tracking: str, limit: int = 5) -> list[dict]:
    r = http.get(f"/api/v1/incidents/{tracking}/recommendations?limit={limit}", headers=auth("dispatcher"))
    assert r.status_code == 200, r.text
    return r.json()["recommendations"]


def _units_across_the_creek(container, home_station):
    """NEAR is 500 m away in a straight line but across water (15 min by road); FAR is 2 km up the road (5 min)."""
    anchor = home_station.anchor
    near_at, far_at = north_of(anchor, 500), north_of(anchor, 2000)
    near = container.dispatch.create_unit("MUM-NS-1", "nirbhaya_squad", home_station.id, *near_at)["id"]
    far = container.dispatch.create_unit("MUM-PV-2", "patrol_van", home_station.id, *far_at)["id"]
    times = {(round(near_at[0], 5), round(near_at[1], 5)): 900.0, (round(far_at[0], 5), round(far_at[1], 5)): 300.0}
    return near, far, times


def test_road_times_reorder_the_straight_line_ranking_and_each_names_its_estimator(
        http, auth, container, home_station, make_incident, road):
    anchor = home_station.anchor
    tracking = make_incident(lat=anchor.lat, lon=anchor.lon)
    near, far, times = _units_across_the_creek(container, home_station)

    straight = recommend(http, auth, tracking)
    assert [r["unit_id"] for r in straight] == [near, far]
    assert {r["estimator"] for r in straight} == {"straight_line"}
    assert "straight-line estimate" in straight[0]["reason"] and "routing service" not in straight[0]["reason"]

    router = road(by_position(times))
    by_road = recommend(http, auth, tracking)
    assert len(router.requests) == 1  # one table request for the whole list
    assert [r["unit_id"] for r in by_road] == [far, near]
    assert [(r["estimator"], r["eta_seconds"]) for r in by_road] == [("road", 300), ("road", 900)]
    assert by_road[0]["reason"].startswith("2.0 km away in a straight line, about 5 min by road")
    assert by_road[1]["distance_m"] == pytest.approx(500, rel=0.01)  # the distance stays the straight line's
    assert by_road[0]["location_known"] is True


def test_a_unit_without_a_road_route_keeps_its_straight_line_time_and_says_so(
        http, auth, container, home_station, make_incident, road):
    anchor = home_station.anchor
    tracking = make_incident(lat=anchor.lat, lon=anchor.lon)
    near, far, times = _units_across_the_creek(container, home_station)
    times[next(k for k, v in times.items() if v == 900.0)] = None  # OSRM: null, no route from NEAR
    road(by_position(times))
    recs = {r["unit_id"]: r for r in recommend(http, auth, tracking)}
    assert (recs[far]["estimator"], recs[far]["eta_seconds"]) == ("road", 300)
    assert recs[near]["estimator"] == "straight_line"
    assert recs[near]["eta_seconds"] == pytest.approx(model.travel_seconds(recs[near]["distance_m"],
        model.UnitKind.NIRBHAYA_SQUAD, NOW, 1.4), abs=1)
    assert "the routing service gave no road time for this unit" in recs[near]["reason"]


@pytest.mark.parametrize("failure", ["HTTP 500", "timeout", "InvalidQuery"])
def test_when_the_router_fails_the_list_is_the_straight_line_one_and_says_so(
        http, auth, container, home_station, make_incident, road, failure):
    anchor = home_station.anchor
    tracking = make_incident(lat=anchor.lat, lon=anchor.lon)
    near, far, _times = _units_across_the_creek(container, home_station)
    road(FAILURES[failure])
    recs = recommend(http, auth, tracking)
    assert [r["unit_id"] for r in recs] == [near, far]
    assert all(r["estimator"] == "straight_line" and "gave no road time" in r["reason"] for r in recs)


def test_the_router_is_asked_only_about_the_nearest_few(container, home_station, make_incident, road):
    anchor = home_station.anchor
    tracking = make_incident(lat=anchor.lat, lon=anchor.lon)
    positions = [north_of(anchor, 300 * (i + 1)) for i in range(8)]
    for i, (lon, lat) in enumerate(positions):
        container.dispatch.create_unit(f"MUM-PV-{i + 1}", "patrol_van", home_station.id, lon, lat)
    router = road(by_position({(round(lon, 5), round(lat, 5)): 60.0 * (8 - i) for i, (lon, lat) in
                               enumerate(positions)}))
    [best] = container.dispatch.recommend(tracking, limit=1)
    *asked, _incident = coordinates(router.requests[0])
    assert len(asked) == model.PRESELECT  # three times the one asked for, the nearest by straight line
    assert sorted((round(p.lon, 5), round(p.lat, 5)) for p in asked) == sorted(
        (round(lon, 5), round(lat, 5)) for lon, lat in positions[:3])
    assert (best["call_sign"], best["eta_seconds"], best["estimator"]) == ("MUM-PV-3", 360, "road")


def test_an_incident_without_her_location_gives_no_distances_and_says_why(
        http, auth, container, home_station, make_incident, road):
    tracking = make_incident("Please help, I am scared", sender="+919820099999")
    anchor = home_station.anchor
    # by time from the anchor the marshal's motorcycle would come first; by distance the van is nearer
    van = container.dispatch.create_unit("MUM-PV-5", "patrol_van", home_station.id, *north_of(anchor, 1000))["id"]
    marshal = container.dispatch.create_unit("MUM-BM-6", "beat_marshal", home_station.id,
                                             *north_of(anchor, 1100))["id"]
    router = road(by_position({}))
    recs = recommend(http, auth, tracking)
    assert router.requests == []  # no road time to a place she is not known to be
    assert [r["unit_id"] for r in recs] == [van, marshal]
    for r in recs:
        assert (r["distance_m"], r["eta_seconds"], r["location_known"]) == (None, None, False)
        assert "location unknown" in r["reason"] and "anchor point, only as a guide" in r["reason"]
        assert "km away" not in r["reason"]


def test_the_answers_shape_is_documented(http):
    spec = http.get("/openapi.json").json()
    props = spec["components"]["schemas"]["RecommendedUnit"]["properties"]
    assert props["estimator"]["enum"] == ["road", "straight_line"]
    for field in ("distance_m", "eta_seconds", "estimator", "location_known"):
        assert props[field].get("description"), field
    assert {"type": "null"} in props["distance_m"]["anyOf"] and {"type": "null"} in props["eta_seconds"]["anyOf"]
