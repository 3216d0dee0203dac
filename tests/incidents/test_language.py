"""Her language from her words (incidents.language): script first, then the words Hindi and Marathi do not share;
a reply that only names a language asks for it."""

import pytest

from suraksha.incidents.language import asked_for, choose, is_devanagari, of_text


@pytest.mark.parametrize("text,lang", [
    ("मुझे बचाओ, कोई मेरा पीछा कर रहा है", "hi"),
    ("मेरे पति मुझे मार रहे हैं", "hi"),
    ("मेरी बच्ची को ले गया", "hi"),
    ("मला वाचवा, कोणीतरी माझा पाठलाग करत आहे", "mr"),
    ("नवरा मारहाण करतोय", "mr"),
    ("माझ्या मुलीला त्रास देतो", "mr"),
    ("मदत करा", "mr"),
    ("मदद", "hi"),
    ("बलात्कार", "hi"),  # nothing tells them apart: Hindi
    ("help me, someone is following me", "en"),
    ("mujhe bachao", "en"),  # Romanised Hindi: English (see ADR 0007)
    ("मदद करो https://maps.google.com/?q=19.0760,72.8777", "hi"),  # the link's letters do not count
    ("Help me https://maps.google.com/?q=19.0760,72.8777", "en"),
    ("", "en"),
    ("12345", "en"),
])
def test_the_language_of_her_words(text, lang):
    assert of_text(text) == lang


@pytest.mark.parametrize("text,lang", [
    ("HINDI", "hi"), ("hindi", "hi"), ("हिंदी", "hi"), ("हिन्दी", "hi"), ("Hindi please", "hi"), ("hindi me", "hi"),
    ("MARATHI", "mr"), ("मराठी", "mr"), ("मराठी मध्ये", "mr"),
    ("ENGLISH", "en"), ("english please!", "en"), ("इंग्रजी", "en"), ("अंग्रेजी", "en"),
    ("English nahi aati", None), ("Hindi Marathi", None), ("my husband speaks only marathi", None), ("help", None),
])
def test_a_reply_that_only_names_a_language_asks_for_it(text, lang):
    assert asked_for(text) == lang


def test_what_a_contact_asks_for_comes_before_what_its_channel_says_and_what_it_is_in():
    assert choose("HINDI") == ("hi", True)
    assert choose("help", channel_says="mr") == ("mr", False)
    assert choose("help", channel_says="xx") == ("en", False)
    assert choose("मला मदत हवी आहे") == ("mr", False)
    assert is_devanagari("मदद करो help") and not is_devanagari("help me please मदद")
