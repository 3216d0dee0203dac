"""The noise rules (docs/adr/0009), plain: the blank rule and what it never marks, the number's flags."""

from __future__ import annotations

import pytest

from suraksha.core.errors import Conflict, InvalidInput
from suraksha.incidents import noise_rules as rules


@pytest.mark.parametrize("text,blank", [("", True), ("   \n\t", True), ("\u200b\u200d", True), (".", False),
                                        ("help", False), ("मदद", False)])
def test_blank_text(text, blank):
    assert rules.is_blank_text(text) is blank


@pytest.mark.parametrize("channel,location,media,keywords,blank", [
    ("sms", False, 0, (), True), ("whatsapp", False, 0, (), True),
    ("sos", False, 0, (), False),  # a panic button is never noise by rule
    ("call", False, 0, (), False), ("web", False, 0, (), False),  # a person decides
    ("sms", True, 0, (), False), ("whatsapp", False, 1, (), False), ("sms", False, 0, ("immediate_danger",), False),
])
def test_the_blank_rule_and_its_exceptions(channel, location, media, keywords, blank):
    assert rules.is_blank(channel, True, location, media, keywords) is blank
    assert rules.is_blank(channel, False, location, media, keywords) is False


def test_the_flags_of_a_number():
    fresh = rules.NumberHistory()
    assert not fresh.callback_after_blank and not fresh.repeat_noise
    once = fresh.add("blank")
    assert once.callback_after_blank and not once.repeat_noise
    assert once.add("prank").repeat_noise
    assert not fresh.add("test").add("test").repeat_noise  # tests do not count
    assert not fresh.add("abusive").callback_after_blank
    assert rules.flags(True, True) == ["callback_after_blank", "repeat_noise"] and rules.flags(False, False) == []


def test_checks():
    with pytest.raises(InvalidInput):
        rules.check_kind("spam")
    with pytest.raises(Conflict):
        rules.check_may_mark("prank", "prank", "new", "T")
    with pytest.raises(Conflict):
        rules.check_may_mark(None, "prank", "en_route", "T")
    rules.check_may_mark("blank", "prank", "new", "T")
    rules.check_may_mark(None, "test", "closed", "T")
    with pytest.raises(Conflict):
        rules.check_is_noise(None, "T")
