"""Sessions that end: at sign-out, at a password change, by an administrator, when idle or too old."""

from __future__ import annotations

import re

import httpx

from tests.conftest import TEST_PASSWORD, csrf_of, web_sign_in


def sign_in(server_url: str, c, username: str = "dispatcher") -> httpx.Client:
    client, r = web_sign_in(server_url, c, username)
    assert r.status_code == 303 and not r.headers["location"].startswith("/login"), r.text
    return client


def signed_in(server_url: str, cookie: str) -> bool:
    with httpx.Client(base_url=server_url, timeout=30, cookies={"suraksha_session": cookie}) as other:
        return other.get("/api/v1/me").status_code == 200


def test_a_cookie_saved_before_sign_out_no_longer_works_after_it(server_url, container):
    client = sign_in(server_url, container)
    saved = client.cookies["suraksha_session"]
    assert signed_in(server_url, saved)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/console").text).group(1)
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    client.close()
    assert not signed_in(server_url, saved)


def test_a_password_change_and_an_administrator_end_sessions_and_tokens(server_url, container, http, auth):
    saved = sign_in(server_url, container).cookies["suraksha_session"]
    token = auth("dispatcher")
    container.accounts.set_password("dispatcher", TEST_PASSWORD)  # the same password, still a change
    assert not signed_in(server_url, saved)
    assert http.get("/api/v1/me", headers=token).status_code == 401
    saved = sign_in(server_url, container, "officer").cookies["suraksha_session"]
    r = http.post("/api/v1/accounts/officer/revoke", headers=auth("admin"))
    assert r.status_code == 200 and r.json()["ended"] >= 1
    assert not signed_in(server_url, saved)
    assert http.post("/api/v1/accounts/officer/revoke", headers=auth("supervisor")).status_code == 403
    assert http.post("/api/v1/accounts/nobody/revoke", headers=auth("admin")).status_code == 404


def test_a_session_ends_when_idle_and_when_too_old(server_url, container):
    saved = sign_in(server_url, container).cookies["suraksha_session"]
    container.clock.advance(minutes=29)
    assert signed_in(server_url, saved)  # used: the idle clock starts again
    container.clock.advance(minutes=31)
    assert not signed_in(server_url, saved)
    saved = sign_in(server_url, container).cookies["suraksha_session"]
    for _ in range(24):  # active all the time (11 h 36 min), but sessions end 12 hours after sign-in
        container.clock.advance(minutes=29)
        assert signed_in(server_url, saved)
    container.clock.advance(minutes=29)
    assert not signed_in(server_url, saved)


def test_a_stale_tab_does_not_spoil_a_sign_in_begun_after_the_session_ended(server_url, container):
    """A page left open (its event stream reconnecting) sends the ended session's cookie while the person signs in
    again: its answer must not take away the CSRF token that the sign-in form carries."""
    browser = sign_in(server_url, container)
    container.clock.advance(minutes=31)  # idle too long: the session has ended
    csrf = csrf_of(browser.get("/login?next=/console").text)
    assert browser.get("/api/v1/me").status_code == 401  # the old tab's request, between form and submit
    r = browser.post("/login", data={"username": "dispatcher", "password": TEST_PASSWORD, "csrf": csrf,
                                     "next": "/console"})
    browser.close()
    assert r.status_code == 303 and r.headers["location"] in {"/console", "/login/code"}, r.text
