"""Her language: which language the messages about her incident are written in. See docs/adr/0007.

The language and script of her first message decide it, and it is kept on the incident:

- Devanagari: Marathi or Hindi, told apart by the small words each language cannot do without (Marathi आहे,
  मला, माझा, नाही, आणि…; Hindi है, मुझे, मेरा, नहीं, और…). With no clear sign it is Hindi: in Mumbai a Marathi
  reader reads Hindi far more often than a Hindi reader reads Marathi.
- Latin script (Romanised Hindi such as "mujhe bachao" included): English. The script she typed is the one her
  phone is known to show; a cheap phone may show Devanagari as empty boxes. English messages say how to ask
  for Hindi or Marathi.
- A reply that is only a language's name ("HINDI", "हिंदी", "MARATHI", "मराठी", "ENGLISH", "इंग्रजी"…) switches
  the language from then on, on a new incident or an open one.
"""

from __future__ import annotations

import re
import unicodedata

ENGLISH, HINDI, MARATHI = "en", "hi", "mr"

_DEVANAGARI_LETTER = re.compile(r"[\u0900-\u0963\u0971-\u097F]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_LINK = re.compile(r"(?:https?://|www\.|geo:)\S*", re.I)  # a maps link's letters say nothing of her language
_WORD = re.compile(r"[\u0900-\u097F]+")

# Words (whole, after NFC) that only one of the two languages uses, and often.
MARATHI_WORDS = frozenset({
    "आहे", "आहेत", "आहात", "आहेस", "नाही", "नाहीत", "नको", "मला", "माझा", "माझी", "माझे", "माझ्या", "मी", "आम्ही",
    "आम्हाला", "तुम्ही", "तुमच्या", "आणि", "करत", "करतो", "करते", "करतोय", "करा", "केला", "केली", "दिला", "येत",
    "येऊन", "घेऊन", "गेला", "गेली", "झाला", "झाली", "इथे", "येथे", "लवकर", "खूप", "वाचवा", "मदत", "पाठलाग", "नवरा",
    "मारहाण", "मारत", "त्रास", "मुलगी", "घरी", "घरात", "त्याने", "ती", "काय", "कुठे", "पण", "सोबत", "मध्ये",
    "पाहिजे", "हवी", "देतो", "देत",
})
HINDI_WORDS = frozenset({
    "है", "हैं", "हूँ", "हूं", "नहीं", "मुझे", "मेरा", "मेरी", "मेरे", "मैं", "हम", "हमें", "आप", "आपके", "और",
    "रहा", "रही", "रहे", "करो", "करें", "कीजिए", "किया", "जल्दी", "यहाँ", "यहां", "बचाओ", "मदद", "पीछा", "पति",
    "ससुराल", "दहेज", "में", "से", "को", "के", "वह", "वो", "उसने", "अब", "क्या", "कहाँ", "कहां", "लेकिन", "साथ",
    "चाहिए", "था", "थी", "थे", "गया", "गई", "आया", "बहुत", "कोई", "कुछ", "मत",
})
# Marathi's own spellings inside a word: ळ (rare in Hindi), the genitive च्या, मध्ये, the eyelash ऱ्.
MARATHI_MARKS = ("ळ", "च्या", "मध्ये", "ऱ्", "णार")

_NAMES = {
    ENGLISH: ("english", "angrezi", "angreji", "ingraji", "इंग्लिश", "इंग्रजी", "अंग्रेजी", "अंग्रेज़ी"),
    HINDI: ("hindi", "हिंदी", "हिन्दी"),
    MARATHI: ("marathi", "मराठी"),
}
_ASKING = {name: lang for lang, names in _NAMES.items() for name in names}
# What may stand beside the name in a reply that only asks for a language ("Hindi please", "मराठी मध्ये").
_COURTESY = frozenset({"please", "pls", "plz", "in", "me", "mein", "mai", "madhe", "madhye", "language", "bhasha",
                       "में", "मे", "मध्ये", "भाषा", "कृपया"})


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def asked_for(text: str) -> str | None:
    """The language a reply asks for, if it does nothing else: "HINDI", "हिंदी", "Marathi please" -> a code."""
    words = [w.strip(".,!?;:'\"()-").casefold() for w in _nfc(text).split()]
    words = [w for w in words if w]
    if not 1 <= len(words) <= 3:
        return None
    asked = {_ASKING[w] for w in words if w in _ASKING}
    rest = [w for w in words if w not in _ASKING and w not in _COURTESY]
    return asked.pop() if len(asked) == 1 and not rest else None


def is_devanagari(text: str) -> bool:
    """Mostly Devanagari: at least as many Devanagari letters as Latin ones, links left out."""
    plain = _LINK.sub(" ", _nfc(text))
    deva = len(_DEVANAGARI_LETTER.findall(plain))
    return deva > 0 and deva >= len(_LATIN_LETTER.findall(plain))


def devanagari_language(text: str) -> str:
    """Marathi or Hindi, by the words only one of them uses; Hindi when nothing tells them apart."""
    marathi = hindi = 0
    for word in _WORD.findall(_nfc(text)):
        if word in MARATHI_WORDS:
            marathi += 2
        elif word in HINDI_WORDS:
            hindi += 2
        elif any(mark in word for mark in MARATHI_MARKS):
            marathi += 1
    return MARATHI if marathi > hindi else HINDI


def of_text(text: str) -> str:
    """The language of her words: Marathi or Hindi in Devanagari, else English."""
    return devanagari_language(text) if is_devanagari(text) else ENGLISH


def choose(text: str, channel_says: str | None = None) -> tuple[str, bool]:
    """(language, asked): what a contact's words ask for, else what its channel says, else what they are in."""
    asked = asked_for(text)
    if asked is not None:
        return asked, True
    if channel_says in (ENGLISH, HINDI, MARATHI):
        return channel_says, False
    return of_text(text), False
