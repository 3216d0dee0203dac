"""The responder's screen: a mobile-first page for the van's tablet or a constable's phone, for the unit the
signed-in responder crews. The page is a shell; `web/static/responder.js` fills it from
`GET /api/v1/units/{unit_id}/assignment` and keeps it live from the event stream."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from suraksha.core.auth import Locus, Principal
from suraksha.core.errors import Conflict, InvalidInput, NotFound, SurakshaError
from suraksha.core.localtime import zone
from suraksha.dispatch.model import UnitKind
from suraksha.dispatch.service import CREWS, MANAGERS
from suraksha.http.deps import get_container, page_principal
from suraksha.http.templates import render, see_other

router = APIRouter(include_in_schema=False)
UnitId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/responder", response_class=HTMLResponse)
def responder(request: Request):
    """A responder's own unit and its assignment; a responder who crews no unit is told whom to ask."""
    principal = page_principal(request, "/responder", CREWS, "responder's screen")
    if isinstance(principal, RedirectResponse):
        return principal
    c = get_container(request)
    unit = None
    if principal.unit_id is not None:
        try:
            unit = c.dispatch.get_unit(principal.unit_id, principal=principal, crew_unit_id=principal.unit_id)
        except NotFound:  # the unit was taken off the fleet: the same as crewing none
            unit = None
    dispositions = [d.__dict__ for d in c.incidents.dispositions()] if unit else []
    return render(request, "responder.html", principal=principal, unit=unit, city=(unit or {}).get("city") or "",
                  dispositions=dispositions)


# ---------------------------------------------------------------- units, crews and shifts (admins, station officers)

FormText = Annotated[str, Form(max_length=300)]


def _manager(request: Request, path: str, csrf: str | None = None) -> Principal | RedirectResponse:
    return page_principal(request, path, MANAGERS, "page for units", csrf)


@router.get("/units", response_class=HTMLResponse)
def units_page(request: Request):
    """The units of the account's area: status (with why), on duty or not, crew; a form to register one."""
    who = _manager(request, "/units")
    if isinstance(who, RedirectResponse):
        return who
    return _units_page(request, who)


def _units_page(request: Request, who: Principal, error: SurakshaError | None = None, form: dict | None = None,
                status: int = 200) -> HTMLResponse:
    c = get_container(request)
    units = c.dispatch.list_units(principal=who)
    for u in units:
        u["on_duty"] = c.dispatch.on_duty(u["id"])
        u["crew"] = [m["username"] for m in c.accounts.crew_of(u["id"])]
        u["station_name"] = c.stations.get(u["home_station_id"]).name
    stations = sorted((s for s in c.stations.all() if who.covers(Locus(s.id, s.city, s.state))),
                      key=lambda s: (s.city, s.name))
    return render(request, "units.html", status, principal=who, units=sorted(units, key=lambda u: u["call_sign"]),
                  stations=stations, kinds=[k.value for k in UnitKind], error=error, form=form or {},
                  city=stations[0].city if stations else None)


@router.post("/units", response_class=HTMLResponse)
def register_unit(request: Request, csrf: FormText = "", call_sign: FormText = "", kind: FormText = "",
                  home_station_id: FormText = ""):
    who = _manager(request, "/units", csrf)
    if isinstance(who, RedirectResponse):
        return who
    form = {"call_sign": call_sign, "kind": kind, "home_station_id": home_station_id}
    try:
        made = get_container(request).dispatch.create_unit(call_sign, kind, _int(home_station_id), principal=who)
    except (InvalidInput, Conflict, NotFound) as err:
        return _units_page(request, who, err, form, 422 if isinstance(err, InvalidInput) else 409)
    return see_other(request, f"/units/{made['id']}", "created")


@router.get("/units/{unit_id}", response_class=HTMLResponse)
def unit_page(request: Request, unit_id: UnitId):
    who = _manager(request, f"/units/{unit_id}")
    if isinstance(who, RedirectResponse):
        return who
    return _unit_page(request, who, unit_id)


def _unit_page(request: Request, who: Principal, unit_id: int, status: int = 200,
               error: SurakshaError | None = None, form: dict | None = None, failed: str = "") -> HTMLResponse:
    c = get_container(request)
    roster = c.dispatch.roster(unit_id, principal=who)  # NotFound; Forbidden outside the area
    unit = c.dispatch.get_unit(unit_id, principal=who)
    home = c.stations.get(unit["home_station_id"])
    crew = [m["username"] for m in c.accounts.crew_of(unit_id)]
    candidates = [p.username for p in c.accounts.responders()
                  if p.covers(Locus(home.id, home.city, home.state)) and (p.unit_id in (None, unit_id))]
    return render(request, "unit.html", status, principal=who, unit=unit, station=home, roster=roster, crew=crew,
                  candidates=candidates, log=c.dispatch.unit_log(unit_id, principal=who), error=error,
                  form=form or {}, failed=failed, city=home.city)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("choose a station", code="station_required") from None


def _local_time(text: str, zone_name: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=zone(zone_name))
    except ValueError:
        raise InvalidInput("give the shift's start and end as date and time", code="invalid_shift") from None


@router.post("/units/{unit_id}/shifts", response_class=HTMLResponse)
def add_shift(request: Request, unit_id: UnitId, csrf: FormText = "", starts_at: FormText = "", ends_at: FormText = "",
              woman_officer: FormText = "", crew: FormText = ""):
    who = _manager(request, f"/units/{unit_id}", csrf)
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    form = {"starts_at": starts_at, "ends_at": ends_at, "woman_officer": woman_officer, "crew": crew}
    try:
        zone_name = c.settings.zone_for(c.dispatch.get_unit(unit_id, principal=who)["city"])
        c.dispatch.add_shift(unit_id, _local_time(starts_at, zone_name), _local_time(ends_at, zone_name),
                             woman_officer, crew, principal=who)
    except (InvalidInput, Conflict) as err:
        return _unit_page(request, who, unit_id, 422, err, form, failed="shift")
    return see_other(request, f"/units/{unit_id}", "shift_added")


@router.post("/shifts/{shift_id}/cancel", response_class=HTMLResponse)
def cancel_shift(request: Request, shift_id: UnitId, csrf: FormText = ""):
    who = _manager(request, "/units", csrf)
    if isinstance(who, RedirectResponse):
        return who
    roster = get_container(request).dispatch.cancel_shift(shift_id, principal=who)
    return see_other(request, f"/units/{roster['unit_id']}", "shift_cancelled")


@router.post("/units/{unit_id}/crew", response_class=HTMLResponse)
async def set_crew(request: Request, unit_id: UnitId):
    form = await request.form()
    who = _manager(request, f"/units/{unit_id}", str(form.get("csrf", ""))[:300])
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    usernames = [str(v)[:64] for v in form.getlist("crew")][:20]
    try:
        c.dispatch.set_crew(unit_id, usernames, c.accounts, principal=who)
    except (InvalidInput, NotFound) as err:
        return _unit_page(request, who, unit_id, 422, err, failed="crew")
    return see_other(request, f"/units/{unit_id}", "crew")


@router.post("/units/{unit_id}/status", response_class=HTMLResponse)
def unit_status(request: Request, unit_id: UnitId, csrf: FormText = "", status: FormText = "", reason: FormText = ""):
    """Out of service with a reason, or back to available (an administrator or the station's officer)."""
    who = _manager(request, f"/units/{unit_id}", csrf)
    if isinstance(who, RedirectResponse):
        return who
    if status not in ("out_of_service", "available"):
        return _unit_page(request, who, unit_id, 422, InvalidInput("choose out of service or available",
                                                                   code="invalid_status"), failed="status")
    try:
        get_container(request).dispatch.set_in_service(unit_id, status == "available", reason, principal=who)
    except (InvalidInput, Conflict) as err:
        return _unit_page(request, who, unit_id, 422 if isinstance(err, InvalidInput) else 409, err,
                          {"reason": reason}, failed="status")
    return see_other(request, f"/units/{unit_id}", "status")
