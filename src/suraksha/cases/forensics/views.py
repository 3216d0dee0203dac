"""Forensics on the pages: `/cases/forensics` (the overdue samples of the officer's area, with the days overdue, and
each lab's turnaround) and the case page's forms (a request, then sent, received by the lab, the result). Forms post
and the case page is shown again, with what was typed if something was wrong: no script is needed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from suraksha.cases.forensics.model import Step
from suraksha.cases.views import step_on_case_page
from suraksha.core.auth import ROLES_THAT_SEE_CASES, Principal
from suraksha.core.errors import InvalidInput
from suraksha.http.deps import get_container, page_principal
from suraksha.http.templates import render

router = APIRouter(include_in_schema=False)
FirNumber = Annotated[str, Path(max_length=32)]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=500)]
LongText = Annotated[str, Form(max_length=2000)]


@router.get("/cases/forensics", response_class=HTMLResponse)
def forensics_page(request: Request):
    """The samples of the officer's area whose result is overdue (the longest first) and each lab's turnaround."""
    who = page_principal(request, "/cases/forensics", ROLES_THAT_SEE_CASES, "page for cases")
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    return render(request, "forensics.html", principal=who, overdue=c.cases.forensics.listing(who, overdue=True),
                  labs=c.cases.forensics.turnaround(who), city=c.stations.home_city(who))


def _day(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("give the dates as YYYY-MM-DD", code="invalid_date") from None


@router.post("/cases/{fir_number}/forensics", response_class=HTMLResponse)
def request_forensics(request: Request, fir_number: FirNumber, csrf: Text = "", lab_code: Text = "",
                      sample_kind: Text = "", description: Text = ""):
    forensics = get_container(request).cases.forensics
    form = {"lab_code": lab_code, "sample_kind": sample_kind, "description": description}
    return step_on_case_page(request, fir_number, csrf, "forensic_request", form,
                             lambda who: forensics.request(who, fir_number, lab_code, sample_kind, description))


def _record(request: Request, number: str, request_id: int, step: Step, csrf: str, on: str, result: str = "",
            conclusive: str = ""):
    forensics = get_container(request).cases.forensics
    form = {"request_id": str(request_id), "on": on, "result": result, "conclusive": conclusive}

    def act(who: Principal) -> dict:
        sure = {"yes": True, "no": False}.get(conclusive)
        return forensics.record_step(who, number, request_id, step, _day(on), result, sure)

    return step_on_case_page(request, number, csrf, f"forensic_{step.value}", form, act)


@router.post("/cases/{fir_number}/forensics/{request_id}/sent", response_class=HTMLResponse)
def sent(request: Request, fir_number: FirNumber, request_id: RequestId, csrf: Text = "", on: Text = ""):
    return _record(request, fir_number, request_id, Step.SENT, csrf, on)


@router.post("/cases/{fir_number}/forensics/{request_id}/received", response_class=HTMLResponse)
def received(request: Request, fir_number: FirNumber, request_id: RequestId, csrf: Text = "", on: Text = ""):
    return _record(request, fir_number, request_id, Step.RECEIVED, csrf, on)


@router.post("/cases/{fir_number}/forensics/{request_id}/result", response_class=HTMLResponse)
def result(request: Request, fir_number: FirNumber, request_id: RequestId, csrf: Text = "", on: Text = "",
           result: LongText = "", conclusive: Text = ""):
    return _record(request, fir_number, request_id, Step.RESULT, csrf, on, result, conclusive)
