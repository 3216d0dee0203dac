"""The supervisor's wallboard page: a shell that `web/static/wallboard.js` fills from `GET /api/v1/wallboard` and
keeps live from the event stream (a wall screen at 1920x1080, or a desk at 1366x768)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from suraksha.analytics.service import WATCHERS
from suraksha.http.deps import get_container, page_principal
from suraksha.http.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/wallboard", response_class=HTMLResponse)
def wallboard(request: Request):
    principal = page_principal(request, "/wallboard", WATCHERS, "wallboard")
    if isinstance(principal, RedirectResponse):
        return principal
    city = get_container(request).analytics.home_city(principal)
    return render(request, "wallboard.html", principal=principal, city=city)
