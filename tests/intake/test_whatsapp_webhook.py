"""WhatsApp Business Cloud API webhook (issue 9, point 1), through the real HTTP entry point: Meta's handshake, its
signed deliveries of every message type, retries, groups, statuses, malformed deliveries, routing by phone number id,
and the answers to her sent back on WhatsApp from the number she wrote to."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from suraksha.adapters.db import metadata
from tests.conftest import HOME_WHATSAPP_ID, WHATSAPP_VERIFY_TOKEN
from tests.whatsapp_meta import WhatsAppSender, change, delivery, message, signature, status

TABLES = ("incidents", "inbound_messages", "incident_contacts", "outbound_messages", "events", "incident_log")


@pytest.fixture
def wa(http) -> WhatsAppSender:
    return WhatsAppSender(http)


def counts(c) -> dict[str, int]:
    with c.engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(metadata.tables[t])).scalar_one() for t in TABLES}


def incident_of(c, http, auth, message_id: str) -> dict:
    """The incident a WhatsApp message became, as a dispatcher reads it."""
    im, inc = metadata.tables["inbound_messages"], metadata.tables["incidents"]
    with c.engine.connect() as conn:
        tracking = conn.execute(select(inc.c.tracking).join(im, im.c.incident_id == inc.c.id)
                                .where(im.c.provider_id == message_id)).scalar_one()
    r = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher"))
    assert r.status_code == 200, r.text
    return r.json()


def delivered(c, count: int = 1) -> list:
    """What went out on WhatsApp, once `count` messages have (the server's sender, or this test's turn at it)."""
    deadline = time.monotonic() + 10
    while len(c.messages.whatsapp.sent) < count and time.monotonic() < deadline:
        c.messages.deliver_due()
        time.sleep(0.02)
    return list(c.messages.whatsapp.sent)


def outbound(c) -> list:
    om = metadata.tables["outbound_messages"]
    with c.engine.connect() as conn:
        return conn.execute(select(om).order_by(om.c.id)).all()


# --- Meta's subscription handshake ---------------------------------------------------------------

def test_the_verify_handshake_echoes_the_challenge_only_for_our_token(http):
    ok = http.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": WHATSAPP_VERIFY_TOKEN,
                                                 "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444" and ok.headers["content-type"].startswith("text/plain")
    wrong = http.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                                    "hub.challenge": "1158201444"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "bad_verify_token"
    mode = http.get("/webhooks/whatsapp", params={"hub.mode": "unsubscribe", "hub.verify_token": WHATSAPP_VERIFY_TOKEN,
                                                   "hub.challenge": "1"})
    assert mode.status_code == 403
    assert http.get("/webhooks/whatsapp").status_code == 403


# --- deliveries ----------------------------------------------------------------------------------

def test_a_text_message_to_a_linked_helpline_is_a_priority_one_incident_answered_on_whatsapp(
        wa, http, auth, container, home_station):
    m = message("text", body="A man is following me near the station")
    r = wa.send(m)
    assert r.status_code == 200, r.text
    incident = incident_of(container, http, auth, m["id"])
    assert incident["station_id"] == home_station.id and incident["priority"] == 1
    assert incident["match"] == "helpline" and incident["channel"] == "whatsapp"
    assert incident["contacts"] == [{"channel": "whatsapp", "phone": "+919820012345"}]
    [sent] = delivered(container)
    [ack] = outbound(container)
    assert ack.channel == "whatsapp" and ack.via == HOME_WHATSAPP_ID
    assert ack.kind == "acknowledgement" and incident["tracking"] in ack.body
    assert sent.to == "+919820012345" and sent.via == HOME_WHATSAPP_ID and sent.in_window is True
    assert sent.ref == f"suraksha-{ack.id}" and incident["tracking"] in sent.body
    assert outbound(container)[0].status == "sent"
    assert container.messages.provider.sent == []  # nothing went by SMS


def test_a_retried_delivery_stores_nothing_new(wa, container):
    doc = delivery(change([message("text", body="please help")]))
    assert wa.post(doc).status_code == 200
    before = counts(container)
    again = wa.post(doc)
    assert again.status_code == 200 and counts(container) == before


def test_a_wrong_or_missing_signature_is_403_and_nothing_is_stored(wa, container):
    before = counts(container)
    body = json.dumps(delivery(change([message("text", body="please help")]))).encode()
    assert wa.post_bytes(body, sig="sha256=" + "0" * 64).status_code == 403
    assert wa.post_bytes(body, sig="").status_code == 403
    tampered = body.replace(b"please help", b"changed after signing")
    r = wa.post_bytes(tampered, sig=signature(body))
    assert r.status_code == 403 and r.json()["error"]["code"] == "bad_signature"
    assert wa.post_bytes(body, sig=signature(body, secret="another app's secret")).status_code == 403
    assert counts(container) == before


def test_several_messages_and_entries_in_one_delivery_each_become_an_incident(wa, http, auth, container):
    bandra = next(s for s in container.stations.all("mumbai") if s.name == "Bandra Police Station")
    container.stations.link_whatsapp(bandra.id, "106540352242999", "tests")
    first, second = message("text", sender="919820000001"), message("text", sender="919820000002")
    third = message("text", sender="919820000003")
    doc = delivery(change([first, second]), change([third], phone_number_id="106540352242999"), entries=2)
    assert len(doc["entry"]) == 2
    assert wa.post(doc).status_code == 200
    stations = [incident_of(container, http, auth, m["id"])["station_id"] for m in (first, second, third)]
    home = container.stations.by_whatsapp(HOME_WHATSAPP_ID)[0].id
    assert stations == [home, home, bandra.id]
    assert {o.via for o in outbound(container)} == {HOME_WHATSAPP_ID, "106540352242999"}


def test_a_shared_location_becomes_the_incidents_location_and_picks_the_covering_station(wa, http, auth, container):
    bandra = next(s for s in container.stations.all("mumbai") if s.name == "Bandra Police Station")
    m = message("location", latitude=bandra.anchor.lat, longitude=bandra.anchor.lon, name="Bandstand",
                address="Bandstand Promenade, Bandra West")
    assert wa.send(m).status_code == 200
    incident = incident_of(container, http, auth, m["id"])
    assert incident["location_known"] is True and incident["station_id"] == bandra.id
    assert incident["location"]["coordinates"] == [bandra.anchor.lon, bandra.anchor.lat]


def test_image_audio_and_button_replies_are_taken_with_their_media_and_words(wa, http, auth, container):
    image = message("image", caption="his car number", mime_type="image/jpeg", sha256="c2hhMjU2")
    image["image"]["id"] = "1003383421387256"
    audio = message("audio", sender="919820000011", mime_type="audio/ogg; codecs=opus", sha256="YXVkaW8=",
                    voice=True)
    audio["audio"]["id"] = "1200000000000001"
    button = message("interactive", sender="919820000012", type="button_reply",
                     button_reply={"id": "need-help", "title": "I need help now"})
    assert wa.send(image, audio, button).status_code == 200
    im = metadata.tables["inbound_messages"]
    with container.engine.connect() as conn:
        media = dict(conn.execute(select(im.c.provider_id, im.c.num_media)).all())
    assert media == {image["id"]: 1, audio["id"]: 1, button["id"]: 0}
    for m in (image, audio, button):
        assert incident_of(container, http, auth, m["id"])["channel"] == "whatsapp"


def test_messages_posted_in_groups_and_reactions_are_left_out_and_counted(wa, http, container):
    before = counts(container)
    grouped = message("text", body="Hello World, group message")
    grouped["group_id"] = "120363025348719386"
    reaction = message("reaction", message_id="wamid.HBgLOTE5ODIw", emoji="\U0001F44D")
    assert wa.send(grouped, reaction).status_code == 200
    assert counts(container) == before
    metrics = http.get("/metrics", headers={"Authorization": "Bearer test-metrics-token"}).text
    assert 'suraksha_intake_ignored_total{channel="whatsapp",reason="group"}' in metrics


def test_statuses_are_recorded_and_a_failed_one_becomes_a_dead_letter(wa, http, auth, container):
    m = message("text", body="help")
    wa.send(m)
    delivered(container)
    [ack] = outbound(container)
    assert wa.post(delivery(change(statuses=[status(ack.provider_ref, "delivered")]))).status_code == 200
    assert outbound(container)[0].delivery_status == "delivered"
    # out of order: a late "sent" does not step back
    wa.post(delivery(change(statuses=[status(ack.provider_ref, "sent")])))
    assert outbound(container)[0].delivery_status == "delivered"
    # a later message that WhatsApp could not deliver waits for a person
    wa.send(message("text", body="he is still here"))
    delivered(container, 2)
    failed_ref = outbound(container)[-1].provider_ref
    error = {"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable"}
    assert wa.post(delivery(change(statuses=[status(failed_ref, "failed", error=error)]))).status_code == 200
    last = outbound(container)[-1]
    assert last.status == "failed" and "131026" in last.last_error
    assert last.incident_id == ack.incident_id  # her second message joined her incident
    assert container.messages.dead_letter_incidents() == {ack.incident_id: 1}


def test_a_status_for_a_message_whose_answer_was_lost_records_it_as_sent(wa, container, home_station):
    om = metadata.tables["outbound_messages"]
    with container.engine.begin() as conn:
        message_id = container.messages.queue(conn, None, container.messages.sealer.seal("+919820012345"), "hello",
                                              __import__("suraksha.messaging.model", fromlist=["MessageKind"])
                                              .MessageKind.FOLLOW_UP, channel="whatsapp", via=HOME_WHATSAPP_ID)
    doc = delivery(change(statuses=[status("wamid.LOST-ANSWER", "sent", ours=f"suraksha-{message_id}")]))
    assert wa.post(doc).status_code == 200
    with container.engine.connect() as conn:
        row = conn.execute(select(om).where(om.c.id == message_id)).one()
    assert row.status == "sent" and row.provider_ref == "wamid.LOST-ANSWER" and row.delivery_status == "sent"


@pytest.mark.parametrize("body", [
    b"not json at all",
    b'{"object": "page", "entry": []}',
    b'{"object": "whatsapp_business_account", "entry": {"id": "1"}}',
    json.dumps(delivery(change([{"from": "919820012345", "timestamp": "1", "type": "text",
                                 "text": {"body": "no id"}}]))).encode(),
    json.dumps(delivery(change([message("location", latitude="north", longitude=72.8)]))).encode(),
    json.dumps(delivery(change([message("text")], phone_number_id="not-an-id"))).encode(),
    json.dumps(delivery(change([message("text", sender="<script>")]))).encode(),
], ids=["not-json", "other-object", "entry-not-a-list", "message-without-id", "location-without-degrees",
        "phone-number-id", "sender"])
def test_a_malformed_delivery_is_400_with_a_stable_code_and_stores_nothing(wa, container, body):
    before = counts(container)
    r = wa.post_bytes(body)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_webhook"
    assert counts(container) == before


def test_a_delivery_with_one_bad_message_stores_none_of_it(wa, container):
    before = counts(container)
    good, bad = message("text", body="help"), message("text", sender="")
    assert wa.send(good, bad).status_code == 400
    assert counts(container) == before


def test_an_unknown_phone_number_id_still_makes_an_incident_at_the_city_control_room(wa, http, auth, container):
    m = message("text", body="help me please")
    assert wa.send(m, phone_number_id="999999999999999").status_code == 200
    incident = incident_of(container, http, auth, m["id"])
    assert incident["station_id"] is None and incident["city"] == "mumbai" and incident["match"] == "none"


def test_outside_her_24_hour_window_the_answer_goes_as_the_approved_template(wa, http, auth, container):
    m = message("text", body="help")
    wa.send(m)
    assert delivered(container)[0].in_window is True
    incident = incident_of(container, http, auth, m["id"])
    cw = metadata.tables["conversation_windows"]
    with container.engine.begin() as conn:  # she last wrote 25 hours ago
        conn.execute(update(cw).values(last_heard_at=container.clock.now() - timedelta(hours=25)))
    r = http.post(f"/api/v1/incidents/{incident['tracking']}/close", headers=auth("dispatcher"),
                  json={"disposition": "attended_resolved", "note": "she is safe"})
    assert r.status_code == 200, r.text
    closing = delivered(container, 2)[-1]
    assert closing.via == HOME_WHATSAPP_ID and closing.in_window is False and "closed" in closing.body.lower()
    # she writes again: the window is open again
    wa.send(message("text", body="thank you"))
    assert delivered(container, 3)[-1].in_window is True


# --- linking a station's helpline ---------------------------------------------------------------

def test_an_administrator_links_and_unlinks_a_stations_whatsapp_number(http, auth, container, home_station):
    bandra = next(s for s in container.stations.all("mumbai") if s.name == "Bandra Police Station")
    r = http.put(f"/api/v1/stations/{bandra.id}/whatsapp", headers=auth("admin"),
                 json={"phone_number_id": HOME_WHATSAPP_ID, "reason": "the number moved"})
    assert r.status_code == 200 and r.json() == {"station_id": bandra.id, "phone_number_id": HOME_WHATSAPP_ID}
    assert container.stations.by_whatsapp(HOME_WHATSAPP_ID)[0].id == bandra.id
    mine = http.get(f"/api/v1/stations/{home_station.id}/whatsapp", headers=auth("admin")).json()
    assert mine["phone_number_id"] is None  # it moved
    history = http.get(f"/api/v1/stations/{bandra.id}/helpline-history", headers=auth("admin")).json()["changes"]
    assert history[-1]["kind"] == "whatsapp" and history[-1]["from_station_id"] == home_station.id
    bad = http.put(f"/api/v1/stations/{bandra.id}/whatsapp", headers=auth("admin"), json={"phone_number_id": "+91 98"})
    assert bad.status_code == 422
    assert http.put(f"/api/v1/stations/{bandra.id}/whatsapp", headers=auth("dispatcher"),
                    json={"phone_number_id": "123456789"}).status_code == 403
    off = http.put(f"/api/v1/stations/{bandra.id}/whatsapp", headers=auth("admin"), json={"phone_number_id": None})
    assert off.json()["phone_number_id"] is None and container.stations.by_whatsapp(HOME_WHATSAPP_ID) is None
    history = http.get(f"/api/v1/stations/{bandra.id}/helpline-history", headers=auth("admin")).json()["changes"]
    assert history[-1]["kind"] == "whatsapp_off" and history[-1]["number"] == HOME_WHATSAPP_ID
