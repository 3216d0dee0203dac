"""Reading a location out of a message, and the triage rule table."""

import pytest

from suraksha.incidents.triage import GENERAL_PRIORITY, normalise, raise_only, triage
from suraksha.intake.model import parse_location


@pytest.mark.parametrize("body", [
    "help geo:19.0712,72.8295",
    "geo:19.0712,72.8295;u=35 please",
    "I am here https://maps.google.com/?q=19.0712,72.8295",
    "https://www.google.com/maps?q=19.0712%2C72.8295",
    "https://www.google.com/maps/@19.0712,72.8295,17z",
    "https://www.google.com/maps/place/Bandra/@19.0712,72.8295,15z/data=x",
    "https://www.google.com/maps/search/19.0712,+72.8295",
    "https://www.openstreetmap.org/?mlat=19.0712&mlon=72.8295#map=17/19.0712/72.8295",
    "https://maps.apple.com/?ll=19.0712,72.8295",
    "mera location 19.0712, 72.8295 hai",
])
def test_locations_in_the_forms_people_send(body):
    p = parse_location(body)
    assert p is not None and (round(p.lat, 4), round(p.lon, 4)) == (19.0712, 72.8295)


@pytest.mark.parametrize("body", ["help me please", "call 9820012345", "geo:0,0", "geo:95.1,72.8",
                                  "bus no 12.5 at 3.30"])
def test_no_location_is_invented(body):
    assert parse_location(body) is None


@pytest.mark.parametrize("body,category", [
    ("Help me, he has a knife", "immediate_danger"),
    ("BACHAOOO koi hai", "immediate_danger"),
    ("मुझे बचाओ", "immediate_danger"),
    ("मदत करा", "immediate_danger"),
    ("he tried to rape me", "sexual_assault"),
    ("बलात्कार", "sexual_assault"),
    ("my husband is beating me", "domestic_violence"),
    ("pati maar raha hai", "domestic_violence"),
    ("माझा नवरा मारहाण करतो", "domestic_violence"),
    ("a man is following me", "stalking_harassment"),
    ("कोई पीछा कर रहा है", "stalking_harassment"),
    ("ek ladka roz pichha karta hai", "stalking_harassment"),
    ("he is blackmailing me with morphed photos", "cyber"),
])
def test_categories_in_english_hindi_and_marathi_both_scripts(body, category):
    assert triage(body, women_helpline=False).category == category


def test_women_helpline_messages_are_priority_one_whatever_the_words():
    assert triage("what are your office timings", women_helpline=True).priority == 1
    assert triage("he is blackmailing me", women_helpline=True).priority == 1


def test_words_raise_a_general_line_message_but_never_lower_it():
    assert triage("what are your office timings", women_helpline=False).priority == GENERAL_PRIORITY
    assert triage("my husband beats me", women_helpline=False).priority == 2
    assert triage("rape", women_helpline=False).priority == 1
    assert raise_only(1, 3) == 1 and raise_only(3, 2) == 2


def test_words_match_whole_words_only():
    assert triage("the gunny bags are here", women_helpline=False).category == "help_request"  # not "gun"
    assert normalise("  HELPPPP   me ") == "help me"
