"""The case dashboards: station, district, state and national views of the investigations in the principal's area
(the one scope rule), a breakdown of the area ranked by the share completed within the deadline with the best
performer's figures beside each, the figures as CSV, and a month's report as PDF. Counts and days only.

The figures come from the roll-up and each case's facts (`store`), kept by `refresh` in the transaction of every
change to a case (`CaseService` calls it), so a national view reads a few thousand rows however many cases there are.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from suraksha.cases.dashboards import model, store
from suraksha.cases.dashboards.model import (
    AGE_BUCKETS,
    DELAYS,
    DISPOSALS,
    NO_REASON,
    OFFENCE_CLASSES,
    Area,
    DashboardProblem,
)
from suraksha.core.auth import ROLES_THAT_SEE_CASES, Principal, ScopeKind
from suraksha.core.clock import Clock
from suraksha.core.errors import Forbidden, InvalidInput, NotFound
from suraksha.core.localtime import to_local
from suraksha.stations.service import StationService

LEVELS = {"national": "state", "state": "city", "district": "station_id", "station": "station_id"}


@dataclass(frozen=True)
class Filters:
    """What the viewer chose: the period (cohort months, YYYY-MM), an area within their scope, an offence class."""

    from_month: str | None = None
    to_month: str | None = None
    state: str | None = None
    city: str | None = None
    station_id: int | None = None
    offence_class: str | None = None


class CaseDashboards:
    def __init__(self, engine: Engine, clock: Clock, zone_for: Callable[[str | None], str],
                 stations: StationService) -> None:
        self._engine, self._clock, self._zone_for, self._stations = engine, clock, zone_for, stations

    # keeping the figures (in the caller's transaction) -------------------------------------------------------
    def refresh(self, conn: Connection, case_id: int) -> None:
        """The case changed (or something of it: a delay, a sample, a hearing): move its figures."""
        store.save(conn, store.load_facts(conn, case_id, self._zone_for), store.stored_facts(conn, case_id))

    def rebuild(self) -> int:
        with self._engine.begin() as conn:
            return store.rebuild(conn, self._zone_for)

    # reading ---------------------------------------------------------------------------------------------------
    def dashboard(self, principal: Principal, filters: Filters) -> dict:
        """The figures of the principal's area (narrowed by the filters) over the period."""
        if principal.role not in ROLES_THAT_SEE_CASES:
            raise Forbidden(f"the {principal.role.value} role may not see cases", code="forbidden_role")
        now = self._clock.now()
        today = to_local(now, self._zone_for(self._stations.home_city(principal) or None)).date()
        try:
            first, last = model.period(model.parse_month(filters.from_month, "the first month"),
                                       model.parse_month(filters.to_month, "the last month"), today)
        except DashboardProblem as err:
            raise InvalidInput(str(err), code=err.code) from None
        if filters.offence_class is not None and filters.offence_class not in OFFENCE_CLASSES:
            raise InvalidInput("the offence class is rape, pocso, other_sexual or other", code="invalid_offence_class")
        area, level = self._area(principal, filters)
        group = LEVELS[level]
        offence = filters.offence_class
        with self._engine.connect() as conn:
            rolled = store.rollup_by(conn, principal, area, offence, first, last, group)
            opened = store.open_now(conn, principal, area, offence, today, group, first, last)
            days = store.report_days(conn, principal, area, offence, first, last, group)
            overdue = store.overdue_samples(conn, principal, area, offence, today, group, first, last)
            by_month = store.rollup_by(conn, principal, area, offence, first, last, "month")
        areas = self._areas(group, rolled, opened, days, overdue)
        whole = _figures(_sum(r for r in rolled), _sum(opened), _histogram(days), sum(overdue.values()))
        ranked = model.rank(areas)
        best = model.best_practice(ranked)
        return {
            "generated_at": now.isoformat(), "today": today.isoformat(), "level": level,
            "breakdown_by": {"state": "state", "city": "district", "station_id": "station"}[group],
            "period": {"from": first.strftime("%Y-%m"), "to": last.strftime("%Y-%m")},
            "filters": {"state": area.get("state"), "city": area.get("city"), "station_id": area.get("station_id"),
                        "offence_class": offence},
            "totals": whole,
            "breaches_by_reason": [{"reason": d, "count": whole["breach_reasons"][d]} for d in (*DELAYS, NO_REASON)],
            "months": self._months(by_month, first, last),
            "areas": [{"key": str(a.key), "name": a.name, "rank": i + 1} | _brief(a.figures)
                      for i, a in enumerate(ranked)],
            "best_practice": ({"key": str(best.key), "name": best.name} | _best(best.figures)) if best else None,
        }

    def _area(self, principal: Principal, f: Filters) -> tuple[dict[str, Any], str]:
        """The area chosen (within the scope: the scope rule applies anyway) and the view's level."""
        area: dict[str, Any] = {}
        if f.station_id is not None:
            try:
                station = self._stations.get(f.station_id)
            except NotFound:
                raise InvalidInput(f"no station {f.station_id}", code="unknown_station") from None
            area["station_id"] = station.id
            return area, "station"
        if f.city:
            area["city"] = " ".join(f.city.split()).lower()[:64]
            return area, "district"
        if f.state:
            area["state"] = f.state.strip().upper()[:2]
            return area, "state"
        kind = principal.scope_kind
        return area, {ScopeKind.NATIONAL: "national", ScopeKind.STATE: "state", ScopeKind.CITY: "district",
                      ScopeKind.STATION: "station"}[kind]

    def _areas(self, group: str, rolled: list[dict], opened: list[dict], days: list[dict],
               overdue: dict[Any, int]) -> list[Area]:
        rolls = {r["key"]: r for r in rolled}
        opens = {r["key"]: r for r in opened}
        hist: dict[Any, dict[int, int]] = defaultdict(dict)
        for r in days:
            hist[r["key"]][int(r["report_days"])] = int(r["n"])
        keys = set(rolls) | set(opens)
        return [Area(key, self._name(group, key),
                     _figures(_sum([rolls[key]] if key in rolls else []), _sum([opens[key]] if key in opens else []),
                              hist.get(key, {}), overdue.get(key, 0)))
                for key in keys if key is not None]

    def _name(self, group: str, key: Any) -> str:
        if group == "station_id":
            try:
                return self._stations.get(int(key)).name
            except NotFound:
                return f"#{key}"
        return str(key).upper() if group == "state" else str(key).replace("_", " ").title()

    @staticmethod
    def _months(rows: list[dict], first: date, last: date) -> list[dict]:
        by = {r["key"]: r for r in rows}
        out = []
        for m in model.months_between(first, last):
            r = _sum([by[m]] if m in by else [])
            decided = r["within_deadline"] + r["late_reports"]
            out.append({"month": m.strftime("%Y-%m"), "registered": r["registered"],
                        "charge_sheets": r["charge_sheets"], "closures": r["closures"],
                        "within_deadline": r["within_deadline"], "late_reports": r["late_reports"],
                        "share_within": model.share(r["within_deadline"], decided)})
        return out

    # exports -----------------------------------------------------------------------------------------------
    def csv(self, principal: Principal, filters: Filters, words: Callable[[str], str]) -> str:
        """The figures as CSV: the totals, each month, each area of the breakdown. Counts and days only."""
        d = self.dashboard(principal, filters)
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow([words("Suraksha case dashboard"), d["level"], d["period"]["from"], d["period"]["to"],
                    d["filters"]["offence_class"] or words("all offences")])
        w.writerow([])
        w.writerow(["section", "key", *FIGURE_COLUMNS])
        w.writerow(["total", "", *(_cell(d["totals"].get(c)) for c in FIGURE_COLUMNS)])
        for a in d["areas"]:
            w.writerow([d["breakdown_by"], a["name"], *(_cell(a.get(c)) for c in FIGURE_COLUMNS)])
        w.writerow([])
        w.writerow(["month", "registered", "charge_sheets", "closures", "within_deadline", "late_reports",
                    "share_within"])
        for m in d["months"]:
            w.writerow([m["month"], m["registered"], m["charge_sheets"], m["closures"], m["within_deadline"],
                        m["late_reports"], _cell(m["share_within"])])
        w.writerow([])
        w.writerow(["breach_reason", "count"])
        for b in d["breaches_by_reason"]:
            w.writerow([b["reason"], b["count"]])
        w.writerow([])
        w.writerow(["open_age", "count"])
        for b in d["totals"]["open_by_age"]:
            w.writerow([b["bucket"], b["count"]])
        return out.getvalue()

    def month_report(self, principal: Principal, month: str, filters: Filters) -> dict:
        """One month's figures (its cases, with the trend of the twelve months up to it) for the PDF report."""
        try:
            chosen = model.parse_month(month, "the month")
        except DashboardProblem as err:
            raise InvalidInput(str(err), code=err.code) from None
        if chosen is None:
            raise InvalidInput("give the month as YYYY-MM", code="invalid_month")
        trend = self.dashboard(principal, Filters(model.add_months(chosen, -11).strftime("%Y-%m"), month,
                                                  filters.state, filters.city, filters.station_id,
                                                  filters.offence_class))
        one = self.dashboard(principal, Filters(month, month, filters.state, filters.city, filters.station_id,
                                                filters.offence_class))
        return one | {"months": trend["months"], "trend_areas": trend["areas"],
                      "trend_best_practice": trend["best_practice"], "trend_totals": trend["totals"]}


FIGURE_COLUMNS = ("registered", "open", "decided", "within_deadline", "share_within", "breaches", "late_reports",
                  "over_deadline", "median_days_to_charge_sheet", "forensic_mean_days", "forensic_overdue_cases",
                  "court_pending", "disposal_rate", "conviction_rate")


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _sum(rows) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for r in rows:
        for k, v in r.items():
            if k != "key" and v is not None:
                out[k] += int(v)
    return out


def _histogram(rows: list[dict]) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for r in rows:
        out[int(r["report_days"])] += int(r["n"])
    return out


def _figures(r: dict[str, int], opened: dict[str, int], days: dict[int, int], overdue: int) -> dict:
    """An area's figures from its summed roll-up, its open cases now, its charge-sheets' days, its overdue samples."""
    over = opened.get("over_deadline", 0)
    decided = r.get("within_deadline", 0) + r.get("late_reports", 0) + over
    disposed = sum(r.get(f"disposed_{d}", 0) for d in DISPOSALS)
    reasons = {d: r.get(f"late_{d}", 0) + opened.get(f"late_{d}", 0) for d in (*DELAYS, NO_REASON)}
    return {
        "registered": r.get("registered", 0), "with_deadline": r.get("with_deadline", 0),
        "open": opened.get("open", 0), "over_deadline": over, "decided": decided,
        "within_deadline": r.get("within_deadline", 0), "late_reports": r.get("late_reports", 0),
        "breaches": r.get("late_reports", 0) + over, "share_within": model.share(r.get("within_deadline", 0), decided),
        "charge_sheets": r.get("charge_sheets", 0), "closures": r.get("closures", 0),
        "median_days_to_charge_sheet": model.median_of(days),
        "mean_days_to_report": model.mean(r.get("report_days_sum", 0), r.get("reports_with_days", 0)),
        "open_by_age": [{"bucket": b, "count": opened.get(f"age_{b}", 0)} for b, _, _ in AGE_BUCKETS],
        "breach_reasons": reasons,
        "forensic_requests": r.get("forensic_requests", 0), "forensic_results": r.get("forensic_results", 0),
        "forensic_mean_days": model.mean(r.get("forensic_days_sum", 0), r.get("forensic_results", 0)),
        "forensic_on_time_share": model.share(r.get("forensic_on_time", 0), r.get("forensic_results", 0)),
        "forensic_overdue_cases": overdue,
        "court_cases": r.get("court_cases", 0), "court_pending": r.get("court_pending", 0),
        "disposed": disposed, **{f"disposed_{d}": r.get(f"disposed_{d}", 0) for d in DISPOSALS},
        "disposal_rate": model.share(disposed, r.get("court_cases", 0)),
        "conviction_rate": model.share(r.get("disposed_conviction", 0), disposed),
        "hearings": r.get("hearings", 0), "adjournments": r.get("adjournments", 0),
    }


def _brief(f: dict) -> dict:
    """An area's row in the breakdown."""
    return {k: f[k] for k in ("registered", "open", "over_deadline", "decided", "within_deadline", "late_reports",
                              "breaches", "share_within", "median_days_to_charge_sheet", "forensic_mean_days",
                              "forensic_overdue_cases", "court_cases", "court_pending", "disposal_rate",
                              "conviction_rate")}


def _best(f: dict) -> dict:
    return {k: f[k] for k in ("share_within", "decided", "median_days_to_charge_sheet", "forensic_mean_days",
                              "forensic_on_time_share")}

