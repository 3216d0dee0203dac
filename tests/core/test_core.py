"""Core pieces: tracking numbers, the clock, phone numbers, sealing, the error tree."""

from datetime import UTC, datetime

import pytest

from suraksha.core.clock import FixedClock, ensure_utc
from suraksha.core.errors import BadSignature, InvalidInput, NotFound
from suraksha.core.ids import TRACKING_ALPHABET, new_tracking_number, normalise_tracking_number
from suraksha.core.phones import mask, to_e164
from suraksha.core.privacy import Sealer


def test_tracking_numbers_are_short_unambiguous_and_varied():
    numbers = {new_tracking_number() for _ in range(2000)}
    assert len(numbers) == 2000
    for n in list(numbers)[:200]:
        assert len(n) == 9 and n[4] == "-" and all(c in TRACKING_ALPHABET for c in n.replace("-", ""))
    assert not set("01ILO") & set(TRACKING_ALPHABET)
    assert normalise_tracking_number(" 7kq2 9xdf ") == "7KQ2-9XDF"


def test_clock_refuses_naive_times():
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        ensure_utc(datetime(2026, 1, 1))
    c = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert c.advance(minutes=5).minute == 5


@pytest.mark.parametrize("raw,e164", [("+91 98200 12345", "+919820012345"), ("098200 12345", "+919820012345"),
                                      ("whatsapp:+919820012345", "+919820012345"), ("9820012345", "+919820012345")])
def test_phone_numbers_become_e164(raw, e164):
    assert to_e164(raw) == e164


@pytest.mark.parametrize("raw", ["", "hello", "+91 12", "+911000000000"])
def test_invalid_phone_numbers_are_refused_with_a_code(raw):
    with pytest.raises(InvalidInput) as err:
        to_e164(raw)
    assert err.value.code == "invalid_phone"


def test_masking_keeps_only_the_last_two_digits():
    assert mask("+919820012345") == "+••••••••••45" and mask(None) == "-"


def test_sealed_values_open_only_with_the_same_key():
    a, b = Sealer("key-one"), Sealer("key-two")
    sealed = a.seal("+919820012345")
    assert "9820012345" not in sealed and a.unseal(sealed) == "+919820012345"
    with pytest.raises(ValueError):
        b.unseal(sealed)
    assert a.fingerprint("x") == a.fingerprint("x") != b.fingerprint("x")


def test_errors_carry_stable_codes_and_statuses():
    assert NotFound("x").as_dict() == {"error": {"code": "not_found", "message": "x"}}
    assert InvalidInput("bad", code="invalid_phone", field="to").as_dict()["error"] == {
        "code": "invalid_phone", "message": "bad", "details": {"field": "to"}}
    assert (BadSignature("x").status, InvalidInput("x").status) == (403, 422)


def test_the_public_url_follows_host_and_port_unless_set(monkeypatch):
    from suraksha.settings import Settings

    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("SURAKSHA_PUBLIC_URL", raising=False)
    assert Settings().public_url == "http://127.0.0.1:8123"
    monkeypatch.setenv("SURAKSHA_PUBLIC_URL", "https://suraksha.example.in")
    assert Settings().public_url == "https://suraksha.example.in"
