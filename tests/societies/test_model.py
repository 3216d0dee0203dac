"""The plain rules of housing-society alerts: what a society's details must be, and the priority of an alert."""

from __future__ import annotations

import pytest

from suraksha.incidents.triage import CATEGORIES, triage
from suraksha.societies.model import (
    SAFETY_CATEGORIES,
    SocietyDetails,
    SocietyProblem,
    alert_priority,
    check_coordinator_name,
    check_details,
)


def test_every_safety_category_is_a_triage_category():
    assert SAFETY_CATEGORIES <= set(CATEGORIES)
    assert "cyber" not in SAFETY_CATEGORIES and "help_request" not in SAFETY_CATEGORIES


@pytest.mark.parametrize(("text", "expected"), [
    ("A man is harassing a girl near our gate", 1),  # stalking_harassment: P2 by triage, P1 from a coordinator
    ("Husband beating his wife in flat 302", 1),  # domestic_violence
    ("Help me", 1),
    ("Someone made a fake profile of a resident", 3),  # cyber: triage's priority stays
    ("The water tank is leaking", 3),  # nothing about safety: triage's priority stays
])
def test_a_coordinators_alert_is_p1_only_when_it_concerns_a_womans_safety(text, expected):
    t = triage(text, women_helpline=False)
    assert alert_priority(t.priority, t.matched) == expected


def test_the_rule_never_lowers_a_priority():
    assert alert_priority(1, ()) == 1
    assert alert_priority(2, ("cyber",)) == 2


def test_details_are_trimmed_and_checked():
    d = check_details(SocietyDetails("  Sagar   Darshan ", " Cuffe  Parade ", 18.9067, 72.8147))
    assert (d.name, d.address) == ("Sagar Darshan", "Cuffe Parade")
    for bad, code in ((SocietyDetails("x", "Cuffe Parade", 18.9, 72.8), "society_name_required"),
                      (SocietyDetails("Sagar", "", 18.9, 72.8), "address_required"),
                      (SocietyDetails("Sagar", "Cuffe Parade", 0, 0), "invalid_position"),
                      (SocietyDetails("Sagar", "Cuffe Parade", 95, 72.8), "invalid_position"),
                      (SocietyDetails("S" * 121, "Cuffe Parade", 18.9, 72.8), "name_too_long")):
        with pytest.raises(SocietyProblem) as refused:
            check_details(bad)
        assert refused.value.code == code
    with pytest.raises(SocietyProblem):
        check_coordinator_name(" ")
