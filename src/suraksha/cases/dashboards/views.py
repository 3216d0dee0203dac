"""The case dashboard's pages: `/cases/dashboard` (filters, figures, charts drawn as SVG on the server: no script),
`/cases/dashboard.csv` (the same figures as CSV) and `/cases/dashboard/report.pdf?month=YYYY-MM` (a month's report).
For the accounts that see cases, in their area; a state nodal officer is an account of state scope, the national
women-safety division one of national scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from suraksha.cases.dashboards.model import OFFENCE_CLASSES
from suraksha.cases.dashboards.service import Filters
from suraksha.core.auth import ROLES_THAT_SEE_CASES, Locus, Principal
from suraksha.core.errors import InvalidInput
from suraksha.core.i18n import N_, translations
from suraksha.http import language
from suraksha.http.deps import get_container, page_principal
from suraksha.http.templates import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Query(max_length=64)]
OFFENCE_WORDS = {"rape": N_("rape"), "pocso": N_("POCSO"), "other_sexual": N_("other sexual offences"),
                 "other": N_("other offences")}
LEVEL_WORDS = {"national": N_("National"), "state": N_("State"), "district": N_("District"), "station": N_("Station")}
CHART_W, CHART_H = 640, 200


def _reader(request: Request, path: str) -> Principal | RedirectResponse:
    return page_principal(request, path, ROLES_THAT_SEE_CASES, "case dashboard")


def _filters(from_month: str, to_month: str, state: str, city: str, station_id: str, offence_class: str) -> Filters:
    station = None
    if station_id.strip():
        try:
            station = int(station_id)
        except ValueError:
            raise InvalidInput("the station is a whole number", code="unknown_station") from None
    return Filters(from_month.strip() or None, to_month.strip() or None, state.strip() or None, city.strip() or None,
                   station, offence_class.strip() or None)


def _choices(request: Request, who: Principal) -> dict[str, Any]:
    """The areas the filters offer: those within the viewer's scope."""
    stations = sorted((s for s in get_container(request).stations.all() if who.covers(Locus(s.id, s.city, s.state))),
                      key=lambda s: (s.state or "", s.city, s.name))
    return {"stations": stations, "cities": sorted({s.city for s in stations}),
            "states": sorted({s.state for s in stations if s.state})}


@router.get("/cases/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, from_month: Text = "", to_month: Text = "", state: Text = "", city: Text = "",
                   station_id: Text = "", offence_class: Text = ""):
    who = _reader(request, "/cases/dashboard")
    if isinstance(who, RedirectResponse):
        return who
    dashboards = get_container(request).cases.dashboards
    form = {"from_month": from_month, "to_month": to_month, "state": state, "city": city, "station_id": station_id,
            "offence_class": offence_class}
    error, status = None, 200
    try:
        d = dashboards.dashboard(who, _filters(from_month, to_month, state, city, station_id, offence_class))
    except InvalidInput as err:
        error, status = err, err.status
        d = dashboards.dashboard(who, Filters())
    query = "&".join(f"{k}={v}" for k, v in form.items() if v)
    return render(request, "case_dashboard.html", status, principal=who, d=d, form=form, error=error,
                  offence_words=OFFENCE_WORDS, offences=OFFENCE_CLASSES, level_words=LEVEL_WORDS, query=query,
                  chart=_chart(d["months"]),
                  ages=_bars([(b["bucket"], b["count"]) for b in d["totals"]["open_by_age"]]),
                  reasons=_bars([(b["reason"], b["count"]) for b in d["breaches_by_reason"]]), **_choices(request, who))


@router.get("/cases/dashboard.csv")
def dashboard_csv(request: Request, from_month: Text = "", to_month: Text = "", state: Text = "", city: Text = "",
                  station_id: Text = "", offence_class: Text = ""):
    who = _reader(request, "/cases/dashboard")
    if isinstance(who, RedirectResponse):
        return who
    lang, _asked = language.choose(request)
    body = get_container(request).cases.dashboards.csv(
        who, _filters(from_month, to_month, state, city, station_id, offence_class), translations(lang, "web").gettext)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="case-dashboard.csv"'})


@router.get("/cases/dashboard/report.pdf")
def dashboard_report(request: Request, month: Text = "", state: Text = "", city: Text = "", station_id: Text = "",
                     offence_class: Text = ""):
    who = _reader(request, "/cases/dashboard")
    if isinstance(who, RedirectResponse):
        return who
    lang, _asked = language.choose(request)
    words = translations(lang, "web").gettext
    d = get_container(request).cases.dashboards.month_report(
        who, month, _filters("", "", state, city, station_id, offence_class))
    area = d["filters"]["station_id"] and str(d["filters"]["station_id"]) or d["filters"]["city"] or \
        d["filters"]["state"] or words(LEVEL_WORDS[d["level"]])
    from suraksha.cases.dashboards import report  # fpdf takes most of a second to import: not at every start

    pdf = report.render(d, str(area), lang, words)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="case-dashboard-{d["period"]["from"]}.pdf"'})


# charts, drawn on the server -------------------------------------------------------------------------------
def _chart(months: list[dict]) -> dict:
    """Bars of FIRs put on record per month, and a line of the share completed within the deadline (0-100%)."""
    n = max(len(months), 1)
    step = CHART_W / n
    top = max((m["registered"] for m in months), default=0) or 1
    bars, points = [], []
    for i, m in enumerate(months):
        h = (CHART_H - 20) * m["registered"] / top
        bars.append({"x": round(i * step + step * 0.15, 1), "y": round(CHART_H - h, 1), "w": round(step * 0.7, 1),
                     "h": round(h, 1), "month": m["month"], "value": m["registered"]})
        if m["share_within"] is not None:
            points.append(f"{round(i * step + step / 2, 1)},{round(CHART_H - (CHART_H - 20) * m['share_within'], 1)}")
    return {"w": CHART_W, "h": CHART_H, "bars": bars, "line": " ".join(points), "top": top}


def _bars(pairs: list[tuple[str, int]]) -> list[dict]:
    top = max((v for _, v in pairs), default=0) or 1
    return [{"key": k, "value": v, "width": round(100 * v / top, 1)} for k, v in pairs]
