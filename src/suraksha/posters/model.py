"""A station's poster and social-media text (issue 8): what they say, in the poster's language.

The Mumbai scheme is publicity first: every station's women-helpline number put up at the station, in schools,
colleges, on Nirbhaya vans and on the station's social-media page. A poster (A4) carries the station's name in
the poster's language (its stored Hindi or Marathi name, else its English name read aloud in Devanagari, with
the official name under it), its women-helpline number large, its general number, 112, and a QR code that opens
the station in the public directory. Texts are the `posters` gettext domain: English is the msgid, Hindi and
Marathi the catalogs `suraksha/locale/{hi,mr}/LC_MESSAGES/posters.po`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode

import phonenumbers

from suraksha.core import i18n
from suraksha.core.errors import Conflict, InvalidInput
from suraksha.core.i18n import N_  # marks a message for extraction into the catalogs
from suraksha.posters.names import devanagari
from suraksha.stations.model import StationRef, place_name

DOMAIN = "posters"


TITLE = N_("Women's helpline")
BRAND = N_("Suraksha")  # as her messages are signed
CALL_OR_SMS = N_("Call or send an SMS")
WRITE_IN = N_("Write in English, Hindi or Marathi. You get a tracking number at once.")
SEND_LOCATION = N_("Send your location (a maps link) if you can.")
DANGER = N_("In danger now? Call {number}")
GENERAL = N_("Station's general number")
SCAN = N_("Scan: this station and the stations near you")
REPLY_LANGUAGE = N_("For messages in Hindi reply HINDI, in Marathi MARATHI, in English ENGLISH.")
POLICE_STATION = N_("Police Station")  # after a name read aloud in Devanagari
SOCIAL = N_("{station}: women's helpline {women} (call or SMS). Write in English, Hindi or Marathi: you get a "
            "tracking number at once. In danger now? Call 112. Station's general number: {general}. "
            "Find your station: {url} #WomenHelpline #Dial112")
SOCIAL_NO_GENERAL = N_("{station}: women's helpline {women} (call or SMS). Write in English, Hindi or Marathi: you "
                       "get a tracking number at once. In danger now? Call 112. Find your station: {url} "
                       "#WomenHelpline #Dial112")
LINES = {"title": TITLE, "brand": BRAND, "call_or_sms": CALL_OR_SMS, "write_in": WRITE_IN,
         "send_location": SEND_LOCATION, "danger": DANGER, "general": GENERAL, "scan": SCAN,
         "reply_language": REPLY_LANGUAGE}


@dataclass(frozen=True)
class Poster:
    """Everything one poster says, in its language; the renderer only lays it out."""

    lang: str
    station_id: int
    name: str  # as the poster shows it (in the poster's language)
    official_name: str  # the name as stored: printed under a Hindi or Marathi name
    women_helpline: str  # for reading: "+91 70001 00012"
    general_number: str | None
    directory_url: str  # what the QR code opens
    lines: dict[str, str]  # LINES, translated

    @property
    def shows_official_name(self) -> bool:
        return self.name != self.official_name


def say(lang: str, message: str, **values: str) -> str:
    text = i18n.gettext(lang, DOMAIN, message)
    return text.format(**values) if values else text


def check_language(lang: str) -> str:
    if lang not in i18n.LANGUAGES:
        raise InvalidInput(f"posters are made in {', '.join(i18n.LANGUAGES)}", code="unsupported_language")
    return lang


def readable_number(e164: str) -> str:
    """'+917000100012' -> '+91 70001 00012': grouped as people read and dial it."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def name_in(station: StationRef, lang: str) -> str:
    """The station's name in the poster's language: stored, else its English name read aloud in Devanagari."""
    known = station.name_in(lang)
    if lang == i18n.DEFAULT_LANGUAGE or known != station.name:
        return known
    return f"{devanagari(place_name(station.name))} {say(lang, POLICE_STATION)}"


def directory_url(public_url: str, station: StationRef, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
    """The station's entry in the public directory, in the poster's language (`/hi/directory`): the directory
    finds it by its name, in its city."""
    prefix = "" if lang == i18n.DEFAULT_LANGUAGE else f"/{lang}"
    return f"{public_url.rstrip('/')}{prefix}/directory?{urlencode({'city': station.city, 'q': station.name})}"


def poster_for(station: StationRef, lang: str, public_url: str) -> Poster:
    """What the station's poster says in `lang`. A station without a women-helpline number has no poster."""
    check_language(lang)
    if not station.women_helpline:
        raise Conflict(f"{station.name} has no women-helpline number yet", code="no_women_helpline")
    return Poster(
        lang=lang, station_id=station.id, name=name_in(station, lang), official_name=station.name,
        women_helpline=readable_number(station.women_helpline),
        general_number=readable_number(station.general_number) if station.general_number else None,
        directory_url=directory_url(public_url, station, lang),
        lines={key: say(lang, message, number="112") if key == "danger" else say(lang, message)
               for key, message in LINES.items()},
    )


def social_text(poster: Poster) -> str:
    """A short text for the station's social-media page, in the poster's language."""
    values = {"station": poster.name, "women": poster.women_helpline, "url": poster.directory_url}
    if poster.general_number:
        return say(poster.lang, SOCIAL, general=poster.general_number, **values)
    return say(poster.lang, SOCIAL_NO_GENERAL, **values)


def file_stem(station: StationRef) -> str:
    """'Colaba Police Station' (id 12) -> '12-colaba-police-station': a file name for any station."""
    ascii_name = unicodedata.normalize("NFKD", station.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return f"{station.id}-{slug}" if slug else str(station.id)
