"""Triage: the rule table that sets an incident's category and priority (1 = highest). See docs/adr/0002.

Messages to a station's women helpline start at priority 1. Messages to a general number start at 3.
Words in English, Hindi and Marathi, in Latin and Devanagari script, can only raise a priority, never
lower it: a person in danger is never pushed down the queue by a word a rule did not foresee.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

WOMEN_HELPLINE_PRIORITY = 1
GENERAL_PRIORITY = 3


@dataclass(frozen=True)
class Rule:
    category: str
    priority: int
    latin: tuple[str, ...]  # whole words or phrases, lower case, letters repeated 3+ times folded
    devanagari: tuple[str, ...]  # substrings (word boundaries are unreliable with vowel signs)


RULES: tuple[Rule, ...] = (
    Rule("immediate_danger", 1,
         ("help me", "save me", "sos", "emergency", "kidnap", "kidnapped", "knife", "gun", "acid", "locked me",
          "bachao", "bachaao", "madad", "madat", "vachva", "vachawa", "jaan se maar", "maar dalega"),
         ("बचाओ", "बचाव", "मदद", "वाचवा", "मदत", "अपहरण", "चाकू", "तेजाब", "जान से मार")),
    Rule("sexual_assault", 1,
         ("rape", "raped", "molest", "molested", "molesting", "sexual assault", "balatkar", "zabardasti",
          "touched me", "groped"),
         ("बलात्कार", "छेड़छाड़", "विनयभंग", "ज़बरदस्ती", "जबरदस्ती")),
    Rule("child_at_risk", 1,
         ("child", "minor", "my daughter", "school girl", "bachchi", "bacchi", "mulgi", "pocso"),
         ("बच्ची", "नाबालिग", "मुलगी", "अल्पवयीन")),
    Rule("domestic_violence", 2,
         ("beating me", "beats me", "hit me", "husband", "in-laws", "dowry", "dahej", "maar raha", "maarta",
          "marhan", "maarhaan", "sasural", "navra"),
         ("मार रहा", "मारता", "पति", "दहेज", "ससुराल", "मारहाण", "नवरा", "सासरे")),
    Rule("stalking_harassment", 2,
         ("following me", "follows me", "stalking", "stalker", "harass", "harassing", "harassment",
          "eve teasing", "teasing", "peecha", "pichha", "chhed", "chhedkhani", "tras", "staring"),
         ("पीछा", "छेड़", "परेशान", "त्रास", "पाठलाग")),
    Rule("cyber", 3,
         ("blackmail", "morphed", "my photos", "viral", "fake profile", "instagram", "nude", "video call"),
         ("ब्लैकमेल", "फोटो", "वायरल")),
)

CATEGORIES = (*(r.category for r in RULES), "help_request")  # what a person may set an incident's category to

_REPEATS = re.compile(r"([a-z])\1{2,}")
_WORD_CHAR = re.compile(r"\w")


def _scanner(words: dict[str, set[int]], whole_words: bool) -> tuple[re.Pattern[str], dict[str, frozenset[int]]]:
    """One pattern that finds, at every position of a text, the longest word of any rule that starts there
    (a zero-width look-ahead, so matches may overlap), and for each such word every rule (by its index) that fires:
    its own, and those of the shorter words it starts with that would match at the same place (for whole words:
    where a word boundary falls inside it). One scan of the text gives the same rules as one search per rule."""
    ordered = sorted(words, key=len, reverse=True)
    edge = r"\b" if whole_words else ""
    pattern = re.compile(rf"(?=({edge}(?:{'|'.join(re.escape(w) for w in ordered)}){edge}))")

    def boundary(word: str, at: int) -> bool:
        return at == len(word) or bool(_WORD_CHAR.match(word[at - 1])) != bool(_WORD_CHAR.match(word[at]))

    fires = {w: frozenset(r for u in words if w.startswith(u) and (not whole_words or boundary(w, len(u)))
                          for r in words[u]) for w in words}
    return pattern, fires


def _words(attribute: str) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for i, rule in enumerate(RULES):
        for word in getattr(rule, attribute):
            found.setdefault(word, set()).add(i)
    return found


# Latin: whole words or phrases; Devanagari: plain substrings.
_LATIN, _LATIN_FIRES = _scanner(_words("latin"), whole_words=True)
_DEVANAGARI, _DEVANAGARI_FIRES = _scanner(_words("devanagari"), whole_words=False)


@dataclass(frozen=True)
class Triage:
    priority: int
    category: str
    matched: tuple[str, ...]  # rule categories that fired, for the record


def normalise(text: str) -> str:
    """NFC, lower case, 'helppp' -> 'help', collapsed spaces."""
    text = unicodedata.normalize("NFC", text or "").lower()
    return " ".join(_REPEATS.sub(r"\1", text).split())


def triage(body: str, women_helpline: bool) -> Triage:
    """Category and priority for a message. Rules only raise priority from the line's starting point."""
    text = normalise(body)
    hit: set[int] = set()
    for m in _LATIN.finditer(text):
        hit |= _LATIN_FIRES[m.group(1)]
    if not text.isascii():  # Devanagari words only in a text that has more than ASCII
        for m in _DEVANAGARI.finditer(text):
            hit |= _DEVANAGARI_FIRES[m.group(1)]
    fired = [r for i, r in enumerate(RULES) if i in hit]
    start = WOMEN_HELPLINE_PRIORITY if women_helpline else GENERAL_PRIORITY
    priority = min([start, *(r.priority for r in fired)])
    category = min(fired, key=lambda r: r.priority).category if fired else "help_request"
    return Triage(priority, category, tuple(r.category for r in fired))


def raise_only(current: int, new: int) -> int:
    """A follow-up can raise an incident's priority, never lower it."""
    return min(current, new)
