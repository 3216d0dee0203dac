"""Web pages of the registry: search, upload, a record, the merge review queue, the alerts inbox; for supervisors
their overview and the audit review.

Pages that show registry data ask for a purpose on the way in (a GET form); the service checks role, purpose and
scope and audits every read and every refusal (a wrong role too). Forms post with the session's CSRF field and work
without script; one that failed shows its page again with the error and what was typed, one that succeeded goes
back to its page saying what was done (`see_other`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from suraksha.core.auth import ROLES_THAT_REVIEW_REGISTRY_AUDIT, Locus, Principal, Role
from suraksha.core.errors import InvalidInput, SurakshaError
from suraksha.core.localtime import zone
from suraksha.http.deps import CurrentPrincipal, get_container, page_principal
from suraksha.http.templates import render as render_page
from suraksha.http.templates import see_other
from suraksha.registry.audit import AuditFilters
from suraksha.registry.rules import Purpose
from suraksha.registry.service import check_registry_role, upload_scope

router = APIRouter(include_in_schema=False)
ANY_ROLE = frozenset(Role)  # the page asks only for a sign-in: the service refuses (and audits) other roles
SUPERVISORS = ROLES_THAT_REVIEW_REGISTRY_AUDIT
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=500)]
MERGE_STATUSES = ("proposed", "confirmed", "rejected", "undone")
AUDIT_PAGE = 50
# What the audit trail records, for the review's filter (decisions are entered as merge_confirmed/merge_rejected,
# refused ones under the action asked for: merge_confirm, merge_reject).
AUDIT_ACTIONS = ("search", "linkage", "view", "merges", "merge_confirmed", "merge_rejected", "merge_confirm",
                 "merge_reject", "unmerge", "alerts", "alert_read", "station_list", "import", "attach_file",
                 "dedupe", "purge", "checkpoint")


def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    return render_page(request, name, status, purposes=[p.value for p in Purpose], **context)


def _signed_in(request: Request, path: str, csrf: str | None = None, roles=ANY_ROLE,
               page: str = "registry page") -> Principal | RedirectResponse:
    return page_principal(request, path, roles, page, csrf)


def _query(**values) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


# --- search ----------------------------------------------------------------------------------------------------
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
    for r in found:  # a record page for what the officer may open; the same purpose goes along
        r["may_open"] = principal.covers(Locus(state=r["state"]))
    return render(request, "_registry_results.html", results=found, error=error, typed=bool(name.strip()),
                  record_query=_query(purpose=purpose, purpose_text=purpose_text))


# --- upload ----------------------------------------------------------------------------------------------------
@router.get("/registry/upload", response_class=HTMLResponse)
def upload_form(request: Request, principal: CurrentPrincipal):
    state = upload_scope(principal) or ""
    return render(request, "registry_upload.html", principal=principal, report=None, error=None, state=state)


@router.post("/registry/upload", response_class=HTMLResponse)
async def upload(request: Request, file: Annotated[UploadFile | None, File()] = None, csrf: Text = "",
                 state: Annotated[str, Form(max_length=60)] = ""):
    """A plain multipart form post (the CSRF token is the form's own field) or the page's script sending the same
    form with upload progress; either way the page comes back with the row report."""
    who = _signed_in(request, "/registry/upload", csrf)
    if isinstance(who, RedirectResponse):
        return who
    data = await file.read() if file is not None else b""
    registry = get_container(request).registry
    registry.screens.admit(who, "import", {"state": state.strip(), "bytes": len(data)})  # a wrong role: audited, 403
    report, error = None, None
    try:  # the service checks the state and audits a refusal
        if not data:
            raise InvalidInput("choose a CSV file to upload", code="file_required")
        report = registry.upload(who, data, state.strip() or None)
    except SurakshaError as err:
        if err.code == "forbidden_role":
            raise
        error = err
    return render(request, "registry_upload.html", error.status if error else 200, principal=who, report=report,
                  error=error, state=state, file_name=file.filename if file is not None else "")


# --- one registration by hand (a conviction from a case fills it in) ----------------------------------------------
REGISTER_FIELDS = ("fir_number", "record_id", "state", "district", "full_name", "aliases", "father_name", "sex", "dob",
                   "age", "age_as_of", "address", "act", "section", "court", "case_number", "conviction_date",
                   "sentence", "risk_tier")


@router.get("/registry/register", response_class=HTMLResponse)
def register_form(request: Request, principal: CurrentPrincipal):
    """The form, filled in from the query (a case's conviction links here with its details); nothing is read from
    the registry and nothing is written until it is posted."""
    state = upload_scope(principal) or ""
    form = {k: request.query_params.get(k, "")[:500] for k in REGISTER_FIELDS}
    form["state"] = form["state"] or state
    return render(request, "registry_register.html", principal=principal, form=form, error=None, made=None)


@router.post("/registry/register", response_class=HTMLResponse)
async def register(request: Request):
    posted = await request.form()
    form = {k: str(posted.get(k, ""))[:2000] for k in (*REGISTER_FIELDS, "csrf")}
    who = _signed_in(request, "/registry/register", form.pop("csrf"))
    if isinstance(who, RedirectResponse):
        return who
    registry = get_container(request).registry
    fields = {k: v for k, v in form.items() if k != "fir_number"}
    try:  # the service checks the role (a wrong one refused and audited), the row and the state, and audits it
        made = await run_in_threadpool(registry.register, who, fields, form["fir_number"])
    except SurakshaError as err:
        if err.code == "forbidden_role":
            raise
        return render(request, "registry_register.html", err.status, principal=who, form=form, error=err, made=None)
    return render(request, "registry_register.html", principal=who, form=form, error=None, made=made)


# --- a record --------------------------------------------------------------------------------------------------
@router.get("/registry/records/{registration_id}", response_class=HTMLResponse)
def record_page(request: Request, registration_id: Id, purpose: str = "", purpose_text: str = ""):
    """One registration in full. On the way in the page asks why (nothing is read); with a purpose the record is
    read and audited (`view`); another state's record reads as not found, as in the API."""
    who = _signed_in(request, f"/registry/records/{registration_id}")
    if isinstance(who, RedirectResponse):
        return who
    screens = get_container(request).registry.screens
    page = {"principal": who, "registration_id": registration_id, "purpose": purpose, "purpose_text": purpose_text}
    if "purpose" not in request.query_params:
        screens.admit(who, "view", {"registration_id": registration_id})
        return render(request, "registry_record.html", record=None, error=None, **page)
    try:
        record = screens.record(who, registration_id, purpose, purpose_text)
    except InvalidInput as err:  # purpose_required (audited)
        return render(request, "registry_record.html", 422, record=None, error=err, **page)
    return render(request, "registry_record.html", record=record, error=None, may_review_audit=who.role in SUPERVISORS,
                  stated=_query(purpose=purpose, purpose_text=purpose_text), **page)


# --- the merge review queue ------------------------------------------------------------------------------------
@router.get("/registry/merges", response_class=HTMLResponse)
def merges_page(request: Request, purpose: str = "", purpose_text: str = "", status: str = "proposed",
                after: str = ""):
    who = _signed_in(request, "/registry/merges")
    if isinstance(who, RedirectResponse):
        return who
    return _merges(request, who, purpose, purpose_text, status, _number(after),
                   asked="purpose" in request.query_params)


def _merges(request: Request, who: Principal, purpose: str, purpose_text: str, status: str,
            after: int | None = None, error: SurakshaError | None = None, http_status: int = 200,
            asked: bool = True) -> HTMLResponse:
    status = status if status in MERGE_STATUSES else "proposed"
    screens = get_container(request).registry.screens
    page = {"principal": who, "purpose": purpose, "purpose_text": purpose_text, "current": status,
            "statuses": MERGE_STATUSES, "stated": _query(purpose=purpose, purpose_text=purpose_text)}
    if not asked:  # on the way in: ask why (nothing is read)
        screens.admit(who, "merges", {"status": status})
        return render(request, "registry_merges.html", queue=None, error=None, **page)
    try:
        queue = screens.merge_review(who, purpose, purpose_text, status, after)
    except InvalidInput as err:  # purpose_required (audited)
        return render(request, "registry_merges.html", 422, queue=None, error=err, **page)
    return render(request, "registry_merges.html", http_status, queue=queue, error=error, **page)


def _decide(request: Request, merge_id: int, verb: str, csrf: str, purpose: str, purpose_text: str, status: str):
    who = _signed_in(request, "/registry/merges", csrf)
    if isinstance(who, RedirectResponse):
        return who
    registry = get_container(request).registry
    try:  # the service checks role and scope, applies the merge's rules and audits it (a refusal too)
        if verb == "unmerge":
            registry.unmerge(who, merge_id)
        else:
            registry.decide_merge(who, merge_id, verb == "confirm")
    except SurakshaError as err:
        if err.code == "forbidden_role":
            raise
        return _merges(request, who, purpose, purpose_text, status, error=err, http_status=err.status)
    done = {"confirm": "confirmed", "reject": "rejected", "unmerge": "undone"}[verb]
    return see_other(request, "/registry/merges?" + _query(purpose=purpose, purpose_text=purpose_text,
                                                           status=status), done)


@router.post("/registry/merges/{merge_id}/confirm", response_class=HTMLResponse)
def confirm_merge(request: Request, merge_id: Id, csrf: Text = "", purpose: Text = "", purpose_text: Text = "",
                  status: Text = "proposed"):
    return _decide(request, merge_id, "confirm", csrf, purpose, purpose_text, status)


@router.post("/registry/merges/{merge_id}/reject", response_class=HTMLResponse)
def reject_merge(request: Request, merge_id: Id, csrf: Text = "", purpose: Text = "", purpose_text: Text = "",
                 status: Text = "proposed"):
    return _decide(request, merge_id, "reject", csrf, purpose, purpose_text, status)


@router.post("/registry/merges/{merge_id}/unmerge", response_class=HTMLResponse)
def undo_merge(request: Request, merge_id: Id, csrf: Text = "", purpose: Text = "", purpose_text: Text = "",
               status: Text = "confirmed"):
    return _decide(request, merge_id, "unmerge", csrf, purpose, purpose_text, status)


# --- the alerts inbox ------------------------------------------------------------------------------------------
@router.get("/registry/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, purpose: str = "", purpose_text: str = "", unread: str = ""):
    who = _signed_in(request, "/registry/alerts")
    if isinstance(who, RedirectResponse):
        return who
    return _alerts(request, who, purpose, purpose_text, unread == "1", asked="purpose" in request.query_params)


def _alerts(request: Request, who: Principal, purpose: str, purpose_text: str, unread: bool,
            error: SurakshaError | None = None, http_status: int = 200, asked: bool = True) -> HTMLResponse:
    screens = get_container(request).registry.screens
    page = {"principal": who, "purpose": purpose, "purpose_text": purpose_text, "unread": unread,
            "stated": _query(purpose=purpose, purpose_text=purpose_text)}
    if not asked:
        screens.admit(who, "alerts", {"unread": unread})
        return render(request, "registry_alerts.html", alerts=None, error=None, **page)
    try:
        found = screens.alert_inbox(who, purpose, purpose_text, unread_only=unread)
    except InvalidInput as err:  # purpose_required (audited)
        return render(request, "registry_alerts.html", 422, alerts=None, error=err, **page)
    return render(request, "registry_alerts.html", http_status, alerts=found, error=error, **page)


@router.post("/registry/alerts/{alert_id}/read", response_class=HTMLResponse)
def alert_read(request: Request, alert_id: Id, csrf: Text = "", purpose: Text = "", purpose_text: Text = "",
               unread: Text = ""):
    who = _signed_in(request, "/registry/alerts", csrf)
    if isinstance(who, RedirectResponse):
        return who
    try:
        get_container(request).registry.mark_alert_read(who, alert_id)
    except SurakshaError as err:
        if err.code == "forbidden_role":
            raise
        return _alerts(request, who, purpose, purpose_text, unread == "1", error=err, http_status=err.status)
    return see_other(request, "/registry/alerts?" + _query(purpose=purpose, purpose_text=purpose_text,
                                                           unread="1" if unread == "1" else ""), "read")


# --- supervisors: the overview and the audit review ------------------------------------------------------------
@router.get("/registry/oversight", response_class=HTMLResponse)
def oversight(request: Request):
    """The supervisor's landing: is the trail whole (chain and signed checkpoints), what was read today and why,
    who refused, and how many merges and alerts wait."""
    who = _signed_in(request, "/registry/oversight", roles=SUPERVISORS, page="oversight page")
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    here = zone(c.settings.time_zone)
    midnight = datetime.combine(c.clock.now().astimezone(here).date(), time(0), tzinfo=here)
    overview = c.registry.screens.overview(who, midnight)
    return render(request, "registry_oversight.html", principal=who, overview=overview, report=overview["report"],
                  today=midnight.date().isoformat())


@router.get("/registry/audit", response_class=HTMLResponse)
def audit_page(request: Request, actor: str = "", purpose: str = "", action: str = "", since: str = "",
               until: str = "", record: str = "", before: str = "", after: str = ""):
    """The audit trail for supervisors: filtered by who, purpose, action, dates (the city's days) and record, newest
    first, a page at a time; with the chain's and the checkpoints' state."""
    who = _signed_in(request, "/registry/audit", roles=SUPERVISORS, page="audit review")
    if isinstance(who, RedirectResponse):
        return who
    c = get_container(request)
    form = {"actor": actor.strip()[:64], "purpose": purpose.strip()[:32], "action": action.strip()[:32],
            "since": since.strip()[:10], "until": until.strip()[:10], "record": record.strip()[:64]}
    page = {"principal": who, "form": form, "actions": AUDIT_ACTIONS, "report": c.registry.screens.audit_report(who)}
    try:
        filters = _audit_filters(c, who, form)
    except InvalidInput as err:
        return render(request, "registry_audit.html", 422, entries=[], error=err, older=None, newer=None, **page)
    before_seq, after_seq = _number(before), _number(after)
    entries = c.registry.screens.audit_review(who, filters, before_seq, after_seq, AUDIT_PAGE)
    paged = before_seq is not None or after_seq is not None
    older = entries[-1]["seq"] if len(entries) == AUDIT_PAGE or (after_seq is not None and entries) else None
    newer = entries[0]["seq"] if entries and paged and not (after_seq is not None and len(entries) < AUDIT_PAGE) \
        else None
    return render(request, "registry_audit.html", entries=entries, error=None, older=older, newer=newer,
                  filters=_query(**form), **page)


def _audit_filters(c, who: Principal, form: dict[str, str]) -> AuditFilters:
    here = zone(c.settings.time_zone)
    since, until = _day(form["since"]), _day(form["until"])
    if since and until and until < since:
        raise InvalidInput("the last day is before the first", code="invalid_date")
    return AuditFilters(
        action=form["action"] or None, actor=form["actor"] or None, purpose=form["purpose"] or None,
        since=datetime.combine(since, time(0), tzinfo=here) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(0), tzinfo=here) if until else None,
        registrations=c.registry.screens.registrations_named(who, form["record"]) if form["record"] else None)


def _day(text: str) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("give the dates as YYYY-MM-DD", code="invalid_date") from None
    if not 1900 <= day.year <= 2999:
        raise InvalidInput("give the dates as YYYY-MM-DD", code="invalid_date")
    return day


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


# --- a station's list (the Nirbhaya squads) --------------------------------------------------------------------
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
