"""Meta's WhatsApp Cloud API as the outbound provider, through httpx.MockTransport answering as Meta documents
(`POST /{version}/{phone_number_id}/messages`: 200 with `messages[0].id`, or an `error` object)."""

from __future__ import annotations

import json

import httpx
import pytest

from suraksha.messaging.model import TransportError
from suraksha.messaging.whatsapp import CloudApiWhatsApp, WhatsAppMessage

TOKEN = "EAAG-test-access-token"


def provider(handler) -> tuple[CloudApiWhatsApp, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return CloudApiWhatsApp(TOKEN, "suraksha_update", transport=httpx.MockTransport(record)), seen


def accepted(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"messaging_product": "whatsapp",
                                     "contacts": [{"input": "919820012345", "wa_id": "919820012345"}],
                                     "messages": [{"id": "wamid.HBgLOTE5ODIwMDEyMzQ1FQIAERgSQTFCMkMzRDRFNUY2"}]})


def message(in_window: bool, body: str = "Your tracking number is ABCD-EFGH. Help is on the way.") -> WhatsAppMessage:
    return WhatsAppMessage(to="+919820012345", body=body, via="106540352242922", in_window=in_window,
                           ref="suraksha-42")


def test_inside_her_window_a_text_message_from_the_number_she_wrote_to():
    p, seen = provider(accepted)
    assert p.send(message(True)) == "wamid.HBgLOTE5ODIwMDEyMzQ1FQIAERgSQTFCMkMzRDRFNUY2"
    [request] = seen
    assert request.url == "https://graph.facebook.com/v21.0/106540352242922/messages"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    body = json.loads(request.content)
    assert body == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "919820012345",
                    "biz_opaque_callback_data": "suraksha-42", "type": "text",
                    "text": {"preview_url": False,
                             "body": "Your tracking number is ABCD-EFGH. Help is on the way."}}


def test_outside_her_window_the_approved_template_carries_her_words_in_her_script():
    p, seen = provider(accepted)
    p.send(message(False, body="आपका ट्रैकिंग नंबर ABCD-EFGH है।"))
    body = json.loads(seen[0].content)
    assert body["type"] == "template" and "text" not in body
    assert body["template"] == {"name": "suraksha_update", "language": {"code": "hi"}, "components": [
        {"type": "body", "parameters": [{"type": "text", "text": "आपका ट्रैकिंग नंबर ABCD-EFGH है।"}]}]}
    p.send(message(False))
    assert json.loads(seen[1].content)["template"]["language"] == {"code": "en"}


@pytest.mark.parametrize("status, code, permanent", [
    (400, 131009, True),  # a parameter value is not valid: sending again cannot help
    (400, 131026, False),  # undeliverable for now
    (429, 130429, False),  # throughput reached
    (400, 131056, False),  # too many messages to this number: later
    (500, 1, False),
])
def test_metas_errors_say_whether_trying_again_can_help(status, code, permanent):
    def refused(_request):
        return httpx.Response(status, json={"error": {"message": f"(#{code}) refused for +91 98200 12345",
                                                      "type": "OAuthException", "code": code,
                                                      "fbtrace_id": "AbCdEf"}})

    p, _ = provider(refused)
    with pytest.raises(TransportError) as caught:
        p.send(message(True))
    assert caught.value.permanent is permanent and caught.value.maybe_sent is False
    assert str(code) in str(caught.value) and "98200" not in str(caught.value)  # her number is not kept


def test_a_lost_answer_leaves_the_attempt_in_doubt_and_an_unreachable_api_does_not():
    def lost(request):
        raise httpx.ReadTimeout("no answer", request=request)

    def unreachable(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransportError) as caught:
        provider(lost)[0].send(message(True))
    assert caught.value.maybe_sent is True
    with pytest.raises(TransportError) as caught:
        provider(unreachable)[0].send(message(True))
    assert caught.value.maybe_sent is False and caught.value.permanent is False
