"""A station's name in Devanagari when nobody has written it down: read its English spelling aloud.

Used only where a station has no stored Hindi or Marathi name (`StationRef.name_in`); the poster then prints its
official name under it, so a guess is never the only name shown. The English spelling of an Indian place name
is ambiguous (Dadar is दादर, Malad मालाड), so the rules below are plain and predictable rather than clever:
initials are spelt out (MIDC -> एम.आय.डी.सी.), common English words have their usual spelling, and every other word
is read with a few rules of thumb (an open 'a' is long, a final 'i' or 'u' is long, 'n' before a consonant is
an anusvara, a final consonant keeps no virama) and transliterated with indic-transliteration (ITRANS).
"""

from __future__ import annotations

import re

LETTERS = {
    "A": "ए", "B": "बी", "C": "सी", "D": "डी", "E": "ई", "F": "एफ", "G": "जी", "H": "एच", "I": "आय", "J": "जे",
    "K": "के", "L": "एल", "M": "एम", "N": "एन", "O": "ओ", "P": "पी", "Q": "क्यू", "R": "आर", "S": "एस", "T": "टी",
    "U": "यू", "V": "वी", "W": "डब्ल्यू", "X": "एक्स", "Y": "वाय", "Z": "झेड",
}
WORDS = {
    "airport": "एअरपोर्ट", "bazaar": "बाजार", "bazar": "बाजार", "chowk": "चौक", "circle": "सर्कल",
    "city": "सिटी", "colony": "कॉलनी", "corridor": "कॉरिडॉर", "cross": "क्रॉस", "dr": "डॉ.", "drive": "ड्राइव्ह",
    "east": "ईस्ट", "fort": "फोर्ट", "gate": "गेट", "hill": "हिल", "hills": "हिल्स", "international": "इंटरनॅशनल",
    "lake": "लेक", "layout": "लेआउट", "maidan": "मैदान", "marg": "मार्ग", "marine": "मरीन", "market": "मार्केट",
    "nagar": "नगर", "new": "न्यू", "north": "नॉर्थ", "old": "ओल्ड", "parade": "परेड", "park": "पार्क",
    "road": "रोड", "rural": "ग्रामीण", "sector": "सेक्टर", "sir": "सर", "south": "साउथ", "street": "स्ट्रीट",
    "town": "टाउन", "west": "वेस्ट", "yard": "यार्ड", "yellow": "यलो",
}
_VOWELS = "aeiou"
_RULES = (  # English spelling -> ITRANS, in order
    (re.compile(r"ck"), "k"), (re.compile(r"c(?=[eiy])"), "s"), (re.compile(r"c(?!h)"), "k"),
    (re.compile(r"q"), "k"), (re.compile(r"x"), "ks"), (re.compile(r"w"), "v"), (re.compile(r"z"), "j"),
    (re.compile(r"f+"), "ph"), (re.compile(r"ey$"), "e"),
    (re.compile(r"ee"), "I"), (re.compile(r"oo"), "U"), (re.compile(r"aon$"), "Av"), (re.compile(r"ay$"), "e"),
    (re.compile(r"(?<=[^aeiou])y$"), "I"), (re.compile(r"i$"), "I"), (re.compile(r"u$"), "U"),
    (re.compile(r"a$"), "A"), (re.compile(r"n(?=[^aeiouyAIUn])"), "M"),
)
_OPEN_A = re.compile(r"(?<=[^aeiouAIU])a(?=[^aeiouyAIUM][aeiouAIU])")  # 'a' in an open syllable: long
_FINAL_VIRAMA = re.compile("\u094d(?=\\s|$)")
_INITIALS = re.compile(r"(?:[A-Z]\.?){1,5}")
_COMPOUND = re.compile(r"(?i)^(\w{3,}?)(nagar|marg)$")  # Tilaknagar -> तिलक + नगर


def _itrans(word: str) -> str:
    text = word.lower()
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    text = _OPEN_A.sub("A", text)
    if text.startswith("a") and len(text) > 2 and text[1] not in _VOWELS and text[2] in _VOWELS:
        text = "A" + text[1:]  # Aarey, Agripada: an open first 'a' is long too
    return text


def spell(word: str) -> str:
    """One word of an English name in Devanagari: initials spelt out, known words looked up, others read."""
    bare = word.strip(",")
    if _INITIALS.fullmatch(bare) and bare.isupper():
        return "".join(LETTERS[ch] + "." for ch in bare if ch != ".")  # MRA -> एम.आर.ए.
    bare = bare.strip(".")
    if not bare:
        return word
    if bare.lower() in WORDS:
        return WORDS[bare.lower()]
    compound = _COMPOUND.match(bare)
    if compound:
        return spell(compound.group(1)) + WORDS[compound.group(2).lower()]
    if not bare.isascii() or not bare.isalpha():
        return bare
    from indic_transliteration import sanscript  # 0.3 s to import: not on a server's way up

    return _FINAL_VIRAMA.sub("", sanscript.transliterate(_itrans(bare), sanscript.ITRANS, sanscript.DEVANAGARI))


def devanagari(place: str) -> str:
    """'Pocharam IT Corridor' -> 'पोचाराम आयटी कॉरिडॉर'."""
    return " ".join(spell(word) for word in place.split())
