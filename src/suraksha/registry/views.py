"""Web pages of the registry (registry roles; the station list also for that station's officers).

Pages that show registry data (search results, a station's list) ask for a purpose; the service checks role,
purpose and scope and audits refusals. A missing purpose shows the form again with the refusal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from suraksha.core.errors import InvalidInput, SurakshaError
from suraksha.http.deps import CurrentPrincipal, check_csrf, get_container
from suraksha.http.templates import render as render_page
from suraksha.registry.rules import Purpose
from suraksha.registry.service import check_registry_role, upload_scope

router = APIRouter(include_in_schema=False)


def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    return render_page(request, name, status, purposes=[p.value for p in Purpose], **context)


@router.get("/registry", response_class=HTMLResponse)
def search_page(request: Request, principal: CurrentPrincipal):
    check_registry_role(principal)
    return render(request, "registry_search.html", principal=principal)


@router.get("/registry/results", response_class=HTMLResponse)
def results(request: Request, principal: CurrentPrincipal, name: str = "", father_name: str = "",
            state: str = "", purpose: str = "", purpose_text: str = ""):
    """The results list (htmx swaps it in as the officer types; a refusal is shown in it, with status 200)."""
    found, error = [], None
    if len(name.strip()) >= 2:
        try:
            found = get_container(request).registry.search(principal, purpose, name.strip(), father_name=father_name,
                                                           state=state, purpose_text=purpose_text)
        except InvalidInput as err:  # purpose_required: audited by the service; a wrong role gets its 403
            error = err  # shown in the page's language
    else:
        check_registry_role(principal)  # nothing asked yet: no data, nothing to audit
    return render(request, "_registry_results.html", results=found, error=error, typed=bool(name.strip()))


@router.get("/registry/upload", response_class=HTMLResponse)
def upload_form(request: Request, principal: CurrentPrincipal):
    upload_scope(principal)
    return render(request, "registry_upload.html", principal=principal, report=None, error=None)


@router.post("/registry/upload", response_class=HTMLResponse)
async def upload(request: Request, principal: CurrentPrincipal, file: Annotated[UploadFile, File()],
                 csrf: Annotated[str, Form()] = "", state: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    report, error = None, None
    try:  # the service checks role and state and audits a refusal
        report = get_container(request).registry.upload(principal, await file.read(), state or None)
    except SurakshaError as err:
        if err.code == "forbidden_role":
            raise
        error = err
    return render(request, "registry_upload.html", principal=principal, report=report, error=error)


@router.get("/registry/station/{station_id}", response_class=HTMLResponse)
def station_page(request: Request, principal: CurrentPrincipal, station_id: int, years: int | None = None,
                 purpose: str = "", purpose_text: str = ""):
    """The list and map; without a stated purpose, the purpose form (422, refusal audited) and no list."""
    c = get_container(request)
    try:
        listing = c.registry.station_offenders(principal, station_id, years, purpose, purpose_text)
    except InvalidInput as err:
        return render(request, "registry_station.html", 422, principal=principal, listing=None,
                      station=c.stations.get(station_id).as_public_dict(), years=years, error=err,
                      purpose=purpose, purpose_text=purpose_text)
    return render(request, "registry_station.html", principal=principal, listing=listing,
                  station=listing["station"], years=listing["years"], error=None, purpose=purpose,
                  purpose_text=purpose_text)
