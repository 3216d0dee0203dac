"""Sign-in that resists guessing: waits that grow per account and per address, a lock an administrator lifts,
and a flood that costs the server a read per try, not a password hash."""

from __future__ import annotations

import re

import httpx

from tests.conftest import TEST_PASSWORD, second_factor_code


def token(http, username: str, password: str) -> httpx.Response:
    return http.post("/api/v1/auth/token", data={"username": username, "password": password})


def right(http, container, username: str) -> httpx.Response:
    """The right password and a right one-time code."""
    return http.post("/api/v1/auth/token", data={"username": username, "password": TEST_PASSWORD,
                                                 "otp": second_factor_code(container, username)})


def test_wrong_passwords_make_the_next_try_wait_longer_then_the_right_one_works(http, container):
    for _ in range(5):  # five are free; then each try waits 1, 2, 4 … seconds
        assert token(http, "dispatcher", "wrong password!").status_code == 401
    slowed = right(http, container, "dispatcher")  # even the right password waits
    assert slowed.status_code == 429 and slowed.json()["error"]["code"] == "too_many_attempts"
    assert int(slowed.headers["retry-after"]) >= 1
    container.clock.advance(seconds=int(slowed.headers["retry-after"]))
    assert right(http, container, "dispatcher").status_code == 200
    for _ in range(5):  # a success starts the count again
        assert token(http, "dispatcher", "wrong password!").status_code == 401


def test_an_account_that_keeps_failing_is_locked_until_an_administrator_unlocks_it(http, container, auth):
    admin = auth("admin")
    for _ in range(20):
        r = token(http, "officer", "wrong password!")
        if r.status_code == 429:
            container.clock.advance(seconds=int(r.headers["retry-after"]))
            r = token(http, "officer", "wrong password!")
        assert r.status_code == 401
    container.clock.advance(hours=2)
    locked = right(http, container, "officer")
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "account_locked"
    assert "retry-after" not in locked.headers
    assert http.post("/api/v1/accounts/officer/unlock", headers=admin).status_code == 200
    assert right(http, container, "officer").status_code == 200


def test_one_address_guessing_many_accounts_is_slowed_and_a_flood_stays_cheap(http):
    for i in range(5):
        assert token(http, f"guess{i}", "wrong password!").status_code == 401
    answers = [token(http, f"guess{i}", "wrong password!").status_code for i in range(50)]
    assert set(answers) == {429}  # refused before any password is hashed


def test_the_sign_in_page_says_when_to_try_again(server_url):
    with httpx.Client(base_url=server_url, timeout=30) as client:
        for _ in range(7):
            csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
            r = client.post("/login", data={"username": "responder", "password": "wrong password!", "csrf": csrf})
        assert r.status_code == 429 and "try again in" in r.text and int(r.headers["retry-after"]) >= 1
