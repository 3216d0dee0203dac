"""The case page's "Court" section: its forms post here (allocate, schedule a hearing, record its outcome, record
the judgment) and the case page is shown again, with the error and what was typed if something was wrong."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from suraksha.cases.views import step_on_case_page
from suraksha.core.auth import Principal
from suraksha.core.errors import InvalidInput
from suraksha.http.deps import get_container

router = APIRouter(include_in_schema=False)
FirNumber = Annotated[str, Path(max_length=32)]
HearingId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=500)]


def _day(text: str, required: bool = True) -> date | None:
    if not text.strip() and not required:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("give the dates as YYYY-MM-DD", code="invalid_date") from None


@router.post("/cases/{fir_number}/court", response_class=HTMLResponse)
def allocate(request: Request, fir_number: FirNumber, csrf: Text = "", court_code: Text = "", reason: Text = ""):
    courts = get_container(request).cases.courts
    return step_on_case_page(request, fir_number, csrf, "court", {"court_code": court_code, "reason": reason},
                             lambda who: courts.allocate(who, fir_number, court_code, reason))


@router.post("/cases/{fir_number}/hearings", response_class=HTMLResponse)
def schedule(request: Request, fir_number: FirNumber, csrf: Text = "", scheduled_for: Text = "", note: Text = ""):
    courts = get_container(request).cases.courts

    def act(who: Principal) -> dict:
        day = _day(scheduled_for)
        assert day is not None
        return courts.schedule(who, fir_number, day, note)

    return step_on_case_page(request, fir_number, csrf, "hearing", {"scheduled_for": scheduled_for, "note": note},
                             act)


@router.post("/cases/{fir_number}/hearings/{hearing_id}/outcome", response_class=HTMLResponse)
def record_outcome(request: Request, fir_number: FirNumber, hearing_id: HearingId, csrf: Text = "",
                   outcome: Text = "", reason: Text = ""):
    courts = get_container(request).cases.courts
    return step_on_case_page(request, fir_number, csrf, "outcome", {"outcome": outcome, "reason": reason},
                             lambda who: courts.record_outcome(who, fir_number, hearing_id, outcome, reason))


@router.post("/cases/{fir_number}/disposal", response_class=HTMLResponse)
async def dispose(request: Request, fir_number: FirNumber):
    posted = await request.form()
    form = {k: str(posted.get(k, ""))[:500] for k in ("csrf", "disposal", "disposed_on", "judgment_ref", "detail")}
    convicted = [str(v)[:4] for v in posted.getlist("convicted")][:20]
    courts = get_container(request).cases.courts

    def act(who: Principal) -> dict:
        try:
            chosen = [int(v) for v in convicted] if convicted else None
        except ValueError:
            raise InvalidInput("choose the convicted accused from the list", code="unknown_accused") from None
        return courts.dispose(who, fir_number, form["disposal"], _day(form["disposed_on"], required=False),
                              form["judgment_ref"], form["detail"], chosen)

    return await run_in_threadpool(step_on_case_page, request, fir_number, form["csrf"], "disposal",
                                   form | {"convicted": convicted}, act)
