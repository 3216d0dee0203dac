"""What a volunteer is sent by SMS, in every language: made from the volunteer's view of an alert, within two
segments in English and four in Hindi or Marathi at its longest, never without 112 or the link to answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import suraksha
from suraksha.core.i18n import LANGUAGES
from suraksha.messaging.segments import segments
from suraksha.places import localities
from suraksha.stations.local_names import known as known_local_names
from suraksha.stations.model import place_name
from suraksha.volunteers import texts
from suraksha.volunteers.model import BANDS, FAR_BAND

PACKAGE = Path(suraksha.__file__).parent
NAMES = [f["properties"]["name"] for path in sorted((PACKAGE / "data" / "jurisdictions").glob("*.geojson"))
         for f in json.loads(path.read_text())["features"]]
NAMES += [name for pair in known_local_names().values() for name in pair if name]
PLACE = max([place_name(n) for n in NAMES] + [p.name for p in localities._all()], key=len)
LINK = "https://suraksha.mumbaipolice.gov.in/mr/volunteer"  # a long address, with a language prefix


def view(help_: str, band: str, place: str = PLACE) -> dict:
    return {"help": help_, "distance_band": band, "locality": place}


def every_alert(lang: str):
    for help_ in [*texts.HELP, "help_request"]:
        for band in [*(code for _, code in BANDS), FAR_BAND]:
            yield texts.alert(view(help_, band), lang, LINK)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_alert_fits_its_segments_at_its_longest_and_keeps_112_and_the_link(lang):
    assert len(PLACE) >= 30
    longest = max((segments(text) for text in every_alert(lang)), key=lambda s: s.units)
    assert longest.count <= texts.MAX_SEGMENTS[lang], longest
    assert longest.encoding == ("gsm7" if lang == "en" else "ucs2")
    for text in every_alert(lang):
        assert "112" in text and LINK in text and PLACE in text


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_kind_of_help_and_every_distance_is_said_in_her_language(lang):
    english = list(every_alert("en"))
    translated = list(every_alert(lang))
    assert len(set(translated)) == len(set(english))  # no two kinds or bands said alike
    assert not set(translated) & set(english)
