"""Web pages for volunteers near an SOS: the public application, the volunteer's own page (on duty, where they
are, their alerts with accept and decline) and the station's pages to verify, refuse, suspend and reinstate.
Every form posts and the page is shown again (no script needed); `web/static/volunteer.js` adds the phone's
location and shows a new alert live."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from suraksha.core.auth import ROLES_THAT_VERIFY_VOLUNTEERS, Principal, Role
from suraksha.core.errors import InvalidInput, SurakshaError
from suraksha.http.deps import check_csrf, get_container, page_principal
from suraksha.http.templates import render, see_other
from suraksha.volunteers.model import SKILLS, Application, VolunteerStatus

router = APIRouter(include_in_schema=False)
VolunteerId = Annotated[int, Path(ge=1, le=2**31 - 1)]
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=500)]
Short = Annotated[str, Form(max_length=120)]
VOLUNTEERS = frozenset({Role.VOLUNTEER})


# applying (anyone) ------------------------------------------------------------------------------------------
@router.get("/volunteer/apply", response_class=HTMLResponse)
def apply_form(request: Request):
    return _apply_page(request)


def _apply_page(request: Request, status: int = 200, error: SurakshaError | None = None, form: dict | None = None,
                applied: dict | None = None) -> HTMLResponse:
    c = get_container(request)
    cities = c.stations.cities()
    return render(request, "volunteer_apply.html", status, cities=cities, default_city=c.settings.default_city,
                  skills=SKILLS, error=error, form=form or {"skills": []}, applied=applied)


@router.post("/volunteer/apply", response_class=HTMLResponse)
def apply(request: Request, csrf: Text = "", name: Short = "", phone: Short = "", language: Short = "en",
          city: Short = "", locality: Short = "", skill: Annotated[list[str] | None, Form(max_length=8)] = None):
    check_csrf(request, csrf)
    skills = [s[:32] for s in (skill or [])]
    form = {"name": name, "phone": phone, "language": language, "city": city, "locality": locality,
            "skills": skills}
    try:
        applied = get_container(request).volunteers.apply(
            Application(name, phone, language, city, locality, tuple(skills)))
    except InvalidInput as err:
        return _apply_page(request, 422, err, form)
    return _apply_page(request, applied=applied)


# the volunteer's own page ---------------------------------------------------------------------------------
def _volunteer(request: Request, csrf: str | None = None) -> Principal | RedirectResponse:
    return page_principal(request, "/volunteer", VOLUNTEERS, "volunteer's page", csrf)


@router.get("/volunteer", response_class=HTMLResponse)
def own_page(request: Request, part: str = ""):
    """The volunteer's alerts (the newest first), whether they are on duty, and where they are."""
    who = _volunteer(request)
    if isinstance(who, RedirectResponse):
        return who
    return _own_page(request, who, part=part[:10])


def _own_page(request: Request, who: Principal, status: int = 200, error: SurakshaError | None = None,
              part: str = "") -> HTMLResponse:
    me = get_container(request).volunteers.me(who)
    template = "_volunteer_alerts.html" if part == "alerts" else "volunteer.html"
    return render(request, template, status, principal=who, me=me, alerts=me["alerts"], city=me["city"],
                  error=error)


def _answered(request: Request, who: Principal, action) -> HTMLResponse | RedirectResponse:
    try:
        action()
    except SurakshaError as err:
        if err.status not in (409, 422):
            raise
        return _own_page(request, who, err.status, err)
    return see_other(request, "/volunteer", request.url.path.rsplit("/", 1)[-1])


@router.post("/volunteer/availability", response_class=HTMLResponse)
def availability(request: Request, csrf: Text = "", available: Short = ""):
    who = _volunteer(request, csrf)
    if isinstance(who, RedirectResponse):
        return who
    on = available == "1"
    get_container(request).volunteers.set_available(who, on)
    return see_other(request, "/volunteer", "on_duty" if on else "off_duty")


@router.post("/volunteer/position", response_class=HTMLResponse)
def position(request: Request, csrf: Text = "", lat: Short = "", lon: Short = "", place: Short = ""):
    who = _volunteer(request, csrf)
    if isinstance(who, RedirectResponse):
        return who
    volunteers = get_container(request).volunteers

    def share() -> None:
        if lat.strip() and lon.strip():
            try:
                volunteers.set_position(who, float(lon), float(lat))
            except ValueError:
                raise InvalidInput("not a position on the earth", code="invalid_position") from None
        elif place.strip():
            volunteers.set_place(who, place)
        else:
            raise InvalidInput("say where you are: use the phone's location or type a place", code="position_required")

    return _answered(request, who, share)


@router.post("/volunteer/alerts/{alert_id}/accept", response_class=HTMLResponse)
def accept(request: Request, alert_id: AlertId, csrf: Text = ""):
    who = _volunteer(request, csrf)
    if isinstance(who, RedirectResponse):
        return who
    return _answered(request, who, lambda: get_container(request).volunteers.answer(who, alert_id, True))


@router.post("/volunteer/alerts/{alert_id}/decline", response_class=HTMLResponse)
def decline(request: Request, alert_id: AlertId, csrf: Text = ""):
    who = _volunteer(request, csrf)
    if isinstance(who, RedirectResponse):
        return who
    return _answered(request, who, lambda: get_container(request).volunteers.answer(who, alert_id, False))


# the station's pages --------------------------------------------------------------------------------------
def _verifier(request: Request, path: str, csrf: str | None = None) -> Principal | RedirectResponse:
    return page_principal(request, path, ROLES_THAT_VERIFY_VOLUNTEERS, "page for volunteers", csrf)


@router.get("/volunteers", response_class=HTMLResponse)
def volunteers_page(request: Request, status: str = ""):
    """Volunteers and applications in the account's area, applications waiting first."""
    who = _verifier(request, "/volunteers")
    if isinstance(who, RedirectResponse):
        return who
    chosen = status if status in {s.value for s in VolunteerStatus} else ""
    c = get_container(request)
    found = c.volunteers.in_area(who, chosen or None)
    return render(request, "volunteers.html", principal=who, volunteers=found, shown=chosen,
                  statuses=[s.value for s in VolunteerStatus], city=c.stations.home_city(who))


@router.get("/volunteers/{volunteer_id}", response_class=HTMLResponse)
def volunteer_page(request: Request, volunteer_id: VolunteerId):
    who = _verifier(request, f"/volunteers/{volunteer_id}")
    if isinstance(who, RedirectResponse):
        return who
    return _detail(request, who, volunteer_id)


def _detail(request: Request, who: Principal, volunteer_id: int, status: int = 200,
            error: SurakshaError | None = None, form: dict | None = None, failed: str = "",
            issued: dict | None = None) -> HTMLResponse:
    found = get_container(request).volunteers.get(who, volunteer_id)
    return render(request, "volunteer_detail.html", status, principal=who, v=found, city=found["city"],
                  error=error, form=form or {}, failed=failed, issued=issued)


@router.post("/volunteers/{volunteer_id}/verify", response_class=HTMLResponse)
def verify(request: Request, volunteer_id: VolunteerId, csrf: Text = "", check: Text = "", username: Short = ""):
    who = _verifier(request, f"/volunteers/{volunteer_id}", csrf)
    if isinstance(who, RedirectResponse):
        return who
    try:
        done = get_container(request).volunteers.verify(who, volunteer_id, check, username)
    except SurakshaError as err:
        if err.status not in (409, 422):
            raise
        return _detail(request, who, volunteer_id, err.status, err, {"check": check, "username": username}, "verify")
    # shown once, on this answer: the first password is never stored in clear nor shown again
    return _detail(request, who, volunteer_id, issued={"username": done["username"], "password": done["password"]})


def _decision(request: Request, volunteer_id: int, action: str, csrf: str, reason: str):
    who = _verifier(request, f"/volunteers/{volunteer_id}", csrf)
    if isinstance(who, RedirectResponse):
        return who
    service = get_container(request).volunteers
    try:
        getattr(service, action)(who, volunteer_id, reason)
    except SurakshaError as err:
        if err.status not in (409, 422):
            raise
        return _detail(request, who, volunteer_id, err.status, err, {"reason": reason}, action)
    return see_other(request, f"/volunteers/{volunteer_id}", action)


@router.post("/volunteers/{volunteer_id}/refuse", response_class=HTMLResponse)
def refuse(request: Request, volunteer_id: VolunteerId, csrf: Text = "", reason: Text = ""):
    return _decision(request, volunteer_id, "refuse", csrf, reason)


@router.post("/volunteers/{volunteer_id}/suspend", response_class=HTMLResponse)
def suspend(request: Request, volunteer_id: VolunteerId, csrf: Text = "", reason: Text = ""):
    return _decision(request, volunteer_id, "suspend", csrf, reason)


@router.post("/volunteers/{volunteer_id}/reinstate", response_class=HTMLResponse)
def reinstate(request: Request, volunteer_id: VolunteerId, csrf: Text = "", reason: Text = ""):
    return _decision(request, volunteer_id, "reinstate", csrf, reason)
