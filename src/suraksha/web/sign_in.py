"""Signing in and out on the web, in one or two steps, and the page where a person looks after their sign-in.

A right password for a role that needs a second factor does not start a session: the cookie only remembers,
for a few minutes, whose password was right. The session starts when the one-time code (or a recovery code)
is right too; the first time, the person sets up an authenticator app and is shown recovery codes once.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlparse

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from suraksha.accounts.model import SECOND_STEP_MINUTES, SecondStep
from suraksha.core.auth import Principal, Role
from suraksha.core.errors import Forbidden, SurakshaError, Unauthenticated
from suraksha.http.deps import check_csrf, client_address, form_principal, get_container, optional_principal
from suraksha.http.templates import landing_page, render

router = APIRouter(include_in_schema=False)
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
Code = Annotated[str, Form(max_length=64)]
Csrf = Annotated[str, Form(max_length=128)]


def _safe_next(target: str | None) -> str | None:
    """Only local paths: never redirect a signed-in officer to another site."""
    parsed = urlparse(target or "")
    return target if target and target.startswith("/") and not parsed.netloc and not target.startswith("//") else None


def _error_page(request: Request, template: str, err: SurakshaError, **context) -> HTMLResponse:
    page = render(request, template, status=err.status, error=err, **context)  # shown in the page's language
    if getattr(err, "retry_after", None):
        page.headers["Retry-After"] = str(err.retry_after)
    return page


def _start_session(request: Request, principal: Principal, next_page: str | None) -> RedirectResponse:
    request.session.clear()  # a new session on sign-in: no fixation
    session_id = get_container(request).accounts.start_session(principal)
    request.session.update(sid=session_id, csrf=secrets.token_urlsafe(32))
    return RedirectResponse(_safe_next(next_page) or landing_page(principal), status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = ""):
    return render(request, "login.html", next=_safe_next(next) or "", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=1024)], csrf: Csrf = "",
          next: Annotated[str, Form(max_length=500)] = ""):
    check_csrf(request, csrf)
    accounts = get_container(request).accounts
    try:
        principal = accounts.authenticate(username, password, client_address(request))
    except SurakshaError as err:
        return _error_page(request, "login.html", err, next=_safe_next(next) or "")
    if principal.role is Role.INTEGRATION:  # a device gateway's account: its bearer token, never a page
        err = Forbidden("This account is for an app's or a device's connection to Suraksha, not for signing in "
                        "here.", code="api_only_account")
        return _error_page(request, "login.html", err, next=_safe_next(next) or "")
    step = accounts.second_step(principal.account_id)
    if step is SecondStep.NONE:
        return _start_session(request, principal, next)
    request.session.clear()
    request.session.update(pending=principal.account_id, pending_since=get_container(request).clock.now().timestamp(),
                           pending_next=_safe_next(next) or "", csrf=secrets.token_urlsafe(32))
    return RedirectResponse("/login/code" if step is SecondStep.CODE else "/login/set-up", status_code=303)


def _pending(request: Request) -> int | None:
    """Whose password was right a moment ago, if it was less than a few minutes ago."""
    account_id, since = request.session.get("pending"), request.session.get("pending_since")
    if not isinstance(account_id, int) or not isinstance(since, float | int):
        return None
    if get_container(request).clock.now().timestamp() - since > SECOND_STEP_MINUTES * 60:
        return None
    return account_id


def _back_to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


@router.get("/login/code", response_class=HTMLResponse)
def code_form(request: Request):
    if _pending(request) is None:
        return _back_to_login()
    return render(request, "login_code.html", error=None)


@router.post("/login/code", response_class=HTMLResponse)
def code(request: Request, code: Code, csrf: Csrf = ""):
    check_csrf(request, csrf)
    account_id = _pending(request)
    if account_id is None:
        return _back_to_login()
    try:
        principal = get_container(request).accounts.verify_second_factor(account_id, code, client_address(request))
    except Unauthenticated as err:
        if err.code != "wrong_code":
            return _back_to_login()
        return _error_page(request, "login_code.html", err)
    except SurakshaError as err:
        return _error_page(request, "login_code.html", err)
    return _start_session(request, principal, request.session.get("pending_next"))


def _set_up_context(request: Request, account_id: int) -> dict:
    set_up = get_container(request).accounts.begin_authenticator_set_up(account_id)
    qr = segno.make(set_up.uri, error="m")
    return {"secret": " ".join(set_up.secret[i:i + 4] for i in range(0, len(set_up.secret), 4)),
            "qr_svg": qr.svg_inline(scale=5, dark="#111", light="#fff", title="authenticator set-up code"),
            "uri": set_up.uri}


@router.get("/login/set-up", response_class=HTMLResponse)
def set_up_form(request: Request):
    account_id = _pending(request)
    if account_id is None:
        return _back_to_login()
    try:
        context = _set_up_context(request, account_id)
    except SurakshaError:
        return _back_to_login()
    return render(request, "login_set_up.html", error=None, **context)


@router.post("/login/set-up", response_class=HTMLResponse)
def set_up(request: Request, code: Code, csrf: Csrf = ""):
    check_csrf(request, csrf)
    account_id = _pending(request)
    if account_id is None:
        return _back_to_login()
    accounts = get_container(request).accounts
    try:
        codes = accounts.confirm_authenticator(account_id, code, client_address(request))
    except Unauthenticated as err:
        return _error_page(request, "login_set_up.html", err, **_set_up_context(request, account_id))
    except SurakshaError:
        return _back_to_login()
    principal = accounts.principal_by_id(account_id)
    if principal is None:
        return _back_to_login()
    next_page = _safe_next(request.session.get("pending_next")) or landing_page(principal)
    _start_session(request, principal, next_page)
    return render(request, "recovery_codes.html", principal=principal, codes=codes, next=next_page)


@router.post("/logout")
def logout(request: Request, csrf: Csrf = ""):
    check_csrf(request, csrf)
    if request.session.get("sid"):
        get_container(request).accounts.end_session(str(request.session["sid"]))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, principal: MaybePrincipal):
    if principal is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    step, since, left = get_container(request).accounts.second_factor_status(principal.account_id)
    return render(request, "account.html", principal=principal, needs_code=step is SecondStep.CODE, since=since,
                  codes_left=left)


@router.post("/account/recovery-codes", response_class=HTMLResponse)
def new_recovery_codes(request: Request, csrf: Csrf = ""):
    principal = form_principal(request, csrf)
    if principal is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    codes = get_container(request).accounts.new_recovery_codes(principal.account_id)
    return render(request, "recovery_codes.html", principal=principal, codes=codes, next="/account")
