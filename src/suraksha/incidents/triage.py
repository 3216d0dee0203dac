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
# One alternation per rule: whole words or phrases in Latin script; plain substrings in Devanagari.
_LATIN = {r: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in r.latin) + r")\b") for r in RULES}


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
    fired = [r for r in RULES if _LATIN[r].search(text) or any(w in text for w in r.devanagari)]
    start = WOMEN_HELPLINE_PRIORITY if women_helpline else GENERAL_PRIORITY
    priority = min([start, *(r.priority for r in fired)])
    category = min(fired, key=lambda r: r.priority).category if fired else "help_request"
    return Triage(priority, category, tuple(r.category for r in fired))


def raise_only(current: int, new: int) -> int:
    """A follow-up can raise an incident's priority, never lower it."""
    return min(current, new)
