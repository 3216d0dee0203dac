"""Her messages in her language (issue 8, point 2): the language and script of her first message decide the
language of everything she is sent about that incident; a reply that only names a language switches it. Through
the real webhook, API and message delivery."""

from __future__ import annotations

import pytest

from tests.conftest import tracking_of

FIRST = {
    "hi": "मुझे बचाओ, कोई मेरा पीछा कर रहा है",
    "mr": "मला वाचवा, कोणीतरी माझा पाठलाग करत आहे",
}
AGAIN = {"hi": "वह फिर आ गया है", "mr": "तो पुन्हा आला आहे"}  # within 24 hours of closing: reopens it
COLABA = "geo:18.9067,72.8147"  # a location inside Colaba's jurisdiction, in Latin script


def expected(lang: str, t: str) -> list[str]:
    """Everything she is told in the scenario below, in order, exactly as she reads it (stations by their Hindi
    or Marathi names)."""
    return {
        "hi": [
            f"सुरक्षा: संदेश मिला, कोलाबा पुलिस को भेजा। ट्रैकिंग नंबर {t}। लोकेशन भेजें। खतरा? 112 पर कॉल करें।",
            f"सुरक्षा: आपका संदेश रिपोर्ट {t} में जोड़ा गया। लोकेशन मिल गई।",
            f"सुरक्षा {t}: अब आपकी रिपोर्ट बांद्रा पुलिस थाना देख रहा है। आपको कुछ नहीं करना है।",
            f"सुरक्षा {t}: पुलिस यूनिट MUM-NS-014 आपके पास भेजी गई है।",
            f"सुरक्षा {t}: पुलिस यूनिट MUM-NS-014 पहुँच गई है।",
            f"सुरक्षा {t}: 10:00 पर बंद। पुलिस आई। FIR दर्ज होगी, थाना संपर्क करेगा। 24 घंटे में जवाब दें, फिर "
            f"खुलेगी। खतरा? 112 पर कॉल करें।",
            f"सुरक्षा: आपकी रिपोर्ट {t} फिर से खोली गई। पुलिस को बताया जा रहा है। खतरा हो तो 112 पर कॉल करें।",
        ],
        "mr": [
            f"सुरक्षा: संदेश मिळाला, कुलाबा पोलिसांना कळवले. ट्रॅकिंग नंबर {t}. लोकेशन पाठवा. धोका? 112 वर कॉल करा.",
            f"सुरक्षा: तुमचा संदेश तक्रार {t} मध्ये जोडला आहे. लोकेशन मिळाले.",
            f"सुरक्षा {t}: आता तुमची तक्रार वांद्रे पोलीस ठाणे पाहत आहे. तुम्हाला काही करायची गरज नाही.",
            f"सुरक्षा {t}: पोलीस पथक MUM-NS-014 तुमच्याकडे पाठवले आहे.",
            f"सुरक्षा {t}: पोलीस पथक MUM-NS-014 पोहोचले आहे.",
            f"सुरक्षा {t}: 10:00 वाजता बंद. पोलीस आले. FIR दाखल होईल, ठाणे कळवेल. 24 तासांत उत्तर द्या, पुन्हा "
            f"उघडेल. धोका? 112 वर कॉल करा.",
            f"सुरक्षा: तुमची तक्रार {t} पुन्हा सुरू केली आहे. पोलिसांना कळवले जात आहे. धोका असल्यास 112 वर कॉल करा.",
        ],
    }[lang]


def incident(http, auth, tracking: str) -> dict:
    r = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher"))
    assert r.status_code == 200, r.text
    return r.json()


def station_named(container, name: str):
    return next(s for s in container.stations.all("mumbai") if s.name == name)


@pytest.mark.parametrize("lang", ["hi", "mr"])
def test_her_first_message_in_devanagari_decides_the_language_of_everything_she_is_told(
        container, http, auth, sms, lang):
    first = sms.form(FIRST[lang])
    r = sms.post(first)
    tracking = tracking_of(r.text)
    want = expected(lang, tracking)
    assert want[0] in r.text  # the acknowledgement, in the webhook's own answer
    retry = sms.post(first)  # the provider delivers the same message again: the same number, in her language
    assert tracking_of(retry.text) == tracking
    assert {"hi": "सुरक्षा: आपका संदेश मिला।", "mr": "सुरक्षा: तुमचा संदेश मिळाला."}[lang] in retry.text
    follow = sms.send(COLABA)  # Latin script now: her incident keeps her first message's language
    assert want[1] in follow.text
    bandra = station_named(container, "Bandra Police Station")
    assert http.post(f"/api/v1/incidents/{tracking}/transfer", headers=auth("dispatcher"),
                     json={"station_id": bandra.id, "reason": "she is at her sister's in Bandra"}).status_code == 200
    unit = container.dispatch.create_unit("MUM-NS-014", "nirbhaya_squad", bandra.id)
    container.dispatch.assign(tracking, unit["id"])
    container.dispatch.set_status(unit["id"], "en_route")
    container.dispatch.set_status(unit["id"], "on_scene")
    closing = http.post(f"/api/v1/incidents/{tracking}/close", headers=auth("dispatcher"),
                        json={"disposition": "fir_to_be_registered", "note": ""})
    assert closing.status_code == 200, closing.text
    container.clock.advance(hours=2)
    again = sms.send(AGAIN[lang])
    assert tracking_of(again.text) == tracking and want[6] in again.text
    seen = incident(http, auth, tracking)
    assert seen["language"] == lang and seen["status"] == "new"
    assert [m["body"] for m in seen["outbound"]] == want
    container.messages.deliver_due()
    assert [body for _, body in container.messages.provider.sent] == want[2:6]  # the ones sent later, by SMS


def test_latin_script_gets_english_and_a_reply_naming_a_language_switches_it(container, http, auth, sms,
                                                                              home_station):
    r = sms.send("someone is following me from the station, please help")
    tracking = tracking_of(r.text)
    assert "sent to Colaba police" in r.text and "For Hindi reply HINDI, for Marathi MARATHI." in r.text
    switched = sms.send("HINDI")
    assert f"सुरक्षा {tracking}: अब आपको हमारे संदेश हिंदी में मिलेंगे।" in switched.text
    assert incident(http, auth, tracking)["language"] == "hi"
    unit = container.dispatch.create_unit("MUM-PV-201", "patrol_van", home_station.id)
    container.dispatch.assign(tracking, unit["id"])
    back = sms.send("english please")
    container.dispatch.set_status(unit["id"], "en_route")
    assert f"Suraksha {tracking}: you will get our messages in English." in back.text
    container.dispatch.set_status(unit["id"], "on_scene")
    container.messages.deliver_due()
    assert [b for _, b in container.messages.provider.sent] == [
        f"सुरक्षा {tracking}: पुलिस यूनिट MUM-PV-201 आपके पास भेजी गई है।",
        f"Suraksha {tracking}: police unit MUM-PV-201 has arrived."]
    marathi = sms.send("मराठी")
    assert f"सुरक्षा {tracking}: आता तुम्हाला आमचे संदेश मराठीत मिळतील." in marathi.text


def test_romanised_hindi_gets_english_with_the_way_to_ask_for_hindi(http, auth, sms):
    r = sms.send("mujhe bachao koi peecha kar raha hai")
    assert "Tracking number" in r.text and "For Hindi reply HINDI" in r.text
    assert incident(http, auth, tracking_of(r.text))["language"] == "en"


def test_a_first_message_that_only_names_a_language_opens_her_incident_in_it(http, auth, sms):
    r = sms.send("Marathi")
    assert "ट्रॅकिंग नंबर" in r.text
    assert incident(http, auth, tracking_of(r.text))["language"] == "mr"


def test_an_officer_reopening_tells_her_in_her_language(container, http, auth, sms):
    tracking = tracking_of(sms.send(FIRST["mr"]).text)
    http.post(f"/api/v1/incidents/{tracking}/close", headers=auth("dispatcher"),
              json={"disposition": "no_contact_possible", "note": ""})
    r = http.post(f"/api/v1/incidents/{tracking}/reopen", headers=auth("dispatcher"),
                  json={"reason": "she called the station"})
    assert r.status_code == 200
    bodies = [m["body"] for m in r.json()["outbound"]]
    assert "पोलीस तुमच्याशी संपर्क करू शकले नाहीत." in bodies[1]
    assert bodies[2].startswith(f"सुरक्षा: तुमची तक्रार {tracking} पुन्हा सुरू केली आहे.")
