"""The case page's forms for what she is told: an accused's arrest, and an update told to her in person. Each posts
and returns to the case (or shows it again with the error), like the case's other steps (`cases.views`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from suraksha.cases.views import FirNumber, Text, _step
from suraksha.core.errors import InvalidInput
from suraksha.core.localtime import zone
from suraksha.http.deps import get_container

router = APIRouter(include_in_schema=False)
UpdateId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/cases/{fir_number}/arrest", response_class=HTMLResponse)
def arrest(request: Request, fir_number: FirNumber, csrf: Text = "", position: Text = "", arrested_at: Text = "",
           place: Text = ""):
    """Which accused (the form's `position`); the arrest's date and time in the city's local time, as typed."""
    c = get_container(request)
    form = {"position": position, "arrested_at": arrested_at, "place": place}

    def act(who) -> dict:
        if not position.isdigit() or not 0 <= int(position) <= 19:
            raise InvalidInput("choose the accused who was arrested", code="accused_not_found")
        with c.engine.connect() as conn:
            city = c.cases.access_case(conn, who, fir_number).city
        try:
            when = datetime.fromisoformat(arrested_at).replace(tzinfo=zone(c.settings.zone_for(city)))
        except ValueError:
            raise InvalidInput("give the date and time of the arrest", code="invalid_date_time") from None
        number = c.cases.updates.arrests.record_arrest(who, fir_number, int(position), when, place)
        return c.cases.view(who, number)

    return _step(request, fir_number, csrf, "arrest", form, act)


@router.post("/cases/{fir_number}/updates/{update_id}/told", response_class=HTMLResponse)
def told(request: Request, fir_number: FirNumber, update_id: UpdateId, csrf: Text = "", note: Text = ""):
    cases = get_container(request).cases

    def act(who) -> dict:
        return {"fir_number": cases.updates.record_told(who, fir_number, update_id, note)}

    return _step(request, fir_number, csrf, "told", {"update_id": str(update_id), "note": note}, act)
