"""Security headers on every response: pages, API, static files, errors; no-store wherever personal data may be."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from suraksha.adapters.metrics import Metrics
from suraksha.entrypoints.app import SurakshaApp
from suraksha.http.security import SecurityHeadersMiddleware, content_security_policy, tile_source
from suraksha.settings import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")


def assert_secured(r, *, geolocation: bool = False):
    assert r.headers["content-security-policy"] == CSP, r.request.url
    assert "'unsafe-inline'" not in r.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    policy = r.headers["permissions-policy"]
    for feature in ("camera=()", "microphone=()", "payment=()", "usb=()"):
        assert feature in policy
    assert ("geolocation=(self)" if geolocation else "geolocation=()") in policy
    assert "strict-transport-security" not in r.headers  # the test server's public URL is http


def test_a_page_an_api_answer_a_static_file_and_errors_carry_the_headers(http, auth):
    assert_secured(http.get("/console", headers=auth("dispatcher")))
    assert_secured(http.get("/directory"), geolocation=True)  # directory.js offers "use my location"
    assert_secured(http.get("/api/v1/incidents", headers=auth("dispatcher")))
    static = http.get("/static/app.css")
    assert static.status_code == 200
    assert_secured(static)
    for error in (http.get("/api/v1/no-such-thing"), http.get("/api/v1/incidents"),  # 404, 401
                  http.get("/console", headers={"accept": "text/html"}, follow_redirects=False),  # 303 to sign-in
                  http.post("/api/v1/stations/import", headers=auth("dispatcher")),  # 403
                  http.get("/api/v1/jurisdiction", params={"lat": "north"})):  # 422
        assert error.status_code >= 300
        assert_secured(error)


def test_personal_data_is_never_stored_by_a_cache(http, auth, make_incident, station_id):
    tracking = make_incident()
    dispatcher = auth("dispatcher")
    personal = [http.get("/api/v1/incidents", headers=dispatcher),
                http.get(f"/api/v1/incidents/{tracking}", headers=dispatcher),
                http.get("/api/v1/me", headers=dispatcher),
                http.get(f"/api/v1/stations/{station_id}/helpline-history", headers=auth("admin")),
                http.get("/console", headers=dispatcher), http.get("/incidents", headers=dispatcher),
                http.get("/registry", headers=auth("registry")), http.get("/registry/upload", headers=auth("registry")),
                http.get("/track", params={"tracking": tracking}), http.get("/login"),
                http.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"}),
                http.post("/webhooks/twilio/sms", data={"Body": "unsigned"})]
    for r in personal:
        assert r.headers.get("cache-control") == "no-store", (r.request.url, r.status_code)
    public = [http.get("/api/v1/jurisdiction", params={"lat": 18.92, "lon": 72.83}),
              http.get("/api/v1/stations", params={"q": "Colaba"}), http.get("/api/v1/stations.geojson"),
              http.get(f"/api/v1/stations/{station_id}"), http.get("/directory"), http.get("/static/console.js")]
    for r in public:
        assert r.status_code == 200, r.request.url
        assert "no-store" not in r.headers.get("cache-control", ""), r.request.url


def call(app, path: str) -> httpx.Response:
    """One GET through an ASGI app in memory, exceptions answered as the server would (500)."""
    async def go():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get(path)

    with ThreadPoolExecutor(1) as pool:  # its own thread: a Playwright session may hold this thread's loop
        return pool.submit(asyncio.run, go()).result()


def _tiny(settings: Settings, path: str) -> httpx.Response:
    async def hello(request):
        return PlainTextResponse("hello", headers={"cache-control": "public, max-age=60"})

    app = Starlette(routes=[Route("/api/v1/incidents", hello), Route("/api/v1/stations", hello)])
    return call(SecurityHeadersMiddleware(app, settings=settings), path)


def test_hsts_only_when_the_public_url_is_https():
    secure = _tiny(Settings(public_url="https://suraksha.example.in", tile_url=""), "/api/v1/incidents")
    assert secure.headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
    assert secure.headers["cache-control"] == "no-store"  # ours replaces the app's on personal data
    plain = _tiny(Settings(public_url="http://127.0.0.1:8000", tile_url=""), "/api/v1/stations")
    assert "strict-transport-security" not in plain.headers
    assert plain.headers["cache-control"] == "public, max-age=60"  # public: the app's own is kept
    assert plain.headers["content-security-policy"] == CSP


@pytest.mark.parametrize(("tile_url", "source"), [
    ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
    ("https://tiles.example.in/{z}/{x}/{y}.png", "https://tiles.example.in"),
    ("", None),
])
def test_the_tile_host_is_allowed_for_images(tile_url, source):
    assert tile_source(tile_url) == source
    img = content_security_policy(tile_url).split("img-src ")[1].split(";")[0]
    assert img == ("'self' data: " + source if source else "'self' data:")


def test_an_unexpected_error_still_carries_the_headers():
    app = SurakshaApp()
    app.state.container = SimpleNamespace(settings=Settings(public_url="https://suraksha.example.in", tile_url=""),
                                          metrics=Metrics())

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("boom")

    r = call(app, "/api/v1/boom")
    assert r.status_code == 500
    assert r.headers["content-security-policy"] == CSP and r.headers["cache-control"] == "no-store"
    assert r.headers["strict-transport-security"].startswith("max-age=")
