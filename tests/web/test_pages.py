"""Pages over HTTP: each role lands on its own page after sign-in, the navigation shows only what the role may
use, and pages show the city's local time."""

from __future__ import annotations

import re

import pytest

from tests.conftest import web_sign_in

NAV = re.compile(r'<nav data-testid="nav">(.*?)</nav>', re.S)




def nav_links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', NAV.search(html).group(1))


@pytest.mark.parametrize("username,landing,allowed,hidden", [
    ("dispatcher", "/console", {"/console", "/incidents"}, {"/registry", "/responder"}),
    ("officer", "/console", {"/console", "/incidents"}, {"/registry"}),
    ("responder", "/responder", {"/responder", "/console"}, {"/registry"}),
    ("admin", "/console", {"/console"}, {"/registry"}),
    ("registry", "/registry", {"/registry", "/registry/upload", "/registry/merges", "/registry/alerts"},
     {"/console", "/incidents", "/registry/audit", "/registry/oversight"}),
    ("supervisor", "/registry/oversight", {"/registry/oversight", "/registry/audit", "/registry", "/registry/merges"},
     {"/console", "/incidents", "/registry/upload"}),
])
def test_each_role_lands_on_its_own_page_and_sees_only_its_pages(server_url, container, username, landing, allowed, hidden):
    client, r = web_sign_in(server_url, container, username)
    try:
        assert r.status_code == 303 and r.headers["location"] == landing
        page = client.get(landing)
        assert page.status_code == 200
        links = set(nav_links(page.text))
        assert allowed <= links and not (hidden & links), links
        assert {"/directory", "/track"} <= links
    finally:
        client.close()


def test_a_registry_officer_has_no_console(server_url, container):
    client, _ = web_sign_in(server_url, container, "registry")
    try:
        r = client.get("/console", headers={"accept": "text/html"})
        assert r.status_code == 403 and "registry_officer role has no console" in r.text
        assert client.get("/console", headers={"accept": "application/json"}).json()["error"]["code"] == "forbidden_role"
    finally:
        client.close()


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(server_url, container):
    client, r = web_sign_in(server_url, container, "dispatcher", "/incidents")
    client.close()
    assert r.headers["location"] == "/incidents"
    client, r = web_sign_in(server_url, container, "dispatcher", "//evil.example/console")
    client.close()
    assert r.headers["location"] == "/console"


def test_the_public_pages_show_mumbais_local_time(http, make_incident):
    tracking = make_incident()
    page = http.get("/track", params={"tracking": tracking}).text
    shown = re.sub(r'datetime="[^"]*"', "", page)  # the machine-readable attribute is ISO 8601 with its offset
    assert "22 Nov 2026, 10:00 IST" in shown and "04:30" not in shown and "UTC" not in shown
