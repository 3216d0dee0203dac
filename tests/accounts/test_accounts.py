"""Staff accounts: bearer tokens for the API, sessions with CSRF for the web, production refuses defaults."""

import re

import pytest
from pydantic import ValidationError

from suraksha.core.auth import Role, ScopeKind
from suraksha.core.errors import ConfigurationError, InvalidInput
from suraksha.entrypoints.app import check_start
from suraksha.settings import Settings
from tests.conftest import TEST_PASSWORD, csrf_of, second_factor_code


def test_password_flow_gives_a_bearer_token(http, container):
    r = http.post("/api/v1/auth/token", data={"username": "dispatcher", "password": TEST_PASSWORD,
                                              "otp": second_factor_code(container, "dispatcher")})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"
    me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert me == {"username": "dispatcher", "role": "dispatcher", "scope": {"kind": "city", "value": "mumbai"}}


def test_wrong_passwords_and_tokens_are_refused(http):
    bad = http.post("/api/v1/auth/token", data={"username": "dispatcher", "password": "wrong password!"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "bad_credentials"
    nobody = http.post("/api/v1/auth/token", data={"username": "nobody", "password": "wrong password!"})
    assert nobody.json()["error"]["code"] == "bad_credentials"
    assert http.get("/api/v1/me", headers={"Authorization": "Bearer forged"}).json()["error"]["code"] == "bad_token"


def test_tokens_expire(http, container, auth):
    headers = auth("officer")
    container.clock.advance(hours=13)
    assert http.get("/api/v1/me", headers=headers).status_code == 401


def test_passwords_are_argon2_hashes_and_must_be_long_enough(container):
    from sqlalchemy import select

    from suraksha.accounts.store import accounts

    with container.engine.connect() as conn:
        hashes = conn.execute(select(accounts.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    with pytest.raises(InvalidInput):
        container.accounts.create_account("short", "2short", Role.ADMIN, ScopeKind.NATIONAL)


def _login(http, c, username="dispatcher"):
    """Password, then the one-time code, through the pages."""
    r = http.post("/login", data={"username": username, "password": TEST_PASSWORD,
                                  "csrf": csrf_of(http.get("/login").text), "next": "/console"})
    assert r.status_code == 303 and r.headers["location"] == "/login/code"
    return http.post("/login/code", data={"code": second_factor_code(c, username),
                                          "csrf": csrf_of(http.get("/login/code").text)})


def test_web_sign_in_sets_a_protected_session_cookie(http, container):
    r = _login(http, container)
    assert r.status_code == 303 and r.headers["location"] == "/console"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert http.get("/console").status_code == 200


def test_sign_in_without_the_csrf_token_is_refused(http):
    http.get("/login")
    r = http.post("/login", data={"username": "dispatcher", "password": TEST_PASSWORD, "csrf": "guess"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"


def test_cookie_requests_that_change_things_need_the_csrf_header(http, make_incident, container):
    tracking = make_incident()
    _login(http, container)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', http.get("/console").text).group(1)
    body = {"disposition": "false_alarm"}
    refused = http.post(f"/api/v1/incidents/{tracking}/close", json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    ok = http.post(f"/api/v1/incidents/{tracking}/close", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200


def test_the_console_sends_strangers_to_sign_in(http):
    r = http.get("/console", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_production_refuses_default_secrets():
    with pytest.raises(ValidationError, match="SURAKSHA_SECRET_KEY"):
        Settings(env="production", twilio_auth_token="real-token-from-twilio")
    with pytest.raises(ValidationError, match="SURAKSHA_TWILIO_AUTH_TOKEN"):
        Settings(env="production", secret_key="a-real-secret-of-enough-length")
    assert Settings(env="production", secret_key="s" * 40, twilio_auth_token="t" * 32).env == "production"


def test_production_refuses_to_start_with_demo_accounts(container):
    container.accounts.create_account("demo-admin", TEST_PASSWORD, Role.ADMIN, ScopeKind.NATIONAL, is_demo=True)
    original = container.settings
    container.settings = original.model_copy(update={"env": "production"})
    try:
        with pytest.raises(ConfigurationError) as err:
            check_start(container)
        assert err.value.code == "demo_accounts_in_production"
    finally:
        container.settings = original


def test_the_demo_never_runs_in_production():
    from suraksha.demo.setup import prepare

    with pytest.raises(ConfigurationError):
        prepare(Settings(env="production", secret_key="s" * 40, twilio_auth_token="t" * 32), units=1)
