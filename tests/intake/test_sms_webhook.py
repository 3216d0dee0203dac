"""Twilio's inbound SMS webhook: one incident per message, retries absorbed, bad signatures refused."""


from sqlalchemy import func, select

from suraksha.adapters.db import metadata
from tests.conftest import tracking_of


def counts(container):
    with container.engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(metadata.tables[t])).scalar_one()
                for t in ("incidents", "inbound_messages", "incident_contacts", "outbound_messages", "events")}


def test_sms_to_a_women_helpline_makes_one_priority_one_incident_at_that_station(sms, http, auth, home_station):
    r = sms.send("Some man is troubling me near the bus stop")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert "<Response><Message>" in r.text and "Tracking number" in r.text
    incident = http.get(f"/api/v1/incidents/{tracking_of(r.text)}", headers=auth("dispatcher")).json()
    assert incident["station_id"] == home_station.id and incident["priority"] == 1
    assert incident["status"] == "new" and incident["location_known"] is False and incident["match"] == "helpline"
    assert incident["location"]["coordinates"] == [home_station.anchor.lon, home_station.anchor.lat]
    assert incident["contacts"] == [{"channel": "sms", "phone": "+919820012345"}]


def test_a_location_in_the_body_routes_to_the_covering_station(sms, http, auth, container, home_station):
    other = next(s for s in container.stations.all("mumbai") if s.name == "Bandra Police Station")
    body = f"Help https://maps.google.com/?q={other.anchor.lat},{other.anchor.lon}"
    incident = http.get(f"/api/v1/incidents/{tracking_of(sms.send(body).text)}", headers=auth("dispatcher")).json()
    assert incident["station_id"] == other.id and incident["match"] == "inside"
    assert incident["location_known"] is True
    assert incident["location"]["coordinates"] == [other.anchor.lon, other.anchor.lat]


def test_a_retried_delivery_answers_the_same_tracking_number_and_stores_nothing_new(sms, container):
    form = sms.form("please help", sid="SM" + "7" * 32)
    first = sms.post(form)
    before = counts(container)
    again = sms.post(form)
    assert again.status_code == 200
    assert tracking_of(again.text) == tracking_of(first.text)
    assert counts(container) == before


def test_a_wrong_signature_gets_403_and_stores_nothing(sms, container):
    before = counts(container)
    r = sms.post(sms.form("please help"), signature="bm90IGEgc2lnbmF0dXJl")
    assert r.status_code == 403 and r.json()["error"]["code"] == "bad_signature"
    missing = sms.http.post("/webhooks/twilio/sms", data=sms.form("please help"))
    assert missing.status_code == 403
    tampered = sms.form("please help")
    signature = __import__("tests.conftest", fromlist=["sign"]).sign(sms.public_url + "/webhooks/twilio/sms", tampered)
    tampered["Body"] = "changed after signing"
    assert sms.post(tampered, signature=signature).status_code == 403
    assert counts(container) == before


def test_a_signed_request_without_the_required_fields_is_a_clear_400(sms, container, caplog):
    before = counts(container)
    form = sms.form("her words stay out of the log", sid="SM" + "4" * 32)
    del form["From"]
    with caplog.at_level("WARNING", logger="suraksha.intake.sms"):
        r = sms.post(form)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_webhook"
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "SM" + "4" * 32 in logged and "her words" not in logged
    assert counts(container) == before


def test_a_follow_up_within_30_minutes_joins_the_open_incident(sms, container, http, auth):
    first = tracking_of(sms.send("he is following me").text)
    container.clock.advance(minutes=29)
    follow = sms.send("I am near the station geo:18.9067,72.8147")
    assert tracking_of(follow.text) == first and "added to your report" in follow.text
    incident = http.get(f"/api/v1/incidents/{first}", headers=auth("dispatcher")).json()
    assert incident["location_known"] is True and len(incident["messages"]) == 2
    assert counts(container)["incidents"] == 1


def test_a_message_after_30_minutes_of_silence_is_a_new_incident(sms, container):
    first = tracking_of(sms.send("he is following me").text)
    container.clock.advance(minutes=31)
    assert tracking_of(sms.send("again he is here").text) != first


def test_another_sender_never_joins_someone_elses_incident(sms):
    assert tracking_of(sms.send("help", sender="+919820012345").text) != tracking_of(
        sms.send("help", sender="+919820099999").text)


def test_a_general_number_starts_lower_and_words_raise_it(sms, http, auth, home_station):
    plain = tracking_of(sms.send("what are the station timings", to=home_station.general_number).text)
    urgent = tracking_of(sms.send("he tried to rape me", to=home_station.general_number, sender="+919820011111").text)
    assert http.get(f"/api/v1/incidents/{plain}", headers=auth("dispatcher")).json()["priority"] == 3
    assert http.get(f"/api/v1/incidents/{urgent}", headers=auth("dispatcher")).json()["priority"] == 1


def test_a_number_that_is_no_stations_goes_to_the_control_room(sms, http, auth):
    t = tracking_of(sms.send("help", to="+919999900000").text)
    incident = http.get(f"/api/v1/incidents/{t}", headers=auth("dispatcher")).json()
    assert incident["station_id"] is None and incident["match"] == "none"


def test_the_acknowledgement_is_durable_before_the_reply(sms, test_settings):
    from suraksha.adapters.db import make_engine
    from suraksha.incidents.store import incidents

    t = tracking_of(sms.send("help me").text)
    other = make_engine(test_settings.database_url)  # a separate connection pool: sees only committed data
    with other.connect() as conn:
        assert conn.execute(select(incidents.c.status).where(incidents.c.tracking == t)).scalar_one() == "new"
    other.dispose()


def test_the_event_announcing_the_incident_is_written_with_it(sms, container):
    from suraksha.adapters.outbox import events_table

    t = tracking_of(sms.send("help me").text)
    with container.engine.connect() as conn:
        rows = conn.execute(select(events_table.c.type, events_table.c.payload)).all()
    reported = [p for typ, p in rows if typ == "IncidentReported"]
    assert [p["tracking"] for p in reported] == [t]
    assert "+919820012345" not in str(rows) and "help me" not in str(rows)
