"""One template environment for every page: the templates folders of all capabilities, CSRF, local time, the
navigation each role may use, and the page's language (gettext through Jinja's i18n extension: one environment,
the language of each request read from the rendering context)."""

from __future__ import annotations

import gzip
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from suraksha.core.auth import (
    ROLES_THAT_KEEP_HANDSETS,
    ROLES_THAT_MANAGE_INCIDENTS,
    ROLES_THAT_REGISTER_SOCIETIES,
    ROLES_THAT_REVIEW_REGISTRY_AUDIT,
    ROLES_THAT_SEE_CASES,
    ROLES_THAT_SEE_INCIDENTS,
    ROLES_THAT_USE_REGISTRY,
    ROLES_THAT_VERIFY_VOLUNTEERS,
    ROLES_THAT_WATCH_THE_WALLBOARD,
    Principal,
    Role,
)
from suraksha.core.errors import SurakshaError
from suraksha.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, NATIVE_NAMES, script_messages, translations
from suraksha.core.localtime import date_time, to_local, zone
from suraksha.http import language, page_errors

PACKAGE = Path(__file__).resolve().parent.parent
# web/templates first: it holds base.html, which every page extends.
FOLDERS = [PACKAGE / "web" / "templates", *sorted(p for p in PACKAGE.glob("*/templates") if p.parent.name != "web")]


DOMAIN = "web"  # the catalog of pages
COMPRESS_OVER = 1400  # bytes: a page smaller than one packet gains nothing from gzip


@pass_context
def _local(context, value: datetime | str | None, zone_name: str = "Asia/Kolkata", fmt: str = "full") -> str:
    """A time in the city's zone: 'full' -> '22 Nov 2026, 10:00 IST' (month names in the page's language),
    'time' -> '10:00'."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if fmt != "full":
        return to_local(value, zone_name).strftime("%H:%M")
    lang = context.get("lang", DEFAULT_LANGUAGE)
    if lang == DEFAULT_LANGUAGE:
        return date_time(value, zone_name)
    return format_datetime(value, "d MMM y, HH:mm zzz", tzinfo=zone(zone_name), locale=lang)


@pass_context
def _day(context, value: date | str | None) -> str:
    """A calendar day (or its ISO form, '2026-12-03') in the page's language: '3 Dec 2026'; nothing for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, "d MMM y", locale=context.get("lang", DEFAULT_LANGUAGE))


@pass_context
def _gettext(context, message: str) -> str:
    return translations(context.get("lang", DEFAULT_LANGUAGE), DOMAIN).gettext(message)


@pass_context
def _ngettext(context, singular: str, plural: str, n: int) -> str:
    return translations(context.get("lang", DEFAULT_LANGUAGE), DOMAIN).ngettext(singular, plural, n)


environment = Environment(loader=FileSystemLoader([str(f) for f in FOLDERS]), autoescape=select_autoescape(("html",)),
                          extensions=["jinja2.ext.i18n"])
environment.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks: whitespace collapsed, as babel/web.cfg extracts
environment.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
environment.filters["local"] = _local
environment.filters["day"] = _day
templates = Jinja2Templates(env=environment)


class _CsrfOnUse:
    """The session's CSRF token, made only when a page prints it: a public page that has no form to protect
    starts no session and carries no secret (so it may be compressed and cached)."""

    def __init__(self, request: Request) -> None:
        self.request, self.used = request, False

    def __str__(self) -> str:
        self.used = True
        return csrf_token(self.request)

    def __html__(self) -> str:
        return str(self)


# Codes that pages show as words: roles, scope kinds, incident categories (English: the code's own words).
LABELS = {
    "dispatcher": N_("dispatcher"), "station_officer": N_("station officer"), "responder": N_("responder"),
    "admin": N_("admin"), "registry_officer": N_("registry officer"), "registry_supervisor": N_("registry supervisor"),
    "volunteer": N_("volunteer"), "integration": N_("integration"),
    "station": N_("station"), "city": N_("city"), "state": N_("state"), "national": N_("national"),
    "immediate_danger": N_("immediate danger"), "sexual_assault": N_("sexual assault"),
    "child_at_risk": N_("child at risk"), "domestic_violence": N_("domestic violence"),
    "stalking_harassment": N_("stalking harassment"), "cyber": N_("cyber"), "help_request": N_("help request"),
    "investigation": N_("investigation"), "staff_verification": N_("staff verification"), "other": N_("other"),
}
CITY_NAMES = {"mumbai": N_("Mumbai"), "bengaluru": N_("Bengaluru"), "hyderabad": N_("Hyderabad")}


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def landing_page(principal: Principal) -> str:
    """Where each role lands after sign-in: the page of its own work."""
    if principal.role in ROLES_THAT_REVIEW_REGISTRY_AUDIT:
        return "/registry/oversight"  # the supervisor's overview: the trail, today's reads, what waits
    if principal.role in ROLES_THAT_USE_REGISTRY:
        return "/registry"
    if principal.role is Role.RESPONDER:
        return "/responder"
    if principal.role is Role.VOLUNTEER:
        return "/volunteer"
    return "/console"


def navigation(principal: Principal | None) -> list[tuple[str, str]]:
    """(href, label) of the pages this principal may use; the public ones for everybody."""
    items = [("/directory", N_("Station helplines")), ("/track", N_("Track a report"))]
    if principal is None:
        return items
    if principal.role is Role.RESPONDER:
        items.append(("/responder", N_("Responder")))
    if principal.role is Role.VOLUNTEER:
        items.append(("/volunteer", N_("My alerts")))
    if principal.role in ROLES_THAT_MANAGE_INCIDENTS:  # the 112 call-taker's screen
        items.append(("/calltaker", N_("Calls")))
    if principal.role in ROLES_THAT_SEE_INCIDENTS:
        items.append(("/console", N_("Console")))
        items.append(("/incidents", N_("Incidents")))
    if principal.role in ROLES_THAT_SEE_CASES:
        items.append(("/cases", N_("Cases")))
    if principal.role in ROLES_THAT_WATCH_THE_WALLBOARD:
        items.append(("/wallboard", N_("Wallboard")))
    if principal.role in (Role.ADMIN, Role.STATION_OFFICER):  # dispatch.service.MANAGERS
        items.append(("/units", N_("Units")))
    if principal.role in ROLES_THAT_KEEP_HANDSETS:
        items.append(("/phones", N_("Helpline phones")))
    if principal.role in ROLES_THAT_VERIFY_VOLUNTEERS:
        items.append(("/volunteers", N_("Volunteers")))
    if principal.role in ROLES_THAT_REGISTER_SOCIETIES:
        items.append(("/societies", N_("Housing societies")))
    if principal.role in ROLES_THAT_REVIEW_REGISTRY_AUDIT:
        items.append(("/registry/oversight", N_("Oversight")))
        items.append(("/registry/audit", N_("Audit trail")))
    if principal.role in ROLES_THAT_USE_REGISTRY:
        items.append(("/registry", N_("Registry")))
        if principal.role is not Role.REGISTRY_SUPERVISOR:
            items.append(("/registry/upload", N_("Upload")))
        items.append(("/registry/merges", N_("Merges")))
        items.append(("/registry/alerts", N_("Alerts")))
    return items


def see_other(request: Request, path: str, done: str) -> RedirectResponse:
    """After a form succeeded: back to `path` in the request's language, saying what was `done` (a short code the
    page turns into a sentence); a form that failed re-renders its page with the error and what was typed."""
    lang, _ = language.choose(request)
    joined = "&" if "?" in path else "?"  # a path may carry its page's own query (a registry page's purpose)
    return RedirectResponse(language.prefixed(lang, path) + f"{joined}done={done}", status_code=303)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the request's language (`http.language`); an `error` given as a `SurakshaError` is shown in it."""
    c = request.app.state.container
    principal = context.get("principal")
    lang, asked = language.choose(request)
    words = translations(lang, DOMAIN)  # `tr(text)`: a message that comes as data (a label from a table)
    csrf: str | _CsrfOnUse = csrf_token(request) if principal else _CsrfOnUse(request)
    context.setdefault("done", request.query_params.get("done", "")[:20])  # what the last form did (`see_other`)
    if isinstance(context.get("error"), SurakshaError):
        context["error"] = page_errors.shown(context["error"], lang)
    context |= {"csrf": csrf, "tile_url": c.settings.tile_url, "zone": c.settings.zone_for(context.get("city")),
                "nav": [(language.prefixed(lang, href), label) for href, label in navigation(principal)],
                "can_manage": bool(principal and principal.role in ROLES_THAT_MANAGE_INCIDENTS),
                "lang": lang, "href": lambda path: language.prefixed(lang, path),
                "languages": [(code, NATIVE_NAMES[code], language.switch_to(request, code)) for code in LANGUAGES],
                "script_messages": lambda *scripts: {k: v for script in scripts
                                                     for k, v in script_messages(lang, DOMAIN, script).items()},
                "label": lambda code: words.gettext(LABELS.get(code, code.replace("_", " "))),
                "tr": lambda text: words.gettext(text) if text else text,
                "city_name": lambda city: words.gettext(CITY_NAMES[city]) if city in CITY_NAMES else city.title(),
                "error_text": lambda code, english: page_errors.text(code, english, lang)}
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["content-language"] = lang
    response.headers["vary"] = "Accept-Language, Cookie"
    if asked and request.cookies.get(language.COOKIE) != lang:  # she chose it: keep it for the next visit
        response.set_cookie(language.COOKIE, lang, max_age=language.COOKIE_MAX_AGE, path="/", samesite="lax",
                            httponly=True, secure=c.settings.cookies_secure)
    if isinstance(csrf, _CsrfOnUse) and not csrf.used:
        _compress(request, response)
    return response


def _compress(request: Request, response: HTMLResponse) -> None:
    """gzip a page that carries no secret (no session, no CSRF token), so that compression cannot leak one
    (BREACH): the public pages a phone on a slow network opens."""
    if "gzip" not in request.headers.get("accept-encoding", "") or len(response.body) < COMPRESS_OVER:
        return
    response.body = gzip.compress(bytes(response.body), compresslevel=6)
    response.headers["content-encoding"] = "gzip"
    response.headers["content-length"] = str(len(response.body))
    response.headers["vary"] = "Accept-Language, Cookie, Accept-Encoding"
