"""The public help form (issue 9, point 4): POST /api/v1/help through the real HTTP path, on SQLite and PostgreSQL.
Valid submissions (help now and report, with a pin, a typed place or no location), retries, every check against
machines (token, expiry, reuse, proof of work, honeypot, fill time, rate limit), malformed payloads, and what she
is told (by SMS or WhatsApp to her number, or nothing at all when she asked not to be contacted)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from suraksha.adapters.db import metadata
from suraksha.intake.channels.web_form import guard
from tests.conftest import HOME_WHATSAPP_ID

TABLES = ("incidents", "inbound_messages", "incident_contacts", "outbound_messages", "incident_log", "web_form_uses")
HER = "+919820054321"


def counts(c) -> dict[str, int]:
    with c.engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(metadata.tables[t])).scalar_one() for t in TABLES}


@pytest.fixture(autouse=True)
def fresh_rate_limit(container):
    container.help.rate.clear()
    yield
    container.help.rate.clear()


def new_form(http, container) -> dict:
    f = http.get("/api/v1/help/form").json()
    container.clock.advance(seconds=f["min_fill_seconds"] + 5)  # the time a person takes to fill it
    return f


def filled(http, container, **over) -> dict:
    f = new_form(http, container)
    body = {"token": f["token"], "proof": guard.solve(f["token"], f["proof_bits"]), "website": "",
            "kind": "help_now", "what": "A man is following me from the station", "reach": "sms", "phone": HER,
            "language": "en"}
    return body | over


def colaba(c):
    return next(s for s in c.stations.all("mumbai") if s.name == "Colaba Police Station")


def test_help_now_with_a_pin_is_a_priority_one_incident_where_she_is(http, auth, container):
    bandra = next(s for s in container.stations.all("mumbai") if s.name == "Bandra Police Station")
    r = http.post("/api/v1/help", json=filled(http, container, lat=bandra.anchor.lat, lon=bandra.anchor.lon,
                                              accuracy_m=30, what="He is outside my door"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "new" and out["joined"] is False and out["contact"] == "sms"
    assert out["tracking"] in out["message"] and out["track_url"] == f"/track?tracking={out['tracking']}"
    incident = http.get(f"/api/v1/incidents/{out['tracking']}", headers=auth("dispatcher")).json()
    assert incident["priority"] == 1 and incident["channel"] == "web" and incident["station_id"] == bandra.id
    assert incident["location"]["coordinates"] == [bandra.anchor.lon, bandra.anchor.lat]
    assert incident["contacts"] == [{"channel": "web", "phone": HER}]
    words = incident["messages"][0]["body"]
    assert "He is outside my door" in words and "help now" in words and "Reach her: SMS" in words
    assert container.messages.provider.sent == []  # the acknowledgement is on her screen, recorded as sent
    assert [m["channel"] for m in incident["outbound"]] == ["web-response"]
    with container.engine.connect() as conn:  # her number and words are sealed like every sender's
        stored = " ".join(str(v) for t in ("incident_contacts", "inbound_messages")
                          for row in conn.execute(select(metadata.tables[t])) for v in row)
    assert HER not in stored and "outside my door" not in stored


def test_a_report_without_a_location_goes_by_its_words_to_the_city_control_room(http, auth, container):
    r = http.post("/api/v1/help", json=filled(http, container, kind="report", what="My neighbour shouts at me"))
    assert r.status_code == 200, r.text
    incident = http.get(f"/api/v1/incidents/{r.json()['tracking']}", headers=auth("dispatcher")).json()
    assert incident["priority"] == 3 and incident["location_known"] is False and incident["city"] == "mumbai"


def test_a_report_in_words_that_say_danger_is_raised(http, auth, container):
    r = http.post("/api/v1/help", json=filled(http, container, kind="report", what="my husband is beating me"))
    incident = http.get(f"/api/v1/incidents/{r.json()['tracking']}", headers=auth("dispatcher")).json()
    assert incident["priority"] == 2 and incident["category"] == "domestic_violence"


def test_a_typed_place_is_found(http, auth, container):
    r = http.post("/api/v1/help", json=filled(http, container, place="Colaba"))
    incident = http.get(f"/api/v1/incidents/{r.json()['tracking']}", headers=auth("dispatcher")).json()
    assert incident["location_known"] is True and incident["location_accuracy_m"] == 2000
    assert "Place: Colaba" in incident["messages"][0]["body"]


def test_a_retry_of_one_submission_makes_nothing_new(http, container):
    body = filled(http, container)
    first = http.post("/api/v1/help", json=body)
    assert first.status_code == 200
    before = counts(container)
    for _ in range(2):
        again = http.post("/api/v1/help", json=body)
        assert again.status_code == 200 and again.json()["tracking"] == first.json()["tracking"]
    assert counts(container) == before


def test_one_token_for_another_submission_is_refused(http, container):
    body = filled(http, container)
    assert http.post("/api/v1/help", json=body).status_code == 200
    before = counts(container)
    r = http.post("/api/v1/help", json=body | {"what": "something else entirely"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "form_used"
    assert counts(container) == before


def tampered(token: str) -> str:
    nonce, issued, mac = token.split(".")
    return f"{nonce}.{int(issued) - 100}.{mac}"


@pytest.mark.parametrize("spoil, status, code", [
    (lambda b: b | {"token": tampered(b["token"])}, 403, "bad_form_token"),
    (lambda b: b | {"token": "0" * 24 + ".1700000000." + "0" * 32}, 403, "bad_form_token"),
    (lambda b: b | {"token": "not a token"}, 403, "bad_form_token"),
    (lambda b: b | {"proof": str(int(b["proof"]) + 1)} if not guard.proof_ok(b["token"], str(int(b["proof"]) + 1), 14)
     else b | {"proof": "x"}, 403, "bad_proof"),
    (lambda b: b | {"proof": ""}, 403, "bad_proof"),
    (lambda b: b | {"website": "https://spam.example"}, 422, "form_refused"),
])
def test_a_form_not_filled_by_a_person_is_refused_and_nothing_is_stored(http, container, spoil, status, code):
    before = counts(container)
    r = http.post("/api/v1/help", json=spoil(filled(http, container)))
    assert r.status_code == status and r.json()["error"]["code"] == code, r.text
    assert counts(container) == before


def test_an_expired_form_is_refused(http, container):
    body = filled(http, container)
    container.clock.advance(minutes=container.settings.help_form_minutes + 1)
    before = counts(container)
    r = http.post("/api/v1/help", json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "form_expired"
    assert counts(container) == before


def test_a_form_sent_within_seconds_of_opening_is_asked_to_wait(http, container):
    body = filled(http, container)
    f = http.get("/api/v1/help/form").json()  # opened now: the clock has not moved since
    body |= {"token": f["token"], "proof": guard.solve(f["token"], f["proof_bits"])}
    before = counts(container)
    r = http.post("/api/v1/help", json=body)
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_fast"
    assert int(r.headers["retry-after"]) == container.settings.help_min_fill_seconds
    assert counts(container) == before
    container.clock.advance(seconds=container.settings.help_min_fill_seconds)
    assert http.post("/api/v1/help", json=body).status_code == 200


def test_one_address_sending_too_often_is_slowed(http, container):
    container.help.rate.limit = 3
    try:
        answers = [http.post("/api/v1/help", json=filled(http, container, token="x", proof="1")).status_code
                   for _ in range(4)]
    finally:
        container.help.rate.limit = container.settings.help_sends_per_10_minutes
    assert answers == [403, 403, 403, 429]


@pytest.mark.parametrize("change, code", [
    ({"kind": "later"}, "invalid_request"), ({"reach": "pigeon"}, "invalid_request"),
    ({"lat": 95, "lon": 72.8}, "invalid_request"), ({"lat": 18.9}, "invalid_location"),
    ({"what": "x" * 2001}, "invalid_request"), ({"kind": "report", "what": "  "}, "what_required"),
    ({"phone": ""}, "phone_required"), ({"phone": "not a phone"}, "invalid_phone"),
    ({"language": "fr"}, "invalid_request"), ({"token": None}, "invalid_request"),
])
def test_a_malformed_submission_is_a_clear_422_and_stores_nothing(http, container, change, code):
    before = counts(container)
    r = http.post("/api/v1/help", json=filled(http, container, **change))
    assert r.status_code == 422 and r.json()["error"]["code"] == code, r.text
    assert counts(container) == before


def test_a_body_that_is_not_json_is_refused(http, container):
    before = counts(container)
    for content in (b"kind=help_now", b"{", json.dumps(filled(http, container, lat=float("nan"), lon=1.0)).encode()):
        r = http.post("/api/v1/help", content=content, headers={"Content-Type": "application/json"})
        assert r.status_code == 422, r.text
    assert counts(container) == before


def test_do_not_contact_sends_nothing_ever_and_staff_see_it(http, auth, container):
    r = http.post("/api/v1/help", json=filled(http, container, reach="none", phone=HER, safe_time="after 6 pm"))
    assert r.status_code == 200 and r.json()["contact"] == "none"
    tracking = r.json()["tracking"]
    dispatcher = auth("dispatcher")
    incident = http.get(f"/api/v1/incidents/{tracking}", headers=dispatcher).json()
    assert [c["phone"].startswith("do-not-contact:") for c in incident["contacts"]] == [True]
    assert HER not in json.dumps(incident)  # the number she typed is not taken
    assert "DO NOT CONTACT HER" in incident["messages"][0]["body"]
    closed = http.post(f"/api/v1/incidents/{tracking}/close", headers=dispatcher,
                       json={"disposition": "attended_resolved", "note": ""})
    assert closed.status_code == 200, closed.text
    container.messages.deliver_due()
    assert container.messages.provider.sent == [] and container.messages.whatsapp.sent == []
    outbound = http.get(f"/api/v1/incidents/{tracking}", headers=dispatcher).json()["outbound"]
    assert [m["channel"] for m in outbound] == ["web-response"]


def test_two_do_not_contact_reports_are_two_incidents(http, container):
    a = http.post("/api/v1/help", json=filled(http, container, reach="none", phone=""))
    b = http.post("/api/v1/help", json=filled(http, container, reach="none", phone=""))
    assert a.json()["tracking"] != b.json()["tracking"] and not b.json()["joined"]


def test_with_her_number_she_is_told_by_sms_in_her_language(http, auth, container):
    r = http.post("/api/v1/help", json=filled(http, container, language="hi", safe_time="after 6 pm"))
    tracking = r.json()["tracking"]
    assert r.json()["track_url"] == f"/hi/track?tracking={tracking}"
    closed = http.post(f"/api/v1/incidents/{tracking}/close", headers=auth("dispatcher"),
                       json={"disposition": "attended_resolved", "note": ""})
    assert closed.status_code == 200, closed.text
    container.messages.deliver_due()
    sent = container.messages.provider.sent
    assert [to for to, _body in sent] == [HER] and any("\u0900" <= ch <= "\u097f" for ch in sent[0][1])


def test_by_whatsapp_when_she_chose_it(http, auth, container):
    home = colaba(container)
    r = http.post("/api/v1/help", json=filled(http, container, reach="whatsapp", lat=home.anchor.lat,
                                              lon=home.anchor.lon))
    tracking = r.json()["tracking"]
    closed = http.post(f"/api/v1/incidents/{tracking}/close", headers=auth("dispatcher"),
                       json={"disposition": "attended_resolved", "note": ""})
    assert closed.status_code == 200, closed.text
    container.messages.deliver_due()
    assert container.messages.provider.sent == []
    [message] = container.messages.whatsapp.sent
    assert message.to == HER and message.via == HOME_WHATSAPP_ID and message.in_window is False  # the template


def test_the_page_and_a_fresh_form(http, container):
    page = http.get("/help")
    assert page.status_code == 200 and 'id="help-form"' in page.text and "Quick exit" in page.text
    assert "geolocation=(self)" in page.headers["permissions-policy"]
    assert page.headers["cache-control"] == "no-store"
    f = http.get("/api/v1/help/form").json()
    assert f["proof_bits"] == container.settings.help_proof_bits and guard.TOKEN.match(f["token"])
    hindi = http.get("/hi/help")
    assert "मदद माँगें या शिकायत करें" in hindi.text and "तुरंत बाहर निकलें" in hindi.text
    assert 'href="/hi/help"' in http.get("/").text  # the home page leads to it (in the language she chose)


def test_the_guard_rules():
    key = guard.form_key("k" * 20)
    from datetime import UTC, datetime, timedelta
    now = datetime(2026, 11, 22, tzinfo=UTC)
    token = guard.issue(key, now)
    assert guard.check(key, token, now + timedelta(seconds=10), 600, 3).nonce == token.split(".")[0]
    for when, reason in ((now + timedelta(seconds=1), "too_fast"), (now + timedelta(seconds=601), "expired"),
                         (now - timedelta(minutes=5), "bad")):
        with pytest.raises(guard.TokenProblem) as problem:
            guard.check(key, token, when, 600, 3)
        assert problem.value.reason == reason
    with pytest.raises(guard.TokenProblem):
        guard.check(guard.form_key("another secret key"), token, now + timedelta(seconds=10), 600, 3)
    assert guard.leading_zero_bits(bytes([0, 0x0F, 0xFF])) == 12 and guard.leading_zero_bits(bytes([0x80])) == 0
    proof = guard.solve(token, 10)
    assert guard.proof_ok(token, proof, 10)
    limit = guard.RateLimit(2, 60)
    assert [limit.hit("a", now), limit.hit("a", now), limit.hit("b", now)] == [0, 0, 0]
    assert limit.hit("a", now) == 60 and limit.hit("a", now + timedelta(seconds=61)) == 0


def test_used_tokens_that_can_no_longer_return_are_cleared_out(http, container):
    assert http.post("/api/v1/help", json=filled(http, container)).status_code == 200
    assert counts(container)["web_form_uses"] == 1
    container.clock.advance(minutes=container.settings.help_form_minutes)
    assert container.help.forget_old_tokens() == 0  # it could still come back as a retry (until it expires)
    container.clock.advance(minutes=container.settings.help_form_minutes + 1)
    assert container.help.forget_old_tokens() == 1 and counts(container)["web_form_uses"] == 0
