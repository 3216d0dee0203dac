"""The case side's rules, without a database: sections, the FIR's checks, the clock, who an alert reaches, the
shipped data, and the sealing key ring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from suraksha.cases.model import (
    Accused,
    AlertPoint,
    CaseProblem,
    ClockRule,
    Fir,
    Victim,
    alert_reaches,
    alert_schedule,
    check_fir,
    check_rule,
    classify,
    clock_state,
    days_left,
    fir_number,
    pseudonym,
    redact,
    section_code,
)
from suraksha.cases.offences import read_sections, shipped_rules, shipped_sections
from suraksha.core.auth import Locus, Principal, Role, ScopeKind
from suraksha.core.privacy import Sealer, key_id_of
from suraksha.settings import Settings, parse_key_ring

NOW = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)
TABLE = {s.code: s for s, _ in shipped_sections()}
RULE, _SOURCE = shipped_rules()[0][0], shipped_rules()[1]


def fir(**over) -> Fir:
    base = {"station_id": 1, "sections": ("BNS 64",), "occurred_at": NOW - timedelta(hours=12),
            "place": "Colaba", "victim": Victim("Sunita Pawar", "+919820054321", "Colaba", 24, "mr"),
            "accused": (Accused(False),), "woman_officer": "PSI Jadhav",
            "summary": "She reports that a man assaulted her."}
    return Fir(**(base | over))


def problem_of(**over) -> str:
    with pytest.raises(CaseProblem) as caught:
        check_fir(fir(**over), TABLE, NOW)
    return caught.value.code


def test_sections_are_read_as_officers_write_them():
    assert section_code("bns s.65(2)") == ("BNS 65(2)", "BNS 65")
    assert section_code("POCSO Section 6") == ("POCSO 6", "POCSO 6")
    assert section_code("BNS-64") == ("BNS 64", "BNS 64")
    for wrong in ("IPC 376", "BNS", "64", "BNS 6400", ""):
        with pytest.raises(CaseProblem):
            section_code(wrong)


def test_the_shipped_table_says_which_offences_are_sexual_and_which_run_the_clock():
    got = classify(("BNS 64", "BNS 351"), TABLE)
    assert got.sexual_offence and got.woman_officer_required and got.clock_class == "bnss_193" and got.registrable
    assert classify(("BNS 78",), TABLE).clock_class is None  # stalking: no set deadline, a woman officer still
    assert classify(("BNS 78",), TABLE).woman_officer_required
    assert not classify(("BNS 351",), TABLE).sexual_offence
    # BNSS s193(2) names exactly these: BNS 64-68, 70, 71 and POCSO 4, 6, 8, 10
    timed = {code for code, s in TABLE.items() if s.clock_class == "bnss_193"}
    assert timed == {"BNS 64", "BNS 65", "BNS 66", "BNS 67", "BNS 68", "BNS 70", "BNS 71", "POCSO 4", "POCSO 6",
                     "POCSO 8", "POCSO 10"}
    # BNSS s173(1) proviso: a woman officer records BNS 64-71, 74-79 and 124
    woman = {code for code, s in TABLE.items() if s.act == "BNS" and s.woman_officer_required}
    assert {f"BNS {n}" for n in (*range(64, 72), *range(74, 80), 124)} <= woman
    with pytest.raises(CaseProblem) as caught:
        classify(("BNS 64", "IPC 376", "BNS 999"), TABLE)
    assert caught.value.code == "unknown_section" and caught.value.details["sections"] == ["IPC 376", "BNS 999"]


def test_an_offence_table_file_is_checked_line_by_line():
    header = "code,act,section,title,sexual_offence,woman_officer_required,clock_class,registrable,source\n"
    assert read_sections(header + "BNS 64,BNS,64,Rape,yes,yes,bnss_193,yes,BNS s64\n")[0][0].clock_class == "bnss_193"
    for bad in ("BNS 64,BNS,65,Rape,yes,yes,,yes,x\n", "BNS 64,BNS,64,Rape,maybe,yes,,yes,x\n",
                "BNS 64,BNS,64,,yes,yes,,yes,x\n", "BNS 64,BNS,64,A,no,no,,no,x\nBNS 64,BNS,64,A,no,no,,no,x\n"):
        with pytest.raises(CaseProblem):
            read_sections(header + bad)
    with pytest.raises(CaseProblem):
        read_sections("code,title\nBNS 64,Rape\n")


def test_an_fir_breaks_no_rule_or_says_which():
    checked, got = check_fir(fir(sections=("bns 64", "BNS 64", "bns 351")), TABLE, NOW)
    assert checked.sections == ("BNS 64", "BNS 351") and got.clock_class == "bnss_193"
    assert problem_of(sections=()) == "sections_required"
    assert problem_of(woman_officer=None) == "woman_officer_must_record"
    assert problem_of(woman_officer="   ") == "woman_officer_must_record"
    assert check_fir(fir(sections=("BNS 351",), woman_officer=None), TABLE, NOW)[0].woman_officer is None
    assert problem_of(occurred_at=NOW + timedelta(hours=1)) == "occurred_in_future"
    assert problem_of(victim=Victim("  ", None, None, 20, "en")) == "victim_name_required"
    assert problem_of(sections=("POCSO 4",), victim=Victim("A child", None, None, None, "hi")) == "victim_age_required"
    assert problem_of(sections=("POCSO 4",), victim=Victim("A", None, None, 18, "hi")) == "pocso_victim_not_a_child"
    assert problem_of(place=" ") == "place_required"
    assert problem_of(accused=()) == "accused_required"
    assert problem_of(accused=(Accused(True, " "),)) == "accused_name_required"
    assert problem_of(summary="short") == "summary_required"


def test_numbers_pseudonyms_and_redaction():
    assert fir_number("mumbai", 17, 2026, 12) == "MUM-17-2026-0012"
    assert fir_number(None, 3, 2027, 1) == "IND-3-2027-0001"
    assert pseudonym("MUM-17-2026-0012") == "Survivor MUM-17-2026-0012-A"
    text = "Sunita Pawar (SUNITA PAWAR) of 12 Shivaji Nagar, phone +91 98200 54321 or 9820054321, says"
    shown = redact(text, ["Sunita Pawar", "+919820054321", "12 Shivaji Nagar"], "[S]")
    assert shown == "[S] ([S]) of [S], phone [S] or [S], says"


def test_the_clock_runs_sixty_days_with_alerts_at_set_points():
    assert (RULE.days, [p.point for p in RULE.points]) == (60, ["day_30", "day_45", "day_55", "breach"])
    due = alert_schedule(NOW, RULE)
    assert [(p.point, (when - NOW).days) for p, when in due] == [("day_30", 30), ("day_45", 45), ("day_55", 55),
                                                                 ("breach", 60)]
    deadline = NOW + timedelta(days=60)
    assert days_left(deadline, NOW) == 60 and days_left(deadline, deadline - timedelta(hours=1)) == 1
    assert days_left(deadline, deadline) == 0 and days_left(deadline, NOW + timedelta(days=55, minutes=1)) == 5
    assert days_left(deadline, deadline + timedelta(hours=1)) == -1
    assert clock_state(deadline, False, NOW + timedelta(days=44)) == "ok"
    assert clock_state(deadline, False, NOW + timedelta(days=46)) == "soon"
    assert clock_state(deadline, False, NOW + timedelta(days=56)) == "late"
    assert clock_state(deadline, False, NOW + timedelta(days=61)) == "late"
    assert clock_state(deadline, True, NOW + timedelta(days=61)) == "stopped"
    assert clock_state(None, False, NOW) == "none"


def test_a_rule_an_administrator_sets_is_checked():
    ok = ClockRule("bnss_193", 90, (AlertPoint("day_60", 60, ("io",)), AlertPoint("breach", None, ("io",))))
    assert check_rule(ok) is ok
    for broken in (ClockRule("x", 0, ()), ClockRule("x", 60, (AlertPoint("day_70", 70, ("io",)),)),
                   ClockRule("x", 60, (AlertPoint("a", 10, ("io",)), AlertPoint("a", 20, ("io",)))),
                   ClockRule("x", 60, (AlertPoint("a", 10, ("commissioner",)),)),
                   ClockRule("x", 60, (AlertPoint("a", 10, ()),))):
        with pytest.raises(CaseProblem) as caught:
            check_rule(broken)
        assert caught.value.code == "invalid_deadline_rule"


def test_an_alert_reaches_the_io_the_station_head_and_the_district_superintendent():
    colaba = Locus(7, "mumbai", "MH")
    io = Principal(1, "io_a", Role.STATION_OFFICER, ScopeKind.STATION, "7")
    head = Principal(2, "officer", Role.STATION_OFFICER, ScopeKind.STATION, "7")
    dcp = Principal(3, "dcp", Role.STATION_OFFICER, ScopeKind.CITY, "mumbai")
    elsewhere = Principal(4, "sho_b", Role.STATION_OFFICER, ScopeKind.STATION, "8")
    national = Principal(5, "admin", Role.ADMIN, ScopeKind.NATIONAL, "")
    dispatcher = Principal(6, "dispatcher", Role.DISPATCHER, ScopeKind.CITY, "mumbai")
    reached = {who.username for who in (io, head, dcp, elsewhere, national, dispatcher)
               if alert_reaches(who, ["io"], "io_a", colaba)}
    assert reached == {"io_a"}
    assert {w.username for w in (io, head, dcp, elsewhere) if alert_reaches(w, ["io", "station_head"], "io_a", colaba)} \
        == {"io_a", "officer"}
    everyone = ["io", "station_head", "district_superintendent"]
    assert {w.username for w in (io, head, dcp, elsewhere, national, dispatcher)
            if alert_reaches(w, everyone, "io_a", colaba)} == {"io_a", "officer", "dcp"}
    assert alert_reaches(head, ["io"], None, colaba)  # no IO yet: the station head takes the IO's alerts


def test_sealing_keys_rotate_new_values_with_the_newest_old_ones_still_open():
    secret = "test-secret-key-for-suraksha"
    legacy = Sealer(secret)
    old = legacy.seal("+919820054321")
    assert key_id_of(old) == "" and "9820054321" not in old
    one = Sealer(secret, [("k1", "first-key-0123456789")])
    two = Sealer(secret, [("k2", "second-key-0123456789"), ("k1", "first-key-0123456789")])
    with_one = one.seal("Sunita")
    assert key_id_of(with_one) == "k1" and one.unseal(old) == "+919820054321"
    assert two.unseal(with_one) == "Sunita" and two.unseal(old) == "+919820054321"
    assert key_id_of(two.seal("x")) == "k2"
    assert two.needs_reseal(with_one) and two.needs_reseal(old) and not two.needs_reseal(two.seal("x"))
    moved = two.reseal(with_one)
    assert key_id_of(moved) == "k2" and Sealer(secret, [("k2", "second-key-0123456789")]).unseal(moved) == "Sunita"
    with pytest.raises(ValueError):
        Sealer(secret, [("k2", "second-key-0123456789")]).unseal(with_one)  # k1 dropped: its values no longer open
    with pytest.raises(ValueError):
        Sealer("another-secret", [("k1", "another-key-01234567")]).unseal(with_one)  # same id, other key
    assert legacy.fingerprint("x") == two.fingerprint("x")  # fingerprints do not rotate


def test_a_key_ring_is_written_id_equals_secret_newest_first():
    assert parse_key_ring(" k2 = second-key-0123456789 , k1=first-key-0123456789,") == [
        ("k2", "second-key-0123456789"), ("k1", "first-key-0123456789")]
    assert parse_key_ring("") == []
    for bad in ("k1", "k1=short", "bad id=first-key-0123456789", "k1=first-key-0123456789,k1=second-key-012345678"):
        with pytest.raises(ValueError):
            parse_key_ring(bad)
    with pytest.raises(ValueError):
        Settings(seal_keys="k1=short")
    with pytest.raises(ValueError):  # in production a ring key may not be the secret key itself
        Settings(env="production", secret_key="a-real-production-secret-123", twilio_auth_token="t",
                 seal_keys="k1=a-real-production-secret-123")
