"""Web pages: sign-in, the console, incident search, the public station directory and the public status page."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from suraksha.core.auth import ROLES_THAT_DISPATCH, ROLES_THAT_SEE_INCIDENTS, Locus, Principal, ScopeKind
from suraksha.core.errors import Forbidden, NotFound, SurakshaError
from suraksha.core.localtime import zone
from suraksha.http.deps import check_csrf, client_address, get_container, optional_principal
from suraksha.http.templates import landing_page, render

router = APIRouter(include_in_schema=False)
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


def _safe_next(target: str | None) -> str | None:
    """Only local paths: never redirect a signed-in officer to another site."""
    parsed = urlparse(target or "")
    return target if target and target.startswith("/") and not parsed.netloc and not target.startswith("//") else None


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: MaybePrincipal):
    return render(request, "home.html", principal=principal)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = ""):
    return render(request, "login.html", next=_safe_next(next) or "", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=1024)], csrf: Annotated[str, Form(max_length=128)] = "",
          next: Annotated[str, Form(max_length=500)] = ""):
    check_csrf(request, csrf)
    try:
        principal = get_container(request).accounts.authenticate(username, password, client_address(request))
    except SurakshaError as err:
        page = render(request, "login.html", status=err.status, next=_safe_next(next) or "", error=err.message)
        if getattr(err, "retry_after", None):
            page.headers["Retry-After"] = str(err.retry_after)
        return page
    request.session.clear()  # a new session on sign-in: no fixation
    session_id = get_container(request).accounts.start_session(principal)
    request.session.update(sid=session_id, csrf=secrets.token_urlsafe(32))
    return RedirectResponse(_safe_next(next) or landing_page(principal), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=128)] = ""):
    check_csrf(request, csrf)
    if request.session.get("sid"):
        get_container(request).accounts.end_session(str(request.session["sid"]))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


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
    city = _home_city(c, who)
    return render(request, "console.html", principal=who, city=city, can_dispatch=who.role in ROLES_THAT_DISPATCH,
                  cities=c.stations.cities(), stations=[s.as_public_dict() for s in c.stations.all()],
                  dispositions=[d.__dict__ for d in c.incidents.dispositions()])


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, principal: MaybePrincipal, tracking: str = "", station_id: str = "",
                   status: str = "closed", disposition: str = "", since: str = "", until: str = ""):
    """Search incidents in the account's scope: closed ones by default, by tracking number, station, dates."""
    who = _staff(request, principal, "/incidents")
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    city = _home_city(c, who)
    tz = zone(c.settings.zone_for(city))
    error, found = None, []
    try:
        start = datetime.fromisoformat(since).replace(tzinfo=tz) if since else None
        end = datetime.fromisoformat(until).replace(tzinfo=tz) + timedelta(days=1) if until else None
        found = c.incidents.search(who, tracking=tracking[:20], station_id=int(station_id) if station_id else None,
                                   status=status or None, disposition=disposition or None, since=start, until=end)
    except ValueError:
        error = "Check the dates (YYYY-MM-DD) and the station."
    stations = sorted((s for s in c.stations.all() if who.covers(Locus(s.id, s.city, s.state))),
                      key=lambda s: (s.city, s.name))
    return render(request, "incidents.html", principal=who, city=city, results=found, error=error,
                  form={"tracking": tracking, "station_id": station_id, "status": status,
                        "disposition": disposition, "since": since, "until": until},
                  stations=stations, dispositions=c.incidents.dispositions())


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
def directory(request: Request, principal: MaybePrincipal, q: str = "", city: str = ""):
    c = get_container(request)
    found = c.stations.search(q[:100], city[:64] or None, 50)
    context = {"q": q, "city": city, "cities": c.stations.cities(), "stations": found, "principal": principal}
    if request.headers.get("hx-request"):
        return render(request, "_station_rows.html", **context)
    return render(request, "directory.html", **context)


@router.get("/track", response_class=HTMLResponse)
def track(request: Request, principal: MaybePrincipal, tracking: str = ""):
    """What the person who asked for help may see: status, times and the outcome, nothing about anyone."""
    report, error = None, None
    if tracking:
        report = get_container(request).incidents.public_status(tracking[:20])
        if report is None:
            error = "No report has that tracking number. Check it and try again."
    return render(request, "track.html", principal=principal, tracking=tracking, report=report, error=error)
