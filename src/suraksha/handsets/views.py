"""Web pages for the phones that carry helpline numbers: the list for an area, and a station's page where its
officers record, correct and retire phones (a form posts, then the page is shown again: no script needed)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from suraksha.core.auth import ROLES_THAT_KEEP_HANDSETS, Locus, Principal, ScopeKind
from suraksha.core.errors import InvalidInput, SurakshaError
from suraksha.handsets.model import HandsetFacts
from suraksha.http.deps import get_container, page_principal
from suraksha.http.templates import render, see_other

router = APIRouter(include_in_schema=False)
StationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
HandsetId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=500)]
FACT_FIELDS = ("model", "sim_number", "given_on", "free_until", "donor", "note")


def _keeper(request: Request, path: str, csrf: str | None = None) -> Principal | RedirectResponse:
    return page_principal(request, path, ROLES_THAT_KEEP_HANDSETS, "page for helpline phones", csrf)


@router.get("/phones", response_class=HTMLResponse)
def phones(request: Request, ending: str = ""):
    """Every phone in the account's area, the soonest-ending free period first; a station officer's own station."""
    who = _keeper(request, "/phones")
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    within = 30 if ending == "soon" else None
    found = c.handsets.overview(who, within)
    stations = sorted((s for s in c.stations.all() if who.covers(Locus(s.id, s.city, s.state))
                       and (s.women_helpline or s.general_number)), key=lambda s: (s.city, s.name))
    own = stations[0] if who.scope_kind is ScopeKind.STATION and len(stations) == 1 else None
    return render(request, "phones.html", principal=who, handsets=found, stations=stations, own=own,
                  ending=ending == "soon", city=stations[0].city if stations else None)


@router.get("/stations/{station_id}/phones", response_class=HTMLResponse)
def station_phones(request: Request, station_id: StationId):
    who = _keeper(request, f"/stations/{station_id}/phones")
    if isinstance(who, RedirectResponse):
        return who
    return _station_page(request, who, station_id)


def _station_page(request: Request, who: Principal, station_id: int, status: int = 200,
                  error: SurakshaError | None = None, form: dict | None = None, failed: str = "") -> HTMLResponse:
    found = get_container(request).handsets.station_phones(who, station_id)
    station = found["station"]
    return render(request, "station_phones.html", status, principal=who, station=station, numbers=found["numbers"],
                  today=found["today"], city=station.city, error=error, form=form or {}, failed=failed)


def _facts(values: dict[str, str]) -> HandsetFacts:
    try:
        given = date.fromisoformat(values["given_on"])
        until = date.fromisoformat(values["free_until"]) if values["free_until"] else None
    except ValueError:
        raise InvalidInput("give the dates as YYYY-MM-DD", code="invalid_date") from None
    return HandsetFacts(values["model"], values["sim_number"], given, until, values["donor"], values["note"])


def _back(request: Request, station_id: int, done: str) -> RedirectResponse:
    return see_other(request, f"/stations/{station_id}/phones", done)


@router.post("/stations/{station_id}/phones", response_class=HTMLResponse)
def add_phone(request: Request, station_id: StationId, csrf: Text = "", number: Text = "", model: Text = "",
              sim_number: Text = "", given_on: Text = "", free_until: Text = "", donor: Text = "", note: Text = ""):
    who = _keeper(request, f"/stations/{station_id}/phones", csrf)
    if isinstance(who, RedirectResponse):
        return who
    form = {"number": number, "model": model, "sim_number": sim_number, "given_on": given_on,
            "free_until": free_until, "donor": donor, "note": note}
    try:
        get_container(request).handsets.add(who, station_id, number, _facts(form))
    except InvalidInput as err:
        return _station_page(request, who, station_id, 422, err, form, failed="add")
    return _back(request, station_id, "added")


@router.post("/phones/{handset_id}", response_class=HTMLResponse)
def edit_phone(request: Request, handset_id: HandsetId, csrf: Text = "", model: Text = "", sim_number: Text = "",
               given_on: Text = "", free_until: Text = "", donor: Text = "", note: Text = ""):
    who = _keeper(request, "/phones", csrf)
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    station_id = _station_of(c, who, handset_id)
    form = {"model": model, "sim_number": sim_number, "given_on": given_on, "free_until": free_until,
            "donor": donor, "note": note}
    try:
        c.handsets.edit(who, handset_id, _facts(form))
    except InvalidInput as err:
        return _station_page(request, who, station_id, 422, err, form, failed=f"edit-{handset_id}")
    return _back(request, station_id, "edited")


@router.post("/phones/{handset_id}/retire", response_class=HTMLResponse)
def retire_phone(request: Request, handset_id: HandsetId, csrf: Text = "", reason: Text = "", on: Text = ""):
    who = _keeper(request, "/phones", csrf)
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    station_id = _station_of(c, who, handset_id)
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        return _station_page(request, who, station_id, 422, InvalidInput("give the dates as YYYY-MM-DD",
                                                                         code="invalid_date"),
                             {"reason": reason, "on": on}, failed=f"retire-{handset_id}")
    try:
        c.handsets.retire(who, handset_id, reason, day)
    except InvalidInput as err:
        return _station_page(request, who, station_id, 422, err, {"reason": reason, "on": on},
                             failed=f"retire-{handset_id}")
    return _back(request, station_id, "retired")


def _station_of(c, who: Principal, handset_id: int) -> int:
    """The station whose page a handset's forms return to: the one that holds its number now."""
    handset = c.handsets.get(who, handset_id)  # NotFound, or Forbidden outside the account's area
    held = c.stations.by_number(handset["number"])
    if held is None:
        raise InvalidInput("no station holds that phone's number now", code="number_not_held")
    return held[0].id
