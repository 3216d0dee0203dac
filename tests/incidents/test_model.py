"""The incident's rules, without a database: retry, join, reopen or new; priority; locations."""

from datetime import UTC, datetime, timedelta

import pytest

from suraksha.core.errors import Conflict, InvalidInput
from suraksha.core.geo import Point
from suraksha.incidents import model
from suraksha.incidents.model import ContactDecision, LocationChange, OpenCandidate

NOW = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)


def open_since(minutes: float) -> OpenCandidate:
    return OpenCandidate("dispatched", NOW - timedelta(minutes=minutes), None)


def closed_since(hours: float) -> OpenCandidate:
    return OpenCandidate("closed", NOW - timedelta(hours=hours + 1), NOW - timedelta(hours=hours))


@pytest.mark.parametrize("retry,candidate,expected", [
    ("ABCD-2345", open_since(5), ContactDecision.RETRY),  # a provider retry wins over everything
    (None, None, ContactDecision.NEW),
    (None, open_since(29), ContactDecision.JOIN),
    (None, open_since(31), ContactDecision.NEW),  # silence longer than the window: a new emergency
    (None, closed_since(23), ContactDecision.REOPEN),  # she was told a reply within 24 hours reopens it
    (None, closed_since(25), ContactDecision.NEW),
])
def test_a_contact_is_a_retry_a_join_a_reopening_or_new(retry, candidate, expected):
    assert model.decide(retry, candidate, NOW) is expected


def test_rules_only_raise_a_priority():
    assert model.raise_only(3, 1) == 1 and model.raise_only(1, 3) == 1


def test_a_later_location_is_taken_kept_or_proposed_never_overwritten():
    wadala = Point(72.8656, 19.0176)
    assert model.location_change(None, wadala) is LocationChange.TAKEN
    assert model.location_change(wadala, None) is LocationChange.NONE
    assert model.location_change(wadala, Point(72.8660, 19.0178)) is LocationChange.SAME  # ~45 m: GPS jitter
    assert model.location_change(wadala, Point(72.8296, 19.0544)) is LocationChange.PROPOSED  # ~5.5 km away


def test_only_a_new_incident_follows_its_location_to_another_station():
    assert model.may_reroute("new") and not model.may_reroute("dispatched") and not model.may_reroute("on_scene")


def test_changes_need_a_reason_and_valid_values():
    with pytest.raises(InvalidInput) as e:
        model.check_reason("  ")
    assert e.value.code == "reason_required"
    with pytest.raises(InvalidInput) as e:
        model.check_priority(0)
    assert e.value.code == "invalid_priority"
    with pytest.raises(Conflict) as e:
        model.check_open("closed", "ABCD-2345")
    assert e.value.code == "incident_closed"
    assert model.check_note("  on the way  ") == "on the way"


def test_every_disposition_says_the_outcome_in_plain_words():
    codes = [d.code for d in model.DEFAULT_DISPOSITIONS]
    assert len(set(codes)) == len(codes) >= 6
    assert {"attended_resolved", "fir_to_be_registered", "referred_counselling", "false_alarm", "duplicate",
            "no_contact_possible"} <= set(codes)
    assert all(d.outcome.endswith(".") and len(d.outcome) < 160 for d in model.DEFAULT_DISPOSITIONS)
