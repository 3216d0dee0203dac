"""Her sealed identity (issue 12, point 6): her name, phone and address sealed at rest with a key that rotates (new
values with the newest key, old ones still open, a re-seal moves them); shown as a pseudonym in every list, page,
event and log line of a case's whole life; unsealed only by the case's IO with a reason, every request audited."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy import select

from suraksha.bootstrap import build_container
from suraksha.cases.identity import SealedIdentity
from suraksha.core.privacy import Sealer, key_id_of
from suraksha.migrations.tables import metadata
from tests.cases.conftest import ADDRESS, NAME, PHONE_E164, SECRETS, fir_body, principal
from tests.conftest import web_sign_in

SECRET = "test-secret-key-for-suraksha"  # tests/conftest.py's secret key
K1, K2 = ("k1", "first-ring-key-0123456789"), ("k2", "second-ring-key-0123456789")
SEALED = ("victim_name_sealed", "victim_phone_sealed", "victim_address_sealed", "summary_sealed")


def sealed_columns(container) -> list[tuple]:
    cases = metadata.tables["cases"]
    with container.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*(cases.c[c] for c in SEALED)).order_by(cases.c.id))]


def test_keys_rotate_new_writes_take_the_newest_old_values_still_open_a_reseal_moves_them(
        http, bearer, container, test_settings, register):
    first = register()  # sealed by the secret key's key, as before any ring
    assert {key_id_of(v) for row in sealed_columns(container) for v in row} == {""}
    raw = " ".join(v for row in sealed_columns(container) for v in row)
    assert all(secret not in raw for secret in SECRETS)

    ring1 = SealedIdentity(container.engine, container.clock, Sealer(SECRET, [K1]))
    assert ring1.stale() == 1 and ring1.reseal() == 1 and ring1.stale() == 0 and ring1.reseal() == 0
    assert {key_id_of(v) for row in sealed_columns(container) for v in row} == {"k1"}

    # a server whose ring has a new key first: it writes with k2 and still reads what k1 and the secret key sealed
    rotated = build_container(test_settings.model_copy(update={"seal_keys": SecretStr(_ring(K2, K1))}), clock=container.clock)
    try:
        rotated.stations.reload()
        officer = principal(rotated, "officer")
        second = rotated.cases.register(officer, _fir(container, first["station_id"]))
        assert {key_id_of(v) for v in sealed_columns(container)[1]} == {"k2"}
        assert rotated.cases.view(officer, first["fir_number"])["summary"].startswith(first["victim"]["pseudonym"])
        assert rotated.cases.identity.stale() == 1
        assert rotated.cases.reseal(batch=1) == 1 and rotated.cases.identity.stale() == 0
    finally:
        rotated.engine.dispose()
    assert {key_id_of(v) for row in sealed_columns(container) for v in row} == {"k2"}
    only_k2 = Sealer(SECRET, [K2])
    name, phone, address, summary = (only_k2.unseal(v) for v in sealed_columns(container)[0])
    assert (name, phone, address) == (NAME, PHONE_E164, ADDRESS) and NAME not in summary
    assert only_k2.unseal(sealed_columns(container)[1][0]) == NAME and second["fir_number"].endswith("0002")


def _ring(*keys: tuple[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in keys)


def _fir(container, station_id):
    from datetime import UTC, datetime

    from suraksha.cases.model import Accused, Fir, Victim

    return Fir(station_id, ("BNS 64",), datetime(2026, 11, 21, 16, 0, tzinfo=UTC), "Colaba",
               Victim(NAME, PHONE_E164, ADDRESS, 24, "mr"), (Accused(False),), "PSI Jadhav",
               "She reports that a man assaulted her near the depot.")


def test_suraksha_cases_reseal_moves_every_case_to_the_newest_key(tmp_path):
    url = f"sqlite:///{tmp_path / 'reseal.db'}"
    env = {**os.environ, "SURAKSHA_DATABASE_URL": url, "SURAKSHA_SECRET_KEY": SECRET}

    def run(*args, ring: str = ""):
        return subprocess.run([sys.executable, "-m", "suraksha", *args], env=env | {"SURAKSHA_SEAL_KEYS": ring},
                              capture_output=True, text=True, timeout=120)

    assert run("db", "upgrade").returncode == 0
    from suraksha.core.clock import SystemClock
    from suraksha.settings import Settings

    c = build_container(Settings(database_url=url, secret_key=SECRET), clock=SystemClock())
    try:
        c.stations.import_geojson(b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                                  b'{"name": "Test Station"}, "geometry": {"type": "Polygon", "coordinates": '
                                  b'[[[72.80, 18.90], [72.84, 18.90], [72.84, 18.94], [72.80, 18.94], [72.80, 18.90]]]}}]}',
                                  "mumbai", actor="tests", state="MH")
        from suraksha.core.auth import Principal, Role, ScopeKind

        station = c.stations.all("mumbai")[0]
        officer = Principal(1, "o", Role.STATION_OFFICER, ScopeKind.STATION, str(station.id))
        c.cases.register(officer, _fir(c, station.id))
        c.cases.register(officer, _fir(c, station.id))
    finally:
        c.engine.dispose()
    done = run("cases", "reseal", ring=_ring(K1))
    assert done.returncode == 0, done.stderr
    assert "2 cases sealed again with key k1" in done.stdout and "0 still hold" in done.stdout
    done = run("cases", "reseal", ring=_ring(K2))  # k1 dropped before its values were moved: they cannot open
    assert done.returncode != 0


def test_unsealing_is_for_the_cases_io_with_a_reason_and_every_request_is_audited(http, bearer, officers, register):
    number = register(io_username="io_a")["fir_number"]
    url = f"/api/v1/firs/{number}/unseal"
    body = {"reason": "to call her about the medical examination"}
    for who, status, code in (("dispatcher", 403, "unseal_forbidden_role"), ("admin", 403, "unseal_forbidden_role"),
                              ("registry", 403, "unseal_forbidden_role"), ("responder", 403, "unseal_forbidden_role"),
                              ("officer", 403, "not_the_investigating_officer"),
                              ("io_b", 403, "not_the_investigating_officer"), ("dcp", 403, "not_the_investigating_officer"),
                              ("sho_b", 404, "case_not_found")):
        r = http.post(url, json=body, headers=bearer(who))
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), who
        assert all(secret not in r.text for secret in SECRETS)
    r = http.post(url, json={"reason": " "}, headers=bearer("io_a"))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "reason_required")
    r = http.post(url, json=body, headers=bearer("io_a"))
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in ("name", "phone", "address", "unsealed_by")} == \
        {"name": NAME, "phone": PHONE_E164, "address": ADDRESS, "unsealed_by": "io_a"}
    case = http.get(f"/api/v1/firs/{number}", headers=bearer("officer")).json()
    audit = [(u["actor"], u["role"], u["granted"], u["refused_code"]) for u in case["unsealings"]]
    assert audit == [("dispatcher", "dispatcher", False, "unseal_forbidden_role"),
                     ("admin", "admin", False, "unseal_forbidden_role"),
                     ("registry", "registry_officer", False, "unseal_forbidden_role"),
                     ("responder", "responder", False, "unseal_forbidden_role"),
                     ("officer", "station_officer", False, "not_the_investigating_officer"),
                     ("io_b", "station_officer", False, "not_the_investigating_officer"),
                     ("dcp", "station_officer", False, "not_the_investigating_officer"),
                     ("sho_b", "station_officer", False, "out_of_scope"),
                     ("io_a", "station_officer", False, "reason_required"),
                     ("io_a", "station_officer", True, None)]
    assert case["unsealings"][-1]["reason"] == body["reason"]
    assert case["timeline"][-1]["kind"] == "identity_unsealed" and case["timeline"][-1]["actor"] == "io_a"
    assert http.post("/api/v1/firs/MUM-1-2026-9999/unseal", json=body, headers=bearer("io_a")).status_code == 404
    # after re-assignment the old IO is refused, the new one may
    http.post(f"/api/v1/firs/{number}/io", json={"username": "io_b", "reason": "transferred to crime branch"},
              headers=bearer("officer"))
    assert http.post(url, json=body, headers=bearer("io_a")).json()["error"]["code"] == \
        "not_the_investigating_officer"
    assert http.post(url, json=body, headers=bearer("io_b")).json()["name"] == NAME


def test_no_victim_detail_in_any_list_page_event_or_log_line_of_a_case_lifecycle(
        http, bearer, container, server_url, station_id, officers, make_incident, other_station, caplog):
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def look(r):
        assert r.status_code < 400, r.text
        seen.append(r.text)
        return r

    tracking = make_incident(f"Help, I am {NAME}, call {PHONE_E164}")
    made = look(http.post("/api/v1/firs", json=fir_body(station_id, incident_tracking=tracking, io_username="io_a"),
                          headers=bearer("officer"))).json()
    number, alias = made["fir_number"], made["victim"]["pseudonym"]
    assert made["summary"].startswith(alias) and "(phone " + alias + ")" in made["summary"]
    look(http.post(f"/api/v1/firs/{number}/io", json={"username": "io_b", "reason": "io_a on leave"},
                   headers=bearer("officer")))
    look(http.post(f"/api/v1/firs/{number}/delays", json={"category": "medical_report_awaited",
                                                           "reason": "report from JJ hospital awaited"},
                   headers=bearer("io_b")))
    unsealed = http.post(f"/api/v1/firs/{number}/unseal", json={"reason": "to call her for her statement"},
                         headers=bearer("io_b"))
    assert unsealed.json()["name"] == NAME  # the one answer that carries her identity
    http.post(f"/api/v1/firs/{number}/unseal", json={"reason": "curious"}, headers=bearer("dispatcher"))
    for day in (30, 45, 55, 61):
        container.clock._now = made_at(made) + timedelta(days=day)
        container.cases.fire_due()
    anchor = other_station.anchor
    zero = look(http.post("/api/v1/firs", json=fir_body(station_id, place_lat=anchor.lat, place_lon=anchor.lon),
                          headers=bearer("officer"))).json()
    look(http.post(f"/api/v1/firs/{zero['fir_number']}/transfer", json={}, headers=bearer("officer")))
    look(http.post(f"/api/v1/firs/{number}/charge-sheet", json={"reference": "CS 9/2027"}, headers=bearer("io_b")))
    for who in ("officer", "io_b", "admin", "dcp", "sho_b"):
        for path in ("/api/v1/firs?status=all", "/api/v1/firs", "/api/v1/case-alerts", f"/api/v1/firs/{number}"):
            if who == "sho_b" and path.endswith(number):
                continue
            look(http.get(path, headers=bearer(who)))
    client, _ = web_sign_in(server_url, container, "io_b")
    for page in ("/cases", "/cases?show=all", f"/cases/{number}", "/hi/cases?show=stopped", f"/mr/cases/{number}"):
        look(client.get(page))
    with container.engine.connect() as conn:
        for table in ("events", "case_log", "case_timers", "case_unsealings", "case_accused", "cases"):
            seen.extend(str(tuple(r)) for r in conn.execute(select(metadata.tables[table])))
    for line in (f"FIR {number} registered at station", "unsealing refused on FIR", f"identity unsealed on FIR {number}",
                 "investigation clock breach", "transferred to station"):
        assert line in caplog.text, line  # the server's own log lines are captured too
    text = "\n".join(seen) + "\n" + caplog.text
    assert alias in text
    leaks = [secret for secret in SECRETS if secret.lower() in text.lower()]
    assert not leaks, leaks


def made_at(case: dict):
    from datetime import datetime

    return datetime.fromisoformat(case["registered_at"])


def test_the_page_unseals_for_the_io_only_and_keeps_nothing(server_url, container, officers, register):
    number = register(io_username="io_a")["fir_number"]
    from tests.conftest import csrf_of

    client, _ = web_sign_in(server_url, container, "officer")
    page = client.get(f"/cases/{number}")
    refused = client.post(f"/cases/{number}/unseal", data={"csrf": csrf_of(page.text), "reason": "to check"})
    assert refused.status_code == 403 and 'data-testid="error"' in refused.text and NAME not in refused.text
    io, _ = web_sign_in(server_url, container, "io_a")
    page = io.get(f"/mr/cases/{number}")
    shown = io.post(f"/mr/cases/{number}/unseal", data={"csrf": csrf_of(page.text), "reason": "to call her"})
    assert shown.status_code == 200 and 'data-testid="identity"' in shown.text and NAME in shown.text
    assert "no-store" in shown.headers.get("cache-control", "")
    assert NAME not in io.get(f"/cases/{number}").text  # sealed again on the next look
