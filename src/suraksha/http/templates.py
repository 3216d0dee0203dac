"""One template environment for every page: the templates folders of all capabilities, CSRF, local time, the
navigation each role may use."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from suraksha.core.auth import (
    ROLES_THAT_MANAGE_INCIDENTS,
    ROLES_THAT_SEE_INCIDENTS,
    ROLES_THAT_USE_REGISTRY,
    Principal,
    Role,
)
from suraksha.core.localtime import date_time, to_local

PACKAGE = Path(__file__).resolve().parent.parent
# web/templates first: it holds base.html, which every page extends.
FOLDERS = [PACKAGE / "web" / "templates", *sorted(p for p in PACKAGE.glob("*/templates") if p.parent.name != "web")]


def _local(value: datetime | str | None, zone: str = "Asia/Kolkata", fmt: str = "full") -> str:
    """A time in the city's zone: 'full' -> '22 Nov 2026, 10:00 IST', 'time' -> '10:00'."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return date_time(value, zone) if fmt == "full" else to_local(value, zone).strftime("%H:%M")


environment = Environment(loader=FileSystemLoader([str(f) for f in FOLDERS]), autoescape=select_autoescape(("html",)))
environment.filters["local"] = _local
templates = Jinja2Templates(env=environment)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def landing_page(principal: Principal) -> str:
    """Where each role lands after sign-in: the page of its own work."""
    if principal.role in ROLES_THAT_USE_REGISTRY:
        return "/registry"
    return "/console"


def navigation(principal: Principal | None) -> list[tuple[str, str]]:
    """(href, label) of the pages this principal may use; the public ones for everybody."""
    items = [("/directory", "Station helplines"), ("/track", "Track a report")]
    if principal is None:
        return items
    if principal.role in ROLES_THAT_SEE_INCIDENTS:
        items.append(("/console", "Console"))
        items.append(("/incidents", "Incidents"))
    if principal.role in ROLES_THAT_USE_REGISTRY:
        items.append(("/registry", "Registry"))
        if principal.role is not Role.REGISTRY_SUPERVISOR:
            items.append(("/registry/upload", "Upload"))
    return items


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    c = request.app.state.container
    principal = context.get("principal")
    context |= {"csrf": csrf_token(request), "tile_url": c.settings.tile_url, "nav": navigation(principal),
                "zone": c.settings.zone_for(context.get("city")),
                "can_manage": bool(principal and principal.role in ROLES_THAT_MANAGE_INCIDENTS)}
    return templates.TemplateResponse(request, name, context, status_code=status)
