"""How many SMS segments a text takes, counted as the network counts them (3GPP TS 23.038 and 23.040).

A text made only of the GSM 7-bit default alphabet is sent in GSM-7: 160 characters in one segment; a longer
one is split into segments of 153, because each carries a 6-byte concatenation header (7 septets). The
characters of the alphabet's extension table (`{ } [ ] ~ \\ | ^ €` and form feed) take two septets each, and an
escape pair is never split across segments. Any other character, Devanagari included, makes the whole text
UCS-2: 70 UTF-16 code units in one segment, 67 per segment when split; a surrogate pair is never split.

Two segments therefore hold 306 GSM-7 septets or 134 UCS-2 code units (not 2 x 70 = 140: the headers take
their share). Messages to her are kept within two segments (docs/adr/0007-her-language.md).
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}
MAX_SEGMENTS = 2  # what a message to her may take


@dataclass(frozen=True)
class Segments:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  # segments


def encoding_of(text: str) -> str:
    return "gsm7" if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text) else "ucs2"


def _units(text: str, encoding: str) -> list[int]:
    """The size of each character, in the encoding's units: kept together when segments are cut."""
    if encoding == "gsm7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segments(text: str) -> Segments:
    """The encoding, size and number of segments of `text` (an empty text still takes one segment)."""
    encoding = encoding_of(text)
    sizes = _units(text, encoding)
    total = sum(sizes)
    if total <= SINGLE[encoding]:
        return Segments(encoding, total, 1)
    count, used = 1, 0
    for size in sizes:  # greedy, as a sender cuts: a character never straddles two segments
        if used + size > PART[encoding]:
            count, used = count + 1, 0
        used += size
    return Segments(encoding, total, count)


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return segments(text).count <= max_segments
