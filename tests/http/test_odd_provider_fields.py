"""A signed provider message with odd fields (NUL bytes, control characters, absurd counts, over-long values) is
stored clean and acknowledged with her tracking number, through the real webhook, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from suraksha.adapters.db import metadata
from suraksha.intake.channels.twilio_sms.parse import to_contact
from tests.conftest import tracking_of

NOW = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)


def incidents(container) -> int:
    with container.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(metadata.tables["incidents"])).scalar_one()


@pytest.mark.parametrize("odd", [
    {"To": "{to}\x00"},
    {"MessageSid": "SM\x00{sid}"},
    {"Body": "help me\x00 please\x07"},
    {"NumMedia": "100000000000000000000"},
    {"NumMedia": "-3", "From": "+91 98200\x00 12345\x1b"},
    {"MessageSid": "SM" + "9" * 500, "Body": "help " * 1000, "FromCity": "\x00" * 5000},
])
def test_a_signed_message_with_odd_fields_is_stored_and_acknowledged(sms, http, auth, container, home_station, odd):
    form = sms.form("help, a man is following me")
    form |= {k: v.replace("{to}", form["To"]).replace("{sid}", form["MessageSid"]) for k, v in odd.items()}
    before = incidents(container)
    r = sms.post(form)  # signed over the fields exactly as sent
    assert r.status_code == 200, r.text
    incident = http.get(f"/api/v1/incidents/{tracking_of(r.text)}", headers=auth("dispatcher")).json()
    assert incidents(container) == before + 1
    assert incident["station_id"] == home_station.id  # a NUL in `To` does not hide the helpline it was sent to
    assert incident["contacts"][0]["phone"] == "+919820012345"
    again = sms.post(form)  # Twilio's retry of the same delivery: the same number, nothing new
    assert again.status_code == 200 and tracking_of(again.text) == tracking_of(r.text)
    assert incidents(container) == before + 1


def test_fields_are_cleaned_and_cut():
    form = {"MessageSid": "SM\x00" + "1" * 100, "From": "+919820012345\x00", "To": "+91\u00857000000000x" * 5,
            "Body": "line one\r\n\tline two\x00\x1b\x7f\x9f" + "a" * 2000, "NumMedia": "100000000000000000000",
            "MediaUrl0": "https://api.twilio.com/m/0\x00", "MediaUrl1": "https://api.twilio.com/m/1"}
    contact = to_contact(form, NOW)
    assert contact.provider_id == "SM" + "1" * 62
    assert contact.sender == "+919820012345"
    assert len(contact.receiving) <= 20 and "\x85" not in contact.receiving
    assert contact.text.startswith("line one\n\tline two" + "a") and len(contact.text) == 1600
    assert contact.num_media == 10
    assert contact.media == ("https://api.twilio.com/m/0", "https://api.twilio.com/m/1")
    assert to_contact(form | {"NumMedia": "-4"}, NOW).num_media == 0
    assert to_contact(form | {"NumMedia": "many"}, NOW).num_media == 0
