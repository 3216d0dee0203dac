"""Body limits, enforced while the body is read: 413 before any signature check, parsing or session."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI, File, UploadFile
from sqlalchemy import func, select

from suraksha.adapters.db import metadata
from suraksha.http.limits import DEFAULT_MAX_BYTES, WEBHOOK_MAX_BYTES, BodyLimitMiddleware, body_limit
from tests.registry.registry_data import RAMESH, csv_bytes

WEBHOOK = "/webhooks/twilio/sms"


def stored(container) -> dict[str, int]:
    with container.engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(metadata.tables[t])).scalar_one()
                for t in ("incidents", "inbound_messages", "events")}


def chunks(total: int, size: int = 8 * 1024):
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def assert_too_large(r: httpx.Response) -> None:
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "body_too_large"
    assert r.headers["x-content-type-options"] == "nosniff"  # the refusal is a response like any other
    assert "set-cookie" not in r.headers  # refused before the session machinery


def test_the_limit_of_each_route():
    assert body_limit("POST", "/webhooks/twilio/sms", 50) == 64 * 1024
    for path in ("/api/v1/stations/import", "/api/v1/registry/imports", "/registry/upload",
                 "/api/v1/registry/registrations/17/files"):
        assert body_limit("POST", path, 50 * 1024 * 1024) == 50 * 1024 * 1024, path
        assert body_limit("GET", path, 50 * 1024 * 1024) == 1024 * 1024, path
    assert body_limit("POST", "/api/v1/registry/registrations/17/files/x", 50) == 1024 * 1024
    assert body_limit("POST", "/api/v1/incidents/ABCD-EFGH/notes", 50) == 1024 * 1024


def test_an_oversized_webhook_is_refused_by_its_content_length_and_nothing_is_stored(sms, container):
    before = stored(container)
    form = sms.form("help " * (WEBHOOK_MAX_BYTES // 4))  # signed: the limit comes before the signature
    r = sms.post(form)
    assert_too_large(r)
    assert int(r.request.headers["content-length"]) > WEBHOOK_MAX_BYTES
    assert stored(container) == before
    assert sms.send("please help").status_code == 200  # and the next, normal one is taken


def test_an_oversized_chunked_webhook_is_refused_while_it_is_read_and_nothing_is_stored(http, container):
    before = stored(container)
    r = http.post(WEBHOOK, content=chunks(WEBHOOK_MAX_BYTES + 16 * 1024),
                  headers={"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "x"})
    assert "content-length" not in r.request.headers and r.request.headers["transfer-encoding"] == "chunked"
    assert_too_large(r)
    assert stored(container) == before


def test_a_chunked_body_within_the_limit_is_read_as_usual(http):
    r = http.post("/api/v1/auth/token", content=chunks(2000, size=100),
                  headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422  # read and parsed (no username): not refused for its size


def test_other_routes_take_one_mebibyte(http, auth):
    big = json.dumps({"name": "Ramesh", "purpose": "investigation", "pad": "x" * DEFAULT_MAX_BYTES})
    assert_too_large(http.post("/api/v1/registry/linkage", headers=auth("registry") | {"content-type": "application/json"},
                               content=big))
    assert_too_large(http.post("/login", data={"username": "dispatcher", "password": "x" * DEFAULT_MAX_BYTES}))
    r = http.post("/api/v1/registry/linkage", headers=auth("registry") | {"content-type": "application/json"},
                  content=chunks(DEFAULT_MAX_BYTES + 1))  # chunked: FastAPI's own 400 for the body becomes our 413
    assert_too_large(r)


def test_uploads_above_one_mebibyte_are_still_taken(http, auth, test_settings):
    assert test_settings.upload_max_bytes == 50 * 1024 * 1024
    registry = auth("registry")
    r = http.post("/api/v1/registry/imports", headers=registry, data={"state": ""},
                  files={"file": ("registry.csv", csv_bytes(RAMESH) + b"\n" * (2 * DEFAULT_MAX_BYTES), "text/csv")})
    assert r.status_code == 200, r.text
    found = http.get("/api/v1/registry/search", headers=registry,
                     params={"name": "Ramesh Yadav", "purpose": "investigation"}).json()
    registration_id = found["results"][0]["registration_id"]
    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * DEFAULT_MAX_BYTES)
    r = http.post(f"/api/v1/registry/registrations/{registration_id}/files", headers=registry,
                  files={"file": ("face.png", photo, "image/png")}, data={"kind": "photo"})
    assert r.status_code == 200 and r.json()["size"] == len(photo), r.text
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Big PS", "pad": "x" * (2 * DEFAULT_MAX_BYTES)},
         "geometry": {"type": "Polygon", "coordinates": [[[80, 10], [80.01, 10], [80.01, 10.01], [80, 10]]]}}]}
    r = http.post("/api/v1/stations/import", headers=auth("admin"), data={"city": "Big Town", "state": "TN"},
                  files={"file": ("t.geojson", json.dumps(doc), "application/geo+json")})
    assert r.status_code == 200 and r.json()["created"] == 1, r.text


def _upload_app(limit: int) -> BodyLimitMiddleware:
    app = FastAPI()

    @app.post("/api/v1/registry/imports")
    async def take(file: UploadFile = File()):
        return {"size": len(await file.read())}

    return BodyLimitMiddleware(app, upload_max_bytes=limit)


def post(app, content, headers=None) -> httpx.Response:
    async def go():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            if isinstance(content, dict):
                return await client.post("/api/v1/registry/imports", files=content)
            return await client.post("/api/v1/registry/imports", content=content, headers=headers)

    with ThreadPoolExecutor(1) as pool:  # its own thread: a Playwright session may hold this thread's loop
        return pool.submit(asyncio.run, go()).result()


@pytest.mark.parametrize("size", [1000, 5000])
def test_an_upload_over_the_upload_limit_is_refused(size):
    app = _upload_app(4000)
    r = post(app, {"file": ("a.csv", b"a" * size, "text/csv")})
    if size < 4000:
        assert r.status_code == 200 and r.json() == {"size": size}
    else:
        assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"


def test_a_chunked_upload_over_the_limit_is_refused_even_when_the_form_parser_catches_it():
    async def body():
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
        for _ in range(10):
            yield b"a" * 1000
        yield b"\r\n--b--\r\n"

    r = post(_upload_app(4000), body(), headers={"content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
