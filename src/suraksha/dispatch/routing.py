"""Travel time to an incident: the interface a recommendation asks, the straight-line estimate and a road router.

A recommendation asks a `TravelTimes` how long a van takes from each candidate unit's position to the incident;
model.timed counts a beat marshal faster and model.rank orders them. Two implementations, chosen by
`SURAKSHA_ROUTING_URL` (`build_travel_times`):

- `StraightLine` (empty setting, the default): haversine distance × `SURAKSHA_ROAD_FACTOR` ÷ the speed of the hour
  in India (model.drive_seconds). No network, always an answer.
- `OsrmTable`: an OSRM-compatible routing server (http://project-osrm.org/docs/v5.24.0/api/#table-service),
  asked once per recommendation for the whole list with its table service:

      GET {url}/table/v1/driving/{lon},{lat};…;{incident lon},{incident lat}
          ?sources=0;1;…;n-1&destinations=n&annotations=duration

  It answers HTTP 200 `{"code": "Ok", "durations": [[seconds], …], "sources": […], "destinations": […]}`, one row
  per source and one column per destination, a duration `null` where it found no route; an error is HTTP 400
  with another `code` (`InvalidQuery`, `NoSegment`, `NoTable`, `TooBig` …) and an optional `message`.
  Whatever goes wrong (no answer within `SURAKSHA_ROUTING_TIMEOUT_SECONDS`, another HTTP status, a `code` other
  than "Ok", an answer not of that shape, a null duration) gives None for the units concerned: they keep their
  straight-line estimate, their reason says so, and the log says why.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import httpx

from suraksha.core.geo import Point, haversine_m
from suraksha.dispatch.model import ROAD, STRAIGHT_LINE, drive_seconds

log = logging.getLogger(__name__)


class TravelTimes(Protocol):
    name: str  # the estimator a recommendation names: model.STRAIGHT_LINE or model.ROAD

    def drive_seconds(self, origins: Sequence[Point], to: Point, at: datetime) -> list[float | None]:
        """A van's seconds from each origin to `to`, leaving at `at`; None where this estimator has no answer."""


class StraightLine:
    """Haversine distance × road factor ÷ the speed of the hour (model.py)."""

    name = STRAIGHT_LINE

    def __init__(self, road_factor: float) -> None:
        self.road_factor = road_factor

    def drive_seconds(self, origins: Sequence[Point], to: Point, at: datetime) -> list[float | None]:
        return [drive_seconds(haversine_m(o, to), at, self.road_factor) for o in origins]


class OsrmTable:
    """An OSRM-compatible routing server's table service: every candidate's time to the incident in one request."""

    name = ROAD

    def __init__(self, base_url: str, timeout: float = 1.0, profile: str = "driving",
                 transport: httpx.BaseTransport | None = None) -> None:
        self._base = f"{base_url.rstrip('/')}/table/v1/{profile}/"
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def drive_seconds(self, origins: Sequence[Point], to: Point, at: datetime) -> list[float | None]:
        if not origins:
            return []
        unanswered: list[float | None] = [None] * len(origins)
        try:
            resp = self._client.get(self.table_url(origins, to))
        except httpx.HTTPError as exc:
            return _fall_back(unanswered, f"no answer ({type(exc).__name__})")
        body = _json(resp)
        code = body.get("code") if isinstance(body, dict) else None
        if resp.status_code != 200 or code != "Ok":
            message = str(body.get("message", ""))[:200] if isinstance(body, dict) else ""
            return _fall_back(unanswered, f"HTTP {resp.status_code}, code {code!r} {message}".rstrip())
        rows = body.get("durations")
        if not isinstance(rows, list) or len(rows) != len(origins):
            return _fall_back(unanswered, "an answer without one row of durations per unit")
        seconds = [_seconds(row) for row in rows]
        if None in seconds:
            log.warning("routing service found no route for %d of %d units: straight-line estimate for those",
                        seconds.count(None), len(seconds))
        return seconds

    def table_url(self, origins: Sequence[Point], to: Point) -> str:
        """Units first, the incident last; `;` written as it is (OSRM's own list separator)."""
        points = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in (*origins, to))
        sources = ";".join(str(i) for i in range(len(origins)))
        return f"{self._base}{points}?sources={sources}&destinations={len(origins)}&annotations=duration"


def _json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def _seconds(row: Any) -> float | None:
    """The one duration in a source's row: finite seconds, or None (null: no route)."""
    if not (isinstance(row, list) and len(row) == 1):
        return None
    value = row[0]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return float(value)


def _fall_back(unanswered: list[float | None], why: str) -> list[float | None]:
    log.warning("routing service unusable (%s): straight-line estimates instead", why)
    return unanswered


def build_travel_times(settings: Any) -> TravelTimes:
    """The road router when `SURAKSHA_ROUTING_URL` names one, else the straight line."""
    if settings.routing_url:
        return OsrmTable(settings.routing_url, timeout=settings.routing_timeout_seconds)
    return StraightLine(settings.road_factor)
