"""Web pages for housing societies: the station's list with a map and the form to register one, and each
society's page (edit, deactivate or reactivate, add or remove coordinators). Every form posts and the page is
shown again (no script needed); `web/static/societies.js` draws the map and puts the pin where the officer
clicks. Coordinators' numbers are shown masked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from suraksha.core.auth import ROLES_THAT_REGISTER_SOCIETIES, Locus, Principal, ScopeKind
from suraksha.core.errors import InvalidInput, SurakshaError
from suraksha.http.deps import get_container, page_principal
from suraksha.http.templates import render, see_other
from suraksha.societies.model import SocietyDetails

router = APIRouter(include_in_schema=False)
SocietyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CoordinatorId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=500)]
Short = Annotated[str, Form(max_length=120)]
PAGE = "page for housing societies"
STATIONS = 2000  # a city or state account chooses the station from at most this many


def _registrar(request: Request, path: str, csrf: str | None = None) -> Principal | RedirectResponse:
    return page_principal(request, path, ROLES_THAT_REGISTER_SOCIETIES, PAGE, csrf)


def _details(name: str, address: str, lat: str, lon: str) -> SocietyDetails:
    try:
        return SocietyDetails(name, address, float(lat), float(lon))
    except ValueError:
        raise InvalidInput("put the society's pin on the map", code="invalid_position") from None


@router.get("/societies", response_class=HTMLResponse)
def societies_page(request: Request):
    who = _registrar(request, "/societies")
    if isinstance(who, RedirectResponse):
        return who
    return _list(request, who)


def _list(request: Request, who: Principal, status: int = 200, error: SurakshaError | None = None,
          form: dict | None = None) -> HTMLResponse:
    c = get_container(request)
    found = c.societies.in_area(who)
    stations = [] if who.scope_kind is ScopeKind.STATION else sorted(
        (s for s in c.stations.all() if who.covers(Locus(s.id, s.city, s.state))), key=lambda s: s.name)[:STATIONS]
    return render(request, "societies.html", status, principal=who, societies=found, stations=stations,
                  error=error, form=form or {}, city=c.stations.home_city(who))


@router.post("/societies", response_class=HTMLResponse)
def register(request: Request, csrf: Text = "", name: Short = "", address: Text = "", lat: Short = "",
             lon: Short = "", station_id: Short = ""):
    who = _registrar(request, "/societies", csrf)
    if isinstance(who, RedirectResponse):
        return who
    form = {"name": name, "address": address, "lat": lat, "lon": lon, "station_id": station_id}
    try:
        station = int(station_id) if station_id.strip().isdigit() else None
        done = get_container(request).societies.register(who, _details(name, address, lat, lon), station)
    except SurakshaError as err:
        if err.status not in (403, 409, 422):
            raise
        return _list(request, who, err.status, err, form)
    return see_other(request, f"/societies/{done['id']}", "registered")


@router.get("/societies/{society_id}", response_class=HTMLResponse)
def society_page(request: Request, society_id: SocietyId):
    who = _registrar(request, f"/societies/{society_id}")
    if isinstance(who, RedirectResponse):
        return who
    return _detail(request, who, society_id)


def _detail(request: Request, who: Principal, society_id: int, status: int = 200,
            error: SurakshaError | None = None, form: dict | None = None, failed: str = "") -> HTMLResponse:
    found = get_container(request).societies.get(who, society_id)
    return render(request, "society_detail.html", status, principal=who, s=found, city=found["city"],
                  error=error, form=form or {}, failed=failed)


def _act(request: Request, society_id: int, csrf: str, action, done: str, form: dict, failed: str):
    who = _registrar(request, f"/societies/{society_id}", csrf)
    if isinstance(who, RedirectResponse):
        return who
    try:
        action(who)
    except SurakshaError as err:
        if err.status not in (409, 422):
            raise
        return _detail(request, who, society_id, err.status, err, form, failed)
    return see_other(request, f"/societies/{society_id}", done)


@router.post("/societies/{society_id}", response_class=HTMLResponse)
def edit(request: Request, society_id: SocietyId, csrf: Text = "", name: Short = "", address: Text = "",
         lat: Short = "", lon: Short = ""):
    service = get_container(request).societies
    return _act(request, society_id, csrf,
                lambda who: service.edit(who, society_id, _details(name, address, lat, lon)), "edited",
                {"name": name, "address": address, "lat": lat, "lon": lon}, "edit")


@router.post("/societies/{society_id}/active", response_class=HTMLResponse)
def set_active(request: Request, society_id: SocietyId, csrf: Text = "", active: Short = ""):
    on = active == "1"
    service = get_container(request).societies
    return _act(request, society_id, csrf, lambda who: service.set_active(who, society_id, on),
                "reactivated" if on else "deactivated", {}, "active")


@router.post("/societies/{society_id}/coordinators", response_class=HTMLResponse)
def add_coordinator(request: Request, society_id: SocietyId, csrf: Text = "", name: Short = "",
                    phone: Short = ""):
    service = get_container(request).societies
    # what was typed comes back on a refusal, except the number (it is never echoed into a page)
    return _act(request, society_id, csrf, lambda who: service.add_coordinator(who, society_id, name, phone),
                "added", {"coordinator_name": name}, "coordinator")


@router.post("/societies/{society_id}/coordinators/{coordinator_id}/remove", response_class=HTMLResponse)
def remove_coordinator(request: Request, society_id: SocietyId, coordinator_id: CoordinatorId, csrf: Text = ""):
    service = get_container(request).societies
    return _act(request, society_id, csrf,
                lambda who: service.remove_coordinator(who, society_id, coordinator_id), "removed", {}, "remove")
