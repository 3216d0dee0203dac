"""HTTP for accounts: the OAuth2 password flow for API clients, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from suraksha.web.deps import CurrentPrincipal, get_container

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/auth/token", summary="OAuth2 password flow: username and password for a bearer token")
def issue_token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    c = get_container(request)
    principal = c.accounts.authenticate(form.username, form.password)
    token, ttl = c.accounts.issue_token(principal)
    return {"access_token": token, "token_type": "bearer", "expires_in": ttl}


@router.get("/me", summary="The signed-in account")
def me(principal: CurrentPrincipal):
    return {"username": principal.username, "role": principal.role.value,
            "scope": {"kind": principal.scope_kind.value, "value": principal.scope_value}}
