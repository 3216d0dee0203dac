"""What a volunteer is sent by SMS when an SOS is near them, in their language (the `sms` catalogs, like what she
is sent: docs/i18n.md). Made only from the volunteer's view of the alert (`model.volunteer_view`): the locality, a
band of distance and the kind of help; never her name, number, words, tracking number or exact place.

An alert fits two segments in English (GSM-7) and four in Hindi or Marathi (UCS-2) with the longest locality and
address it can carry (tests/volunteers/test_texts.py).
"""

from __future__ import annotations

from suraksha.core import i18n
from suraksha.core.i18n import N_  # marks a message for extraction into the catalogs

DOMAIN = "sms"
MAX_SEGMENTS = {"en": 2, "hi": 4, "mr": 4}


ALERT = N_("Suraksha volunteer alert: a woman needs help near {place}, {distance} from you: {help}. "
           "Accept or decline: {link} Go only if it is safe. In danger? Call 112.")

HELP = {
    "immediate_danger": N_("she is in immediate danger"),
    "sexual_assault": N_("sexual assault"),
    "child_at_risk": N_("a child at risk"),
    "domestic_violence": N_("violence at home"),
    "stalking_harassment": N_("she is being followed or harassed"),
}
HELP_OTHER = N_("she asked for help")

DISTANCE = {
    "under_250m": N_("less than 250 m"),
    "250_500m": N_("250 to 500 m"),
    "500m_1km": N_("500 m to 1 km"),
    "1_2km": N_("1 to 2 km"),
    "2_5km": N_("2 to 5 km"),
    "over_5km": N_("more than 5 km"),
}


def _say(lang: str, message: str) -> str:
    return i18n.gettext(lang, DOMAIN, message)


def alert(view: dict, lang: str, link: str) -> str:
    """The SMS for a volunteer's view of an alert (`model.volunteer_view`)."""
    return _say(lang, ALERT).format(
        place=view["locality"], distance=_say(lang, DISTANCE.get(view["distance_band"], DISTANCE["over_5km"])),
        help=_say(lang, HELP.get(view["help"], HELP_OTHER)), link=link)
