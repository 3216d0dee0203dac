"""`suraksha simulate`: the same day of a city replayed for each fleet size, each on its own scratch copy.

The arrivals (when, where, what she writes, how the people around each incident behave) are drawn once from the
seed, so every fleet size meets the same day and the figures differ only by the fleet."""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from suraksha.core.errors import InvalidInput
from suraksha.demo.setup import random_point_in
from suraksha.demo.simulator import MESSAGES
from suraksha.settings import Settings
from suraksha.simulation import model
from suraksha.simulation.city import Hotspots, ScratchCity, build_template, read_city, scratch_container
from suraksha.simulation.replay import Arrival, Replay

DAY = date(2026, 11, 23)  # a Monday: the replayed day starts at its local midnight
MAX_FLEET = 5000
DEMAND_SAMPLE = 5000  # points drawn to estimate each station's share of incidents, for placing the units


def check_fleets(fleet: int | None, sweep: str | None) -> list[int]:
    """The fleet sizes to run: --fleet, and the comma-separated --sweep, smallest first."""
    sizes = set() if fleet is None else {fleet}
    for part in (sweep or "").split(","):
        if part.strip():
            try:
                sizes.add(int(part))
            except ValueError:
                raise InvalidInput(f"--sweep takes fleet sizes such as 50,100,200, not {part.strip()!r}",
                                   code="invalid_sweep") from None
    if not sizes:
        raise InvalidInput("give a fleet size (--fleet N) or several (--sweep N1,N2,…)", code="fleet_required")
    if min(sizes) < 1 or max(sizes) > MAX_FLEET:
        raise InvalidInput(f"a fleet is 1 to {MAX_FLEET} units", code="invalid_fleet")
    return sorted(sizes)


def simulate(settings: Settings, city: str, fleets: list[int], hours: float, seed: int, rate: float | None = None,
             on_progress: Callable[[int, float], None] | None = None) -> dict:
    """Replay `hours` of `city` for each fleet size; the figures of each, and the smallest fleet that reached 90%
    within 10 minutes. Reads the configured database, writes only scratch files (deleted at the end)."""
    if not 0.25 <= hours <= 168:
        raise InvalidInput("--hours is 0.25 to 168", code="invalid_hours")
    if rate is not None and not 0 < rate <= 100_000:
        raise InvalidInput("--rate is incidents a day: more than 0, at most 100000", code="invalid_rate")
    source = read_city(settings, city)
    zone = settings.zone_for(source.key)
    local_start = datetime.combine(DAY, clock_time(0), ZoneInfo(zone))
    start = local_start.astimezone(UTC)
    figures: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="suraksha-simulate-", dir=_scratch_root()) as tmp:
        folder = Path(tmp)
        template = build_template(source, folder, settings, model.SimulatedClock(start))
        per_day = model.daily_rate(len(template.station_ids), rate)
        arrivals = plan_arrivals(template, per_day, hours, seed)
        demand = station_demand(template, seed)
        study: dict[str, Any] = {
            "city": source.key, "state": source.state, "stations": len(template.station_ids), "hours": hours,
            "seed": seed, "rate_per_day": round(per_day, 1), "rate_given": rate is not None,
            "start": local_start.isoformat(), "time_zone": zone, "arrivals": len(arrivals)}
        for n in fleets:
            replay = Replay(template.dispatcher, arrivals, place_units(template, demand, n, seed), start, hours,
                            city=source.key, on_progress=_for_fleet(on_progress, n))
            figures.append(_run(settings, template, folder / f"fleet-{n}.db", replay))
    study["fleets"] = figures
    study["smallest_fleet_for_90_within_10_minutes"] = model.smallest_fleet(figures)
    return study


def _run(settings: Settings, template: ScratchCity, path: Path, replay: Replay) -> dict:
    """One fleet size on its own copy of the scratch city: the product built on it, the day replayed."""
    clock = model.SimulatedClock(replay.start)
    c = scratch_container(settings, template.copy_to(path), clock)
    began = time.perf_counter()
    try:
        figures = replay.run(c, clock)
    finally:
        c.engine.dispose()
        path.unlink()
    return {**figures, "wall_seconds": round(time.perf_counter() - began, 1)}


def _for_fleet(on_progress: Callable[[int, float], None] | None, n: int) -> Callable[[float], None] | None:
    if on_progress is None:
        return None
    return lambda fraction: on_progress(n, fraction)


def plan_arrivals(city: ScratchCity, per_day: float, hours: float, seed: int) -> list[Arrival]:
    """The day's messages, drawn from the seed: the same for every fleet size."""
    rng = random.Random(f"{seed}:arrivals")
    hotspots = Hotspots.of(city)
    out = []
    for k, offset in enumerate(model.arrival_offsets(rng, per_day, hours)):
        lon, lat = hotspots.draw(rng)
        station_id = hotspots.station_at(lon, lat)
        women, general = city.numbers[station_id or city.station_ids[0]]
        to = women if rng.random() < model.WOMEN_HELPLINE_SHARE else general
        text = f"{rng.choice(MESSAGES)} geo:{lat:.6f},{lon:.6f}"
        habits = model.Habits.draw(random.Random(f"{seed}:habits:{k}"))
        out.append(Arrival(offset, lon, lat, f"+9198{k:08d}", to, text, habits))
    return out


def station_demand(city: ScratchCity, seed: int) -> dict[int, float]:
    """Each station's expected share of the incidents (points drawn by the same hotspot rule)."""
    rng = random.Random(f"{seed}:demand")
    hotspots = Hotspots.of(city)
    counts = dict.fromkeys(city.station_ids, 0.0)
    for _ in range(DEMAND_SAMPLE):
        station_id = hotspots.station_at(*hotspots.draw(rng))
        if station_id in counts:
            counts[station_id] += 1
    return counts


def place_units(city: ScratchCity, demand: dict[int, float], n: int, seed: int) -> list[tuple[int, float, float]]:
    """n vans over the stations in proportion to their expected incidents, dealt round-robin (a van for each station
    that gets one, then a second for those that get two …), each posted at a point inside its station's area."""
    ids = list(city.station_ids)
    counts = dict(zip(ids, model.allocate([demand[i] for i in ids], n)))
    rng = random.Random(f"{seed}:posts:{n}")
    bases = []
    for round_ in range(max(counts.values(), default=0)):
        for sid in ids:
            if counts[sid] > round_:
                p = random_point_in(city.shapes[sid], rng)
                bases.append((sid, round(p.x, 6), round(p.y, 6)))
    return bases


def _scratch_root() -> str | None:
    """Memory-backed storage when the machine has it (the scratch files are thrown away), else the temp folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
