"""Every message to her, in every language, fits two SMS segments with the longest values it can carry: the
longest station name shipped (any city, Latin or Devanagari), the longest call sign dispatch accepts, every
shipped outcome; and none loses 112. (That the `sms` catalogs are complete: tests/core/test_catalogs.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

import suraksha
from suraksha.core.i18n import LANGUAGES
from suraksha.incidents import replies
from suraksha.incidents.model import DEFAULT_DISPOSITIONS
from suraksha.messaging.segments import MAX_SEGMENTS, segments
from suraksha.stations.local_names import known as known_local_names
from suraksha.stations.model import place_name

PACKAGE = Path(suraksha.__file__).parent
SOURCE = PACKAGE / "incidents" / "replies.py"  # the extraction source of the `sms` domain
NAMES = [f["properties"]["name"] for path in sorted((PACKAGE / "data" / "jurisdictions").glob("*.geojson"))
         for f in json.loads(path.read_text())["features"]]
NAMES += [name for pair in known_local_names().values() for name in pair if name]  # Hindi and Marathi names
STATION = max(NAMES, key=len)  # "kempegowda international Airport PS" (35 characters)
PLACE = max((place_name(n) for n in NAMES), key=len)
CALL_SIGN = "MUM-NIRBHAYA-SQUAD-ANDHERI-EAST1"  # 32 characters: the longest call sign dispatch accepts
TRACKING = "WXYZ-2345"
LATE = "23:59"

# Each template, and how the code fills it at its longest; a template added to replies.py must be added here.
CASES = {
    replies.ACK_STATION: [lambda lang: replies.acknowledgement(TRACKING, STATION, True, lang)],
    replies.ACK_STATION_ASK_LOCATION: [lambda lang: replies.acknowledgement(TRACKING, STATION, False, lang)],
    replies.ACK_CONTROL_ROOM: [lambda lang: replies.acknowledgement(TRACKING, None, True, lang)],
    replies.ACK_CONTROL_ROOM_ASK_LOCATION: [lambda lang: replies.acknowledgement(TRACKING, None, False, lang)],
    replies.FOLLOW_UP: [lambda lang: replies.follow_up(TRACKING, False, lang)],
    replies.FOLLOW_UP_LOCATION: [lambda lang: replies.follow_up(TRACKING, True, lang)],
    replies.LANGUAGE_CHOSEN: [lambda lang: replies.follow_up(TRACKING, True, lang, language_chosen=True)],
    replies.REOPENED: [lambda lang: replies.reopened(TRACKING, lang)],
    replies.RECEIVED_AGAIN: [lambda lang: replies.received_again(TRACKING, lang)],
    replies.UNIT_DISPATCHED: [lambda lang: replies.unit_dispatched(TRACKING, CALL_SIGN, lang)],
    replies.UNIT_ARRIVED: [lambda lang: replies.unit_arrived(TRACKING, CALL_SIGN, lang)],
    replies.TRANSFERRED: [lambda lang: replies.transferred(TRACKING, STATION, lang)],
    replies.MERGED: [lambda lang: replies.merged(TRACKING, "WXYZ-2346", lang)],
    replies.CLOSED: [lambda lang, o=o: replies.closed(TRACKING, o, LATE, lang) for o in replies.OUTCOMES],
}
NAMES_OF = {value: name for name, value in vars(replies).items() if isinstance(value, str) and value in CASES}


def extracted() -> set[str]:
    return {message for _, message, _, _ in extract_from_file("python", str(SOURCE))}


def longest(template: str, lang: str):
    return max((segments(fill(lang)) for fill in CASES[template]), key=lambda s: s.units)


def table() -> list[tuple[str, dict[str, str]]]:
    """Per template and language: 'units/segments' at the longest (GSM-7 septets or UCS-2 code units)."""
    return [(NAMES_OF[t], {lang: f"{s.units} {s.encoding} = {s.count}"
                           for lang in LANGUAGES for s in [longest(t, lang)]}) for t in CASES]


def test_the_worst_case_values_are_the_longest_there_are():
    assert len(STATION) == 35 and len(PLACE) >= 30 and len(CALL_SIGN) == 32


def test_every_template_has_a_case_and_the_outcomes_are_the_shipped_dispositions():
    assert set(CASES) | set(replies.OUTCOMES) == extracted()
    assert set(replies.OUTCOMES) == {d.outcome for d in DEFAULT_DISPOSITIONS}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_fits_two_segments_at_its_longest(lang):
    too_long = {NAMES_OF[t]: longest(t, lang) for t in CASES if longest(t, lang).count > MAX_SEGMENTS}
    assert not too_long
    for name, counts in table() if lang == "en" else ():  # the table in docs/adr/0007 (pytest -s)
        print(f"{name:32} " + "  ".join(f"{k}: {v:14}" for k, v in counts.items()))


def test_devanagari_messages_are_sent_as_ucs2_and_english_ones_as_gsm7():
    for t in CASES:
        assert longest(t, "en").encoding == "gsm7", NAMES_OF[t]
        assert longest(t, "hi").encoding == longest(t, "mr").encoding == "ucs2"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_no_message_loses_112(lang):
    """Where the English message names 112, hers does too (an outcome may leave it to the closing message)."""
    for template, fills in CASES.items():
        for fill in fills:
            assert "112" not in fill("en") or "112" in fill(lang), NAMES_OF[template]
