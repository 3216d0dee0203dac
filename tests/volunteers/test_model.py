"""The volunteers' rules without a database: applications, the states a volunteer goes through, whom an SOS
alerts, and what a volunteer may be told (a coarse place and a band of distance, nothing that names her)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest

from suraksha.core.geo import Point, haversine_m
from suraksha.volunteers import model
from suraksha.volunteers.model import AlertFacts, Answer, Application, Candidate, VolunteerProblem

NOW = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)
HER = Point(72.829876, 18.921234)


def problem(rule) -> str:
    with pytest.raises(VolunteerProblem) as caught:
        rule()
    return caught.value.code


def test_an_application_is_cleaned_and_its_rules_have_codes():
    a = model.check_application(Application("  Asha   Pawar ", " +91 98200 55555 ", "mr", " Mumbai ", " Colaba  Causeway ",
                                            ("vehicle", "first_aid")))
    assert a == Application("Asha Pawar", "+91 98200 55555", "mr", "mumbai", "Colaba Causeway", ("first_aid", "vehicle"))
    good = Application("Asha", "+919820055555", "en", "mumbai", "Colaba")
    assert problem(lambda: model.check_application(good.__class__("A", good.phone, "en", "mumbai", "Colaba"))) \
        == "name_required"
    assert problem(lambda: model.check_application(Application("A" * 121, good.phone, "en", "mumbai", "Colaba"))) \
        == "name_too_long"
    assert problem(lambda: model.check_application(Application("Asha", good.phone, "ta", "mumbai", "Colaba"))) \
        == "invalid_language"
    assert problem(lambda: model.check_application(Application("Asha", good.phone, "en", "mumbai", " x "))) \
        == "locality_required"
    assert problem(lambda: model.check_application(Application("Asha", good.phone, "en", "mumbai", "Colaba",
                                                               ("karate",)))) == "invalid_skill"


def test_a_volunteers_states():
    assert model.next_status("applied", "verify") == "verified"
    assert model.next_status("applied", "refuse") == "refused"
    assert model.next_status("verified", "suspend") == "suspended"
    assert model.next_status("suspended", "reinstate") == "verified"
    for status, action in (("verified", "verify"), ("refused", "verify"), ("applied", "suspend"),
                           ("verified", "reinstate"), ("suspended", "refuse")):
        assert problem(lambda s=status, a=action: model.next_status(s, a)) == "invalid_volunteer_transition"
    assert model.check_username(" Vol-Asha.1 ") == "vol-asha.1"
    assert problem(lambda: model.check_username("a b")) == "invalid_username"
    assert model.default_username(12) == "vol-00012"


def at(metres_north: float) -> Point:
    return Point(HER.lon, HER.lat + metres_north / 110_574.0)


def test_the_nearest_within_the_radius_are_chosen_and_no_more_than_the_cap():
    fresh, stale = NOW - timedelta(minutes=5), NOW - model.POSITION_FRESH - timedelta(minutes=1)
    candidates = [
        Candidate(1, at(900), None, None),  # their area, 900 m away
        Candidate(2, at(5000), at(100), fresh),  # lives far, is near now
        Candidate(3, at(100), at(5000), fresh),  # lives near, is far now
        Candidate(4, at(5000), at(50), stale),  # was near two hours ago: their area counts again
        Candidate(5, at(1001), None, None),  # just outside
        Candidate(6, at(300), None, None),
    ]
    chosen = model.choose(candidates, HER, 1000, 5, NOW)
    assert [v for v, _ in chosen] == [2, 6, 1]
    assert all(abs(d - m) < 0.01 * m for (_, d), m in zip(chosen, (100, 300, 900)))  # metres, as measured
    assert [v for v, _ in model.choose(candidates, HER, 1000, 2, NOW)] == [2, 6]
    assert model.choose(candidates, HER, 50, 5, NOW) == []


def test_which_incidents_call_volunteers():
    assert model.calls_volunteers(1, "immediate_danger", "new", True)
    assert model.calls_volunteers(1, "domestic_violence", "en_route", True)
    assert not model.calls_volunteers(2, "immediate_danger", "new", True)  # not an SOS
    assert not model.calls_volunteers(1, "immediate_danger", "new", False)  # nowhere to go
    assert not model.calls_volunteers(1, "cyber", "new", True)  # online blackmail: nobody nearby can help
    assert not model.calls_volunteers(1, "immediate_danger", "on_scene", True)  # police are there
    assert not model.calls_volunteers(1, "immediate_danger", "closed", True)


def test_her_place_is_rounded_to_the_centre_of_a_few_hundred_metres_square():
    lat, lon = model.coarse_point(HER.lat, HER.lon)
    assert (lat, lon) != (HER.lat, HER.lon)
    off = haversine_m(HER, Point(lon, lat))
    assert 0 < off <= model.GRID_M * 0.71 + 15  # within half the square's diagonal (and the 4-decimal rounding)
    # every point of the square gives the same centre: it says nothing finer than the square
    same = {model.coarse_point(lat + dy, lon + dx) for dy in (-0.0008, 0, 0.0008) for dx in (-0.0008, 0, 0.0008)}
    assert same == {(lat, lon)}
    assert [model.distance_band(m) for m in (0, 249, 250, 999, 1000, 4999, 5000)] == \
        ["under_250m", "under_250m", "250_500m", "500m_1km", "1_2km", "2_5km", "over_5km"]


def facts(**over) -> AlertFacts:
    base = {"id": 7, "category": "immediate_danger", "locality": "Colaba", "area_lat": 18.9213, "area_lon": 72.8298,
            "distance_band": "250_500m", "alerted_at": NOW, "expires_at": NOW + timedelta(minutes=10),
            "answer": None, "answered_at": None}
    return AlertFacts(**(base | over))


def test_an_alert_holds_nothing_that_names_her_and_the_view_shows_only_what_it_holds():
    assert {f.name for f in fields(AlertFacts)} == {"id", "category", "locality", "area_lat", "area_lon",
                                                    "distance_band", "alerted_at", "expires_at", "answer",
                                                    "answered_at"}
    view = model.volunteer_view(facts(), True, NOW)
    assert set(view) == {"id", "help", "locality", "area", "distance_band", "alerted_at", "expires_at", "state",
                         "answered_at", "can_answer"}
    assert view["area"] == {"lat": 18.9213, "lon": 72.8298, "within_m": 300}
    assert view["state"] == "waiting" and view["can_answer"]
    assert model.volunteer_view(facts(), False, NOW)["state"] == "withdrawn"
    assert model.volunteer_view(facts(), True, NOW + timedelta(minutes=10))["state"] == "expired"
    assert model.volunteer_view(facts(answer="accepted"), False, NOW)["state"] == "accepted"


def test_an_answer_is_refused_after_expiry_once_help_is_not_needed_or_after_the_other_answer():
    assert model.check_answer(facts(), True, Answer.ACCEPTED, NOW)
    assert not model.check_answer(facts(answer="accepted"), True, Answer.ACCEPTED, NOW)  # the same again: nothing
    assert problem(lambda: model.check_answer(facts(answer="declined"), True, Answer.ACCEPTED, NOW)) \
        == "already_answered"
    assert problem(lambda: model.check_answer(facts(), True, Answer.ACCEPTED, NOW + timedelta(minutes=10))) \
        == "alert_expired"
    assert problem(lambda: model.check_answer(facts(), False, Answer.ACCEPTED, NOW)) == "alert_withdrawn"
