"""Web pages of the registry (registry roles; the station list also for that station's officers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from suraksha.core.errors import SurakshaError
from suraksha.http.deps import CurrentPrincipal, check_csrf, get_container
from suraksha.http.templates import render as render_page
from suraksha.registry.rules import Purpose, check_purpose
from suraksha.registry.service import actor_of, check_registry_role, upload_scope

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
    """The results list (htmx swaps it in as the officer types)."""
    check_registry_role(principal)
    found, error = [], None
    if len(name.strip()) >= 2:
        try:
            stated = check_purpose(purpose, purpose_text)
            found = get_container(request).registry.search(principal, stated, name.strip(),
                                                           father_name=father_name, state=state)
        except SurakshaError as err:
            error = err.message
    return render(request, "_registry_results.html", results=found, error=error, typed=bool(name.strip()))


@router.get("/registry/upload", response_class=HTMLResponse)
def upload_form(request: Request, principal: CurrentPrincipal):
    upload_scope(principal)
    return render(request, "registry_upload.html", principal=principal, report=None, error=None)


@router.post("/registry/upload", response_class=HTMLResponse)
async def upload(request: Request, principal: CurrentPrincipal, file: Annotated[UploadFile, File()],
                 csrf: Annotated[str, Form()] = "", state: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    allowed = upload_scope(principal)
    report, error = None, None
    try:
        report = get_container(request).registry.import_csv(await file.read(), actor_of(principal),
                                                            state or None, allowed)
    except SurakshaError as err:
        error = err.message
    return render(request, "registry_upload.html", principal=principal, report=report, error=error)


@router.get("/registry/station/{station_id}", response_class=HTMLResponse)
def station_page(request: Request, principal: CurrentPrincipal, station_id: int, years: int | None = None):
    listing = get_container(request).registry.station_offenders(principal, station_id, years)
    return render(request, "registry_station.html", principal=principal, listing=listing)
