"""Two-step sign-in: administrators and every role that reads the registry or a victim's contacts need a one-time
code (TOTP, RFC 6238) after the password; a code is good once; recovery codes stand in for a lost phone; an
administrator can remove a lost authenticator. Responders and demo accounts sign in with the password alone."""

from __future__ import annotations

import re

import httpx
import pyotp
import pytest
from sqlalchemy import select

from suraksha.accounts.store import accounts
from suraksha.core.auth import ROLES_THAT_NEED_A_SECOND_FACTOR, Role, ScopeKind
from tests.conftest import RECOVERY_CODES, TEST_PASSWORD, TOTP_SECRETS, csrf_of, second_factor_code, web_sign_in


def token(http, username: str, otp: str | None = None) -> httpx.Response:
    form = {"username": username, "password": TEST_PASSWORD, **({"otp": otp} if otp is not None else {})}
    return http.post("/api/v1/auth/token", data=form)


def code_now(container, username: str, offset: int = 0) -> str:
    totp = pyotp.TOTP(TOTP_SECRETS[username])
    return totp.generate_otp(totp.timecode(container.clock.now()) + offset)


def test_the_roles_that_see_her_details_or_the_registry_need_a_second_factor():
    assert ROLES_THAT_NEED_A_SECOND_FACTOR == {Role.ADMIN, Role.DISPATCHER, Role.STATION_OFFICER,
                                                Role.REGISTRY_OFFICER, Role.REGISTRY_SUPERVISOR}


@pytest.mark.parametrize("username", ["admin", "registry", "supervisor", "dispatcher", "officer"])
def test_a_password_alone_gives_no_token_to_a_role_that_needs_a_code(http, container, username):
    r = token(http, username)
    assert r.status_code == 401 and r.json()["error"]["code"] == "second_factor_required"
    wrong = token(http, username, "000000" if code_now(container, username) != "000000" else "111111")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "wrong_code"
    assert token(http, username, code_now(container, username)).status_code == 200


def test_a_responder_signs_in_with_the_password_alone(http):
    assert token(http, "responder").status_code == 200


def test_a_code_is_accepted_once_and_drift_of_one_step_is_allowed(http, container):
    code = code_now(container, "admin")
    assert token(http, "admin", code).status_code == 200
    replay = token(http, "admin", code)
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "wrong_code"
    assert token(http, "admin", code_now(container, "admin", offset=1)).status_code == 200  # phone 30 s ahead
    container.clock.advance(seconds=30)  # the server catches up: that step is spent
    assert token(http, "admin", code_now(container, "admin")).status_code == 401
    container.clock.advance(seconds=30)
    assert token(http, "admin", code_now(container, "admin", offset=-1)).status_code == 401  # older than the last
    assert token(http, "admin", code_now(container, "admin")).status_code == 200
    container.clock.advance(minutes=5)
    assert token(http, "admin", code_now(container, "admin", offset=-3)).status_code == 401  # too old


def test_wrong_codes_are_throttled_and_a_right_password_does_not_reset_the_count(http, container):
    statuses = []
    for _ in range(8):
        r = token(http, "registry", "999999" if code_now(container, "registry") != "999999" else "888888")
        statuses.append(r.status_code)
    assert statuses[:5] == [401] * 5 and 429 in statuses[5:]
    slowed = token(http, "registry", code_now(container, "registry"))
    assert slowed.status_code == 429 and int(slowed.headers["retry-after"]) >= 1


def test_a_recovery_code_signs_in_once(http, container):
    code = RECOVERY_CODES["supervisor"][3]
    assert token(http, "supervisor", code.upper().replace("-", " ")).status_code == 200  # as typed off paper
    again = token(http, "supervisor", code)
    assert again.status_code == 401 and again.json()["error"]["code"] == "wrong_code"
    assert token(http, "supervisor", RECOVERY_CODES["admin"][0]).status_code == 401  # someone else's


def test_secrets_and_recovery_codes_are_not_stored_in_clear(container):
    with container.engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.username == "admin")).one()
        stored = " ".join(str(v) for r in conn.execute(select(accounts)) for v in r) + " ".join(
            str(v) for r in conn.exec_driver_sql("SELECT code_hash FROM recovery_codes") for v in r)
    assert row.totp_secret_sealed and TOTP_SECRETS["admin"] not in row.totp_secret_sealed
    for code in RECOVERY_CODES["admin"]:
        assert code.replace("-", "") not in stored and code not in stored


def test_the_first_sign_in_sets_up_the_authenticator_and_shows_recovery_codes_once(server_url, container, http, auth):
    container.accounts.create_account("new_admin", TEST_PASSWORD, Role.ADMIN, ScopeKind.NATIONAL)
    refused = token(http, "new_admin")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "second_factor_not_set_up"
    client = httpx.Client(base_url=server_url, timeout=30)
    r = client.post("/login", data={"username": "new_admin", "password": TEST_PASSWORD,
                                    "csrf": csrf_of(client.get("/login").text), "next": "/console"})
    assert r.status_code == 303 and r.headers["location"] == "/login/set-up"
    assert client.get("/console").status_code == 303  # not signed in yet
    page = client.get("/login/set-up").text
    assert "<svg" in page and "otpauth" not in page  # the QR picture, not the link with the secret
    secret = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert secret in client.get("/login/set-up").text.replace(" ", "")  # the same secret until confirmed
    wrong = client.post("/login/set-up", data={"code": "12345x", "csrf": csrf_of(page)})
    assert wrong.status_code == 401 and "not right" in wrong.text
    done = client.post("/login/set-up", data={"code": pyotp.TOTP(secret).at(container.clock.now()),
                                              "csrf": csrf_of(page)})
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.text)
    assert done.status_code == 200 and len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/console").status_code == 200  # signed in now
    account = client.get("/account").text
    assert re.search(r'data-testid="codes-left">10 of 10', account)
    client.close()
    # the next sign-in asks for a code; a recovery code works once; the page counts what is left
    TOTP_SECRETS["new_admin"], RECOVERY_CODES["new_admin"] = secret, codes
    container.clock.advance(seconds=30)
    client, r = web_sign_in(server_url, container, "new_admin", "/console")
    assert r.status_code == 303 and r.headers["location"] == "/console"
    assert token(http, "new_admin", codes[0]).status_code == 200
    assert re.search(r'data-testid="codes-left">9 of 10', client.get("/account").text)
    fresh = client.post("/account/recovery-codes", data={"csrf": csrf_of(client.get("/account").text)})
    new_codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", fresh.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert token(http, "new_admin", codes[1]).status_code == 401  # the old ones stop working
    client.close()


def test_the_code_step_expires_and_cannot_be_skipped(server_url, container):
    client = httpx.Client(base_url=server_url, timeout=30)
    r = client.post("/login", data={"username": "dispatcher", "password": TEST_PASSWORD,
                                    "csrf": csrf_of(client.get("/login").text)})
    assert r.headers["location"] == "/login/code"
    assert client.get("/console").status_code == 303 and client.get("/api/v1/me").status_code == 401
    page = client.get("/login/code").text
    container.clock.advance(minutes=6)
    late = client.post("/login/code", data={"code": second_factor_code(container, "dispatcher"),
                                            "csrf": csrf_of(page)})
    assert late.status_code == 303 and late.headers["location"] == "/login"
    assert client.get("/api/v1/me").status_code == 401
    fresh = httpx.Client(base_url=server_url, timeout=30)  # no password given: nothing to continue
    assert fresh.get("/login/code").headers["location"] == "/login"
    client.close()
    fresh.close()


def test_an_administrator_removes_a_lost_authenticator(server_url, container, http, auth):
    client, _ = web_sign_in(server_url, container, "officer", "/console")
    assert client.get("/api/v1/me").status_code == 200
    assert http.post("/api/v1/accounts/officer/second-factor/reset", headers=auth("dispatcher")).status_code == 403
    r = http.post("/api/v1/accounts/officer/second-factor/reset", headers=auth("admin"))
    assert r.status_code == 200 and r.json()["ended"] >= 1
    assert client.get("/api/v1/me").status_code == 401  # its sessions ended
    refused = token(http, "officer", code_now(container, "officer", offset=1))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "second_factor_not_set_up"
    assert http.post("/api/v1/accounts/nobody/second-factor/reset", headers=auth("admin")).status_code == 404
    client.close()


def test_demo_accounts_need_no_code(http, container):
    container.accounts.create_account("demo-officer", TEST_PASSWORD, Role.STATION_OFFICER, ScopeKind.CITY, "mumbai",
                                      is_demo=True)
    assert token(http, "demo-officer").status_code == 200
