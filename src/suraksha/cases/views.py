"""The investigating officer's pages: `/cases` (the overdue and due-soon list, the clock's alerts that came to her),
`/cases/{fir_number}` (the case, its clock and timeline, and its steps) and `/cases/new` (register an FIR). Forms
post and the page is shown again, with what was typed if something was wrong: no script is needed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from suraksha.cases.model import Accused, CaseKind, DelayCategory, Fir, Victim
from suraksha.core.auth import ROLES_THAT_INVESTIGATE, ROLES_THAT_SEE_CASES, Locus, Principal, Role
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound, SurakshaError
from suraksha.core.i18n import N_
from suraksha.core.localtime import to_local, zone
from suraksha.http.deps import get_container, page_principal
from suraksha.http.templates import render, see_other

router = APIRouter(include_in_schema=False)
FirNumber = Annotated[str, Path(max_length=32)]
Text = Annotated[str, Form(max_length=500)]
ACCUSED_SLOTS = 3  # the form offers three accused; the API takes up to twenty
SHOW: dict[str, dict[str, Any]] = {"open": {"status": "open"}, "due": {"status": "open", "due_within_days": 15},
        "mine": {"status": "open", "mine": True}, "stopped": {"status": "stopped"}, "lapsed": {"status": "lapsed"},
        "all": {"status": "all"}}
DELAY_WORDS = {
    DelayCategory.FORENSIC_REPORT_AWAITED.value: N_("forensic report awaited"),
    DelayCategory.MEDICAL_REPORT_AWAITED.value: N_("medical report awaited"),
    DelayCategory.ACCUSED_ABSCONDING.value: N_("accused absconding"),
    DelayCategory.VICTIM_STATEMENT_PENDING.value: N_("her statement pending"),
    DelayCategory.WITNESS_UNAVAILABLE.value: N_("witness unavailable"),
    DelayCategory.OTHER.value: N_("other"),
}
FORM_ERRORS = (InvalidInput, NotFound, Conflict)
COURT_WORDS = {  # the court side's words (cases.courts), for the case page's "Court" section
    "kind": {"fast_track": N_("fast-track special court"), "pocso": N_("exclusive POCSO court")},
    "outcome": {"held": N_("held"), "adjourned": N_("adjourned"), "evidence_recorded": N_("evidence recorded"),
                "arguments_heard": N_("arguments heard"), "judgment_reserved": N_("judgment reserved"),
                "judgment_delivered": N_("judgment delivered"), "cancelled": N_("cancelled")},
    "disposal": {"conviction": N_("conviction"), "acquittal": N_("acquittal"),
                 "other": N_("other (discharged, compounded, abated …)")},
    "recordable": ("held", "adjourned", "evidence_recorded", "arguments_heard", "judgment_reserved"),
}


def _reader(request: Request, path: str, csrf: str | None = None) -> Principal | RedirectResponse:
    return page_principal(request, path, ROLES_THAT_SEE_CASES, "page for cases", csrf)


def _investigator(request: Request, path: str, csrf: str | None = None) -> Principal | RedirectResponse:
    return page_principal(request, path, ROLES_THAT_INVESTIGATE, "page for investigations", csrf)


def _stations_of(c, who: Principal) -> list:
    return sorted((s for s in c.stations.all() if who.covers(Locus(s.id, s.city, s.state))),
                  key=lambda s: (s.city, s.name))


# the list --------------------------------------------------------------------------------------------------
@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, show: str = "open"):
    """The signed-in officer's cases, the soonest deadline first (overdue first); the clock's alerts that came to
    her. A station officer sees her station's cases, an administrator her area's."""
    who = _reader(request, "/cases")
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    chosen = show if show in SHOW else "open"
    found = c.cases.list_cases(who, **SHOW[chosen])
    return render(request, "cases.html", principal=who, cases=found, alerts=c.cases.alerts_for(who), show=chosen,
                  city=c.stations.home_city(who), can_register=who.role in ROLES_THAT_INVESTIGATE)


# registering an FIR ----------------------------------------------------------------------------------------
@router.get("/cases/new", response_class=HTMLResponse)
def new_case_page(request: Request):
    who = _investigator(request, "/cases/new")
    if isinstance(who, RedirectResponse):
        return who
    return _new_page(request, who)


def _new_page(request: Request, who: Principal, status: int = 200, error: SurakshaError | None = None,
              form: dict | None = None) -> HTMLResponse:
    c = get_container(request)
    stations = _stations_of(c, who)
    officers = [p.username for p in c.accounts.with_role(Role.STATION_OFFICER)
                if any(p.covers(Locus(s.id, s.city, s.state)) for s in stations)]
    sections = [s for s in c.cases.rules.sections() if s["active"]]
    city = stations[0].city if stations else None
    return render(request, "case_new.html", status, principal=who, stations=stations, all_stations=_all_stations(c),
                  sections=sections, officers=officers, error=error, form=form or {"sections": []},
                  slots=range(ACCUSED_SLOTS), city=city)


def _all_stations(c) -> list:
    return sorted(c.stations.all(), key=lambda s: (s.city, s.name))


@router.post("/cases/new", response_class=HTMLResponse)
async def register_case(request: Request):
    posted = await request.form()
    form: dict[str, Any] = {k: str(v)[:8000 if k == "summary" else 500] for k, v in posted.items() if k != "sections"}
    form["sections"] = [str(s)[:40] for s in posted.getlist("sections")][:40]
    return await run_in_threadpool(_register, request, form)


def _register(request: Request, form: dict[str, Any]):
    who = _investigator(request, "/cases/new", form.get("csrf", ""))
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    try:
        made = c.cases.register(who, _fir_from(form, c))
    except FORM_ERRORS as err:
        return _new_page(request, who, err.status, err, form)
    return see_other(request, f"/cases/{made['fir_number']}", "registered")


def _number(text: str, code: str, what: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{what} is a whole number", code=code) from None


def _fir_from(form: dict[str, Any], c) -> Fir:
    station_id = _number(form.get("station_id", ""), "station_required", "the station")
    if station_id is None:
        raise InvalidInput("choose a station", code="station_required")
    city = c.stations.get(station_id).city
    try:
        occurred = datetime.fromisoformat(form.get("occurred_at", "")).replace(tzinfo=zone(c.settings.zone_for(city)))
    except ValueError:
        raise InvalidInput("give the date and time it happened", code="invalid_date_time") from None
    accused = []
    for i in range(ACCUSED_SLOTS):
        state = form.get(f"accused{i}_state", "")
        if state in ("known", "unknown"):
            accused.append(Accused(state == "known", form.get(f"accused{i}_name") or None,
                                   _number(form.get(f"accused{i}_age", ""), "invalid_age", "the age"),
                                   None, form.get(f"accused{i}_description", "")))
    age = _number(form.get("victim_age", ""), "invalid_age", "her age")
    if age is not None and not 0 <= age <= 120:
        raise InvalidInput("an age is 0 to 120", code="invalid_age")
    victim = Victim(form.get("victim_name", ""), form.get("victim_phone") or None,
                    form.get("victim_address") or None, age, form.get("victim_language", "en"),
                    form.get("victim_channel") or None)
    kind = CaseKind.E_FIR if form.get("kind") == "e_fir" else CaseKind.WALK_IN
    return Fir(station_id, tuple(form["sections"]), occurred, form.get("place", ""), victim, tuple(accused),
               form.get("woman_officer") or None, form.get("summary", ""), kind,
               form.get("incident_tracking", "").strip() or None, form.get("zero_fir") == "yes",
               _number(form.get("jurisdiction_station_id", ""), "unknown_station", "the station"), None, None,
               form.get("io_username") or None)


# one case --------------------------------------------------------------------------------------------------
@router.get("/cases/{fir_number}", response_class=HTMLResponse)
def case_page(request: Request, fir_number: FirNumber):
    who = _reader(request, f"/cases/{fir_number}")
    if isinstance(who, RedirectResponse):
        return who
    return _case_page(request, who, fir_number)


def _case_page(request: Request, who: Principal, number: str, status: int = 200, error: SurakshaError | None = None,
               form: dict | None = None, failed: str = "", identity: dict | None = None) -> HTMLResponse:
    c = get_container(request)
    case = c.cases.view(who, number)
    acts = who.role in ROLES_THAT_INVESTIGATE
    return render(request, "case.html", status, principal=who, case=case, error=error, form=form or {},
                  failed=failed, identity=identity, acts=acts, forensics=c.cases.forensics.of_case(who, number),
                  labs=c.cases.forensics.labs(who, active_only=True) if acts else [],
                  court=c.cases.courts.section(who, number), court_words=COURT_WORDS,
                  courts=c.cases.courts.courts_for(who, number) if acts else [],
                  officers=c.cases.io_candidates(who, number) if acts else [],
                  stations=_all_stations(c) if acts else [], delay_words=DELAY_WORDS, city=case["city"],
                  today=to_local(c.clock.now(), c.settings.zone_for(case["city"])).date().isoformat())


def _step(request: Request, number: str, csrf: str, failed: str, form: dict, action) -> Any:
    """Run one step of a case from its page: back to the case on success, the page with the error otherwise."""
    who = _investigator(request, f"/cases/{number}", csrf)
    if isinstance(who, RedirectResponse):
        return who
    try:
        done = action(who)
    except FORM_ERRORS as err:
        return _case_page(request, who, number, err.status, err, form, failed)
    if done.get("transferred"):
        return see_other(request, "/cases", "transferred")
    return see_other(request, f"/cases/{done['fir_number']}", failed)


step_on_case_page = _step  # the forms of the case page's parts (forensics) run their steps the same way


@router.post("/cases/{fir_number}/io", response_class=HTMLResponse)
def assign_io(request: Request, fir_number: FirNumber, csrf: Text = "", username: Text = "", reason: Text = ""):
    cases = get_container(request).cases
    return _step(request, fir_number, csrf, "io", {"username": username, "reason": reason},
                 lambda who: cases.assign_io(who, fir_number, username, reason))


@router.post("/cases/{fir_number}/delays", response_class=HTMLResponse)
def record_delay(request: Request, fir_number: FirNumber, csrf: Text = "", category: Text = "", reason: Text = ""):
    cases = get_container(request).cases
    return _step(request, fir_number, csrf, "delay", {"category": category, "reason": reason},
                 lambda who: cases.record_delay(who, fir_number, category, reason))


def _report(request: Request, number: str, report: str, csrf: str, reference: str, filed_on: str, note: str,
            forensic_reason: str = ""):
    cases = get_container(request).cases
    form = {"reference": reference, "filed_on": filed_on, "note": note, "forensic_reason": forensic_reason}

    def act(who: Principal) -> dict:
        try:
            day = date.fromisoformat(filed_on) if filed_on else None
        except ValueError:
            raise InvalidInput("give the dates as YYYY-MM-DD", code="invalid_date") from None
        return cases.file_report(who, number, report, reference, day, note, forensic_reason or None)

    return _step(request, number, csrf, report, form, act)


@router.post("/cases/{fir_number}/charge-sheet", response_class=HTMLResponse)
def charge_sheet(request: Request, fir_number: FirNumber, csrf: Text = "", reference: Text = "",
                 filed_on: Text = "", note: Text = "", forensic_reason: Text = ""):
    return _report(request, fir_number, "charge_sheet", csrf, reference, filed_on, note, forensic_reason)


@router.post("/cases/{fir_number}/closure-report", response_class=HTMLResponse)
def closure_report(request: Request, fir_number: FirNumber, csrf: Text = "", reference: Text = "",
                   filed_on: Text = "", note: Text = ""):
    return _report(request, fir_number, "closure_report", csrf, reference, filed_on, note)


@router.post("/cases/{fir_number}/transfer", response_class=HTMLResponse)
def transfer(request: Request, fir_number: FirNumber, csrf: Text = "", station_id: Text = "", reason: Text = ""):
    cases = get_container(request).cases
    return _step(request, fir_number, csrf, "transfer", {"station_id": station_id, "reason": reason},
                 lambda who: cases.transfer(who, fir_number, _number(station_id, "unknown_station", "the station"),
                                            reason))


@router.post("/cases/{fir_number}/signature", response_class=HTMLResponse)
def signature(request: Request, fir_number: FirNumber, csrf: Text = ""):
    cases = get_container(request).cases
    return _step(request, fir_number, csrf, "signature", {}, lambda who: cases.record_signature(who, fir_number))


@router.post("/cases/{fir_number}/unseal", response_class=HTMLResponse)
def unseal(request: Request, fir_number: FirNumber, csrf: Text = "", reason: Text = ""):
    """Her identity on this page, this once (nothing keeps it): for the case's IO, with a reason; every request is
    audited, a refused one too."""
    who = _reader(request, f"/cases/{fir_number}", csrf)
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    try:
        identity = c.cases.unseal(who, fir_number, reason)
    except (InvalidInput, Forbidden) as err:
        return _case_page(request, who, fir_number, err.status, err, {"reason": reason}, "unseal")
    return _case_page(request, who, fir_number, identity=identity)
