"""HTTP for accounts: the OAuth2 password flow for API clients, and who am I."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.http.deps import CurrentPrincipal, client_address, get_container, require_roles

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int = Field(description="seconds until the token expires")


class ScopeOut(BaseModel):
    kind: ScopeKind
    value: str = Field(description="station id, city key, state code, or empty for national")


class MeOut(BaseModel):
    username: str
    role: Role
    scope: ScopeOut


@router.post("/auth/token", response_model=TokenOut,
             summary="OAuth2 password flow: username, password and, for roles that need it, a one-time code",
             description="Administrators and the roles that read the offender registry or a victim's contacts "
                         "also send `otp`: the current code of the authenticator set up at their first web "
                         "sign-in, or one of their recovery codes. Without it: 401 `second_factor_required`; "
                         "with no authenticator set up yet: 403 `second_factor_not_set_up`.")
def issue_token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
                otp: Annotated[str, Form(max_length=64, description="one-time or recovery code")] = ""):
    c = get_container(request)
    principal = c.accounts.sign_in_for_token(form.username, form.password, otp, client_address(request))
    token, ttl = c.accounts.issue_token(principal)
    return {"access_token": token, "token_type": "bearer", "expires_in": ttl}


@router.get("/me", response_model=MeOut, summary="The signed-in account")
def me(principal: CurrentPrincipal):
    return {"username": principal.username, "role": principal.role.value,
            "scope": {"kind": principal.scope_kind.value, "value": principal.scope_value}}


class RevokedOut(BaseModel):
    username: str
    ended: int = Field(description="how many web sessions and bearer tokens were ended")


@router.post("/accounts/{username}/revoke", response_model=RevokedOut,
             summary="End every session and bearer token of an account (administrators)")
def revoke(request: Request, username: Annotated[str, Path(min_length=1, max_length=64)],
           principal: Annotated[Principal, Depends(require_roles(Role.ADMIN))]):
    return {"username": username, "ended": get_container(request).accounts.revoke(username)}


class UnlockedOut(BaseModel):
    username: str
    unlocked: bool


@router.post("/accounts/{username}/unlock", response_model=UnlockedOut,
             summary="Lift the lock put on an account after repeated wrong passwords (administrators)")
def unlock(request: Request, username: Annotated[str, Path(min_length=1, max_length=64)],
           principal: Annotated[Principal, Depends(require_roles(Role.ADMIN))]):
    get_container(request).accounts.unlock(username)
    return {"username": username, "unlocked": True}


class SecondFactorResetOut(BaseModel):
    username: str
    ended: int = Field(description="how many web sessions and bearer tokens were ended")


@router.post("/accounts/{username}/second-factor/reset", response_model=SecondFactorResetOut,
             summary="Remove a lost authenticator: the account sets up a new one at its next sign-in "
                     "(administrators)")
def reset_second_factor(request: Request, username: Annotated[str, Path(min_length=1, max_length=64)],
                        principal: Annotated[Principal, Depends(require_roles(Role.ADMIN))]):
    return {"username": username, "ended": get_container(request).accounts.reset_second_factor(username)}
