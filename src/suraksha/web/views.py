"""Web pages: sign-in, the dispatcher console, the public station directory and the public status page."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from suraksha.accounts.model import ROLES_THAT_DISPATCH, Principal, ScopeKind
from suraksha.core.errors import NotFound, SurakshaError
from suraksha.web.deps import check_csrf, get_container, optional_principal

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    c = get_container(request)
    context |= {"csrf": csrf_token(request), "tile_url": c.settings.tile_url}
    return templates.TemplateResponse(request, name, context, status_code=status)


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a signed-in officer to another site."""
    parsed = urlparse(target or "")
    return target if target and target.startswith("/") and not parsed.netloc and not target.startswith("//") else "/console"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: MaybePrincipal):
    return render(request, "home.html", principal=principal)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/console"):
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/console"):
    check_csrf(request, csrf)
    try:
        principal = get_container(request).accounts.authenticate(username, password)
    except SurakshaError as err:
        return render(request, "login.html", status=401, next=_safe_next(next), error=err.message)
    request.session.clear()  # a new session on sign-in: no fixation
    request.session.update(account_id=principal.account_id, csrf=secrets.token_urlsafe(32))
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/console", response_class=HTMLResponse)
def console(request: Request, principal: MaybePrincipal):
    if principal is None:
        return RedirectResponse("/login?next=/console", status_code=303)
    c = get_container(request)
    return render(request, "console.html", principal=principal, city=_home_city(c, principal),
                  can_dispatch=principal.role in ROLES_THAT_DISPATCH, cities=c.stations.cities())


def _home_city(c, principal: Principal) -> str:
    """The city whose map a console opens on: the account's city, or its station's city."""
    if principal.scope_kind is ScopeKind.CITY:
        return principal.scope_value
    if principal.scope_kind is ScopeKind.STATION:
        try:
            return c.stations.get(int(principal.scope_value)).city
        except (NotFound, ValueError):
            return ""
    return ""


@router.get("/directory", response_class=HTMLResponse)
def directory(request: Request, q: str = "", city: str = ""):
    c = get_container(request)
    found = c.stations.search(q, city or None, 50)
    context = {"q": q, "city": city, "cities": c.stations.cities(), "stations": found}
    if request.headers.get("hx-request"):
        return render(request, "_station_rows.html", **context)
    return render(request, "directory.html", **context)


@router.get("/track", response_class=HTMLResponse)
def track(request: Request, tracking: str = ""):
    """What the person who asked for help may see: status and times, nothing about anyone."""
    incident, error = None, None
    if tracking:
        try:
            incident = get_container(request).intake.load(tracking)
        except NotFound:
            error = "No report has that tracking number. Check it and try again."
    return render(request, "track.html", tracking=tracking, incident=incident, error=error)
