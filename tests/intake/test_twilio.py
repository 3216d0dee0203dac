"""Our reading of Twilio's wire format agrees with Twilio's own library."""

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from suraksha.intake.channels.twilio_sms.parse import parse_form
from suraksha.intake.channels.twilio_sms.reply import twiml_reply
from suraksha.intake.channels.twilio_sms.signature import signature_of

URL = "https://suraksha.example.in/webhooks/twilio/sms"
FORM = {"MessageSid": "SM" + "a" * 32, "AccountSid": "AC" + "b" * 32, "From": "+919820012345",
        "To": "+917000100001", "Body": "मुझे बचाओ & help <now> geo:19.07,72.87", "NumMedia": "0"}


def test_signatures_match_twilios_validator():
    ours = signature_of("token-123", URL, FORM)
    assert ours == RequestValidator("token-123").compute_signature(URL, FORM)
    assert RequestValidator("token-123").validate(URL, FORM, ours)
    assert signature_of("token-124", URL, FORM) != ours


def test_form_parsing_keeps_unicode_and_blank_fields():
    from urllib.parse import urlencode

    body = urlencode({**FORM, "MediaUrl0": ""}).encode()
    assert parse_form(body) == {**FORM, "MediaUrl0": ""}


def test_twiml_matches_twilios_builder_and_escapes():
    text = "Suraksha: <received> & noted"
    reference = MessagingResponse()
    reference.message(text)
    assert twiml_reply(text) == str(reference)
