"""Web pages: the console, incident search, the public station directory and the public status page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from suraksha.core.auth import (
    ROLES_THAT_DISPATCH,
    ROLES_THAT_KEEP_HANDSETS,
    ROLES_THAT_MANAGE_INCIDENTS,
    ROLES_THAT_SEE_INCIDENTS,
    Locus,
    Principal,
)
from suraksha.core.errors import Forbidden
from suraksha.core.i18n import N_
from suraksha.core.localtime import zone
from suraksha.http import language
from suraksha.http.deps import get_container, optional_principal
from suraksha.http.templates import render
from suraksha.incidents.triage import CATEGORIES
from suraksha.intake.model import parse_location
from suraksha.places import localities

router = APIRouter(include_in_schema=False)
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: MaybePrincipal):
    return render(request, "home.html", principal=principal)


def _staff(request: Request, principal: Principal | None, path: str) -> Principal | RedirectResponse:
    if principal is None:
        return RedirectResponse(f"/login?next={path}", status_code=303)
    if principal.role not in ROLES_THAT_SEE_INCIDENTS:
        raise Forbidden(f"the {principal.role.value} role has no console", code="forbidden_role")
    return principal


@router.get("/console", response_class=HTMLResponse)
def console(request: Request, principal: MaybePrincipal):
    who = _staff(request, principal, "/console")
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    city = c.stations.home_city(who)
    return render(request, "console.html", principal=who, city=city, can_dispatch=who.role in ROLES_THAT_DISPATCH,
                  can_keep_phones=who.role in ROLES_THAT_KEEP_HANDSETS,
                  cities=c.stations.cities(), stations=[s.as_public_dict() for s in c.stations.all()],
                  dispositions=[d.__dict__ for d in c.incidents.dispositions()])


@router.get("/calltaker", response_class=HTMLResponse)
def calltaker(request: Request, principal: MaybePrincipal):
    """The 112 call-taker's screen: log a voice call and send it to dispatch, keyboard first."""
    if principal is None:
        return RedirectResponse("/login?next=/calltaker", status_code=303)
    if principal.role not in ROLES_THAT_MANAGE_INCIDENTS:
        raise Forbidden(f"the {principal.role.value} role takes no calls", code="forbidden_role")
    c = get_container(request)
    return render(request, "calltaker.html", principal=principal, city=c.stations.home_city(principal),
                  cities=c.stations.cities(), categories=list(CATEGORIES))


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, principal: MaybePrincipal, tracking: str = "", station_id: str = "",
                   status: str = "closed", disposition: str = "", since: str = "", until: str = ""):
    """Search incidents in the account's scope: closed ones by default, by tracking number, station, dates."""
    who = _staff(request, principal, "/incidents")
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    city = c.stations.home_city(who)
    tz = zone(c.settings.zone_for(city))
    error, found = None, []
    try:
        start = datetime.fromisoformat(since).replace(tzinfo=tz) if since else None
        end = datetime.fromisoformat(until).replace(tzinfo=tz) + timedelta(days=1) if until else None
        found = c.incidents.search(who, tracking=tracking[:20], station_id=int(station_id) if station_id else None,
                                   status=status or None, disposition=disposition or None, since=start, until=end)
    except ValueError:
        error = N_("Check the dates (YYYY-MM-DD) and the station.")
    stations = sorted((s for s in c.stations.all() if who.covers(Locus(s.id, s.city, s.state))),
                      key=lambda s: (s.city, s.name))
    return render(request, "incidents.html", principal=who, city=city, results=found, error=error,
                  form={"tracking": tracking, "station_id": station_id, "status": status,
                        "disposition": disposition, "since": since, "until": until},
                  stations=stations, dispositions=c.incidents.dispositions())


@router.get("/directory", response_class=HTMLResponse)
def directory(request: Request, principal: MaybePrincipal, q: str = "", city: str = ""):
    """Every station of a city with its numbers; a search by station name (Latin or Devanagari) or by place (a
    locality, a PIN code, coordinates or a maps link), which then names the station that covers it."""
    c = get_container(request)
    cities = c.stations.cities()
    city = city[:64] if city[:64] in cities else (c.settings.default_city if c.settings.default_city in cities
                                                   else (cities[0] if cities else ""))
    everyone = sorted(c.stations.all(city), key=lambda s: s.name)
    typed = " ".join(q.split())[:100]
    found = c.stations.search(typed, city, len(everyone)) if typed else everyone
    places = _places_called(c, typed, city) if typed else []
    context = {"q": typed, "city": city, "cities": cities, "stations": found, "places": places,
               "total": len(everyone), "principal": principal}
    if request.query_params.get("part") == "results":  # directory.js asks for the results alone as she types
        return render(request, "_station_rows.html", **context)
    return render(request, "directory.html", **context)


def _places_called(c, typed: str, city: str) -> list[dict]:
    """Places the typed text may name, each with the station that covers it."""
    here = parse_location(typed)
    points = [(typed, "", here.lat, here.lon)] if here else [
        (p.name, p.pincode, p.lat, p.lon) for p in localities.find(typed, city)]
    out = []
    for name, pincode, lat, lon in points:
        covering = c.stations.resolve(lon, lat)
        if covering.station is not None:
            out.append({"name": name, "pincode": pincode, "station": covering.station})
    return out


@router.get("/track", response_class=HTMLResponse)
def track(request: Request, principal: MaybePrincipal, tracking: str = ""):
    """What the person who asked for help may see: status, times and the outcome, nothing about anyone."""
    report, error = None, None
    if tracking:
        report = get_container(request).incidents.public_status(tracking[:20])
        if report is None:
            error = N_("No report has that tracking number. Check it and try again.")
    return render(request, "track.html", principal=principal, tracking=tracking, report=report, error=error)


@router.post("/track", response_class=HTMLResponse)
def track_case(request: Request, principal: MaybePrincipal, fir_number: Annotated[str, Form(max_length=40)] = "",
               code: Annotated[str, Form(max_length=40)] = ""):
    """Her case's stage, by the FIR number and the case code in her FIR message (posted, so the code stays out of
    addresses and logs). A wrong pair answers as an unknown FIR does. Nothing about her or the accused."""
    c = get_container(request)
    found = c.cases.updates.public_status(fir_number, code) if fir_number.strip() and code.strip() else None
    case_error = None if found else N_("No case has that FIR number and case code. Check both and try again.")
    if found:
        lang, _ = language.choose(request)
        found["station_name"] = c.stations.get(found["station_id"]).name_in(lang)
    return render(request, "track.html", principal=principal, tracking="", report=None,
                  error=None, case_status=found, case_error=case_error, fir_number=fir_number[:40])
