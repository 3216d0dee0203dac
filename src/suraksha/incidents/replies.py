"""What the person who asked for help is told, in plain words and in her language (docs/adr/0007).

Every message is a template of the `sms` gettext domain: English is the msgid, Hindi and Marathi are the
catalogs `suraksha/locale/{hi,mr}/LC_MESSAGES/sms.po`. Each must fit in two SMS segments however long the
station's name, the unit's call sign or the outcome (`tests/incidents/test_her_language.py` counts them).
A station is named in full ("Colaba Police Station"), or, in an acknowledgement where room is short, by its
place ("Colaba") followed by the language's word for police. `lang` is the incident's language (en, hi, mr);
without it, English.
"""

from __future__ import annotations

from suraksha.core import i18n
from suraksha.core.i18n import N_  # marks a message for extraction into the catalogs
from suraksha.stations.model import place_name

DOMAIN = "sms"


ACK_STATION = N_("Suraksha: your message is received and sent to {place} police. Tracking number {tracking}. "
                 "In danger now? Call 112. For Hindi reply HINDI, for Marathi MARATHI.")
ACK_STATION_ASK_LOCATION = N_(
    "Suraksha: your message is received and sent to {place} police. Tracking number {tracking}. "
    "Share your location (a maps link) if you can. In danger now? Call 112. "
    "For Hindi reply HINDI, for Marathi MARATHI.")
ACK_CONTROL_ROOM = N_("Suraksha: your message is received and sent to the city control room. "
                      "Tracking number {tracking}. In danger now? Call 112. "
                      "For Hindi reply HINDI, for Marathi MARATHI.")
ACK_CONTROL_ROOM_ASK_LOCATION = N_(
    "Suraksha: your message is received and sent to the city control room. Tracking number {tracking}. "
    "Share your location (a maps link) if you can. In danger now? Call 112. "
    "For Hindi reply HINDI, for Marathi MARATHI.")
FOLLOW_UP = N_("Suraksha: added to your report {tracking}.")
FOLLOW_UP_LOCATION = N_("Suraksha: added to your report {tracking}. Location received.")
LANGUAGE_CHOSEN = N_("Suraksha {tracking}: you will get our messages in English.")  # each catalog names its own
REOPENED = N_("Suraksha: your report {tracking} is open again. Police are being informed. In danger now? Call 112.")
RECEIVED_AGAIN = N_("Suraksha: your message is received. Tracking number {tracking}.")
UNIT_DISPATCHED = N_("Suraksha {tracking}: police unit {call_sign} has been dispatched to you.")
UNIT_ARRIVED = N_("Suraksha {tracking}: police unit {call_sign} has arrived.")
TRANSFERRED = N_("Suraksha {tracking}: your report is now handled by {station}. You need not do anything.")
MERGED = N_("Suraksha: your report {tracking} is joined with report {into} about the same emergency. "
            "Police are handling it. Use {into} from now on.")
CLOSED = N_("Suraksha {tracking}: closed at {time}. {outcome} Reply within 24 hours to reopen it. "
            "In danger now? Call 112.")

# The outcomes of the shipped dispositions (`incidents.model.DEFAULT_DISPOSITIONS`), as she is told them; an
# outcome added to the table later and missing here is sent in English.
OUTCOMES = (
    N_("Police attended and the matter was resolved."),
    N_("Police attended. A First Information Report (FIR) is to be registered; the station will contact you."),
    N_("You have been referred to a counselling centre, which will contact you."),
    N_("Your report has been passed to the agency that handles it."),
    N_("The report was closed: no help was needed."),
    N_("The report was joined with another report of yours."),
    N_("Police could not reach you. Reply to the helpline or call 112 if you still need help."),
)

def _say(lang: str | None, message: str, **values: str) -> str:
    return i18n.gettext(lang or i18n.DEFAULT_LANGUAGE, DOMAIN, message).format(**values)


def acknowledgement(tracking: str, station_name: str | None, location_known: bool, lang: str | None = None) -> str:
    if station_name:
        message = ACK_STATION if location_known else ACK_STATION_ASK_LOCATION
        return _say(lang, message, place=place_name(station_name), tracking=tracking)
    return _say(lang, ACK_CONTROL_ROOM if location_known else ACK_CONTROL_ROOM_ASK_LOCATION, tracking=tracking)


def follow_up(tracking: str, location_received: bool, lang: str | None = None, language_chosen: bool = False) -> str:
    """A message joined her open incident; a reply that only asked for a language is answered in it."""
    if language_chosen:
        return _say(lang, LANGUAGE_CHOSEN, tracking=tracking)
    return _say(lang, FOLLOW_UP_LOCATION if location_received else FOLLOW_UP, tracking=tracking)


def reopened(tracking: str, lang: str | None = None) -> str:
    return _say(lang, REOPENED, tracking=tracking)


def received_again(tracking: str, lang: str | None = None) -> str:
    return _say(lang, RECEIVED_AGAIN, tracking=tracking)


def unit_dispatched(tracking: str, call_sign: str, lang: str | None = None) -> str:
    return _say(lang, UNIT_DISPATCHED, tracking=tracking, call_sign=call_sign)


def unit_arrived(tracking: str, call_sign: str, lang: str | None = None) -> str:
    return _say(lang, UNIT_ARRIVED, tracking=tracking, call_sign=call_sign)


def transferred(tracking: str, station_name: str, lang: str | None = None) -> str:
    return _say(lang, TRANSFERRED, tracking=tracking, station=station_name)


def outcome(text: str, lang: str | None = None) -> str:
    """A disposition's outcome in her language (the English text when no catalog has it)."""
    return i18n.gettext(lang or i18n.DEFAULT_LANGUAGE, DOMAIN, text)


def closed(tracking: str, outcome_text: str, local_time: str, lang: str | None = None) -> str:
    return _say(lang, CLOSED, tracking=tracking, time=local_time, outcome=outcome(outcome_text, lang))


def merged(tracking: str, into: str, lang: str | None = None) -> str:
    """Her report was joined with another about the same emergency: she is told once, in her report's language."""
    return _say(lang, MERGED, tracking=tracking, into=into)
