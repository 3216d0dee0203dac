"""Request dependencies shared by every capability's routes: the container, the signed-in principal, roles."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from suraksha.core.auth import Principal, Role
from suraksha.core.errors import Forbidden, Unauthenticated

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"


def get_container(request: Request):
    return request.app.state.container


def _session_principal(request: Request) -> Principal | None:
    """The cookie carries a random session id; the session itself lives on the server (it can be ended)."""
    session_id = request.session.get("sid") if "session" in request.scope else None
    if not session_id:
        return None
    principal = get_container(request).accounts.principal_for_session(str(session_id))
    if principal is None:
        # Only the ended session goes. The CSRF token stays: a sign-in form open in another tab carries it, and a
        # request from a page left open (its event stream reconnecting) must not take it away before she submits.
        # Signing in starts a new cookie with a new token (no fixation).
        del request.session["sid"]
    return principal


def client_address(request: Request) -> str:
    """The address a request came from ("" if unknown): sign-in throttling counts failures per address."""
    return request.client.host if request.client else ""


def check_csrf(request: Request, submitted: str | None) -> None:
    """Cookie-authenticated changes must carry the session's CSRF token (header or form field)."""
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise Forbidden("missing or wrong CSRF token", code="csrf_failed")


def optional_principal(request: Request) -> Principal | None:
    """Bearer token first (API clients), then the web session (the console)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return get_container(request).accounts.principal_for_token(auth[7:].strip())
    principal = _session_principal(request)
    if principal is not None and request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return principal


def form_principal(request: Request, csrf: str) -> Principal | None:
    """For an HTML form post: the session's principal (None without one), once the form's own CSRF field has
    been checked (the header that scripts send is not there)."""
    principal = _session_principal(request)
    if principal is not None:
        check_csrf(request, csrf)
    return principal


def page_principal(request: Request, path: str, roles: Iterable[Role], page: str,
                   csrf: str | None = None) -> Principal | RedirectResponse:
    """Who may use a staff page: a way to sign in for nobody, 403 for a role outside `roles` (`page` names the page
    in the refusal). With `csrf`, a form post: the form's CSRF field is checked (a bearer client sends none)."""
    bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    principal = optional_principal(request) if csrf is None or bearer else form_principal(request, csrf)
    if principal is None:
        return RedirectResponse(f"/login?next={path}", status_code=303)
    if principal.role not in set(roles):
        raise Forbidden(f"the {principal.role.value} role has no {page}", code="forbidden_role")
    return principal


async def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """Async, as the role check below: a plain check runs on the event loop, where a sync dependency would take
    a round trip through the thread pool (optional_principal reads the database, so it stays sync)."""
    if principal is None:
        raise Unauthenticated("sign in or send a bearer token", code="unauthenticated")
    return principal


def require_roles(*roles: Role | Iterable[Role]):
    """A dependency that lets only these roles through (403 `forbidden_role` otherwise)."""
    allowed: set[Role] = set()
    for r in roles:
        allowed.update([r] if isinstance(r, Role) else r)

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"the {principal.role.value} role may not do this", code="forbidden_role")
        return principal

    return dependency


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]

