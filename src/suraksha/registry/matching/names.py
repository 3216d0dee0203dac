"""Name normalisation for Indian names in Latin and Devanagari script.

A name is cut into tokens; each token gets a display form (Latin), a folded
form (spelling variants such as aa/a, ee/i, w/v, sh/s collapsed) and a
phonetic key (aspirates and vowels dropped, v/b merged).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_TOKEN = re.compile(r"[A-Za-z\u0900-\u0963\u0966-\u097f]+\.?")
_RELATION = re.compile(
    r"(?:^|\s)(?:[sdwhc]\s*/\s*o|son of|daughter of|wife of|husband of|पुत्र|पुत्री|पत्नी)[\s.:]+",
    re.IGNORECASE,
)
_INITIALS_CAPS = re.compile(r"[B-DF-HJ-NP-TV-Z]{2,3}")
_DOT_JOINED = re.compile(r"(?<=[A-Za-z])\.(?=[A-Za-z])")
_ALIAS = re.compile(r"\s*(?:@|\balias\b|\burf\b|\ba\.?k\.?a\.?\b|उर्फ़?)\s*", re.IGNORECASE)

TITLES = frozenset(
    "mr mrs ms shri sri shree sh smt shrimati srimati km kumari dr late lt swargiya sw "
    "janab jb mst master shriman thiru tmt selvi".split()
)
DEVANAGARI_TITLES = frozenset(["श्री", "श्रीमती", "श्रीमान", "स्व", "स्वर्गीय", "कुमारी", "सुश्री", "जनाब"])

VARIANT_GROUPS: dict[str, str] = {
    "mohammad": "mohd md mo mohammed muhammad muhammed mohamed mohamad mohmad mohmmad "
                "mahammad mohammod muhamad mohmed mohamd",
    "shaikh": "sheikh shekh sheik shaik sekh seikh shiekh saikh",
    "syed": "sayyed sayed saiyed saiyad syyed",
    "husain": "hussain hussein husein hasain hossain hosain",
    "rahman": "rehman rahaman rahamaan rehmaan rahmaan",
    "ahmad": "ahmed ahamad ahamed ahmmed",
    "chaudhary": "choudhary chaudhari chowdhury choudhury chaudhuri chowdhary chaudhry",
    "kumar": "kumaar kumarr kumer",
}
_LETTER_NAMES = {
    "ए": "a", "बी": "b", "सी": "c", "डी": "d", "ई": "e", "एफ": "f", "जी": "g", "एच": "h",
    "आई": "i", "जे": "j", "के": "k", "एल": "l", "एम": "m", "एन": "n", "ओ": "o", "पी": "p",
    "आर": "r", "एस": "s", "टी": "t", "यू": "u", "वी": "v", "वाई": "y", "जेड": "z",
}
_SPELLING_RULES = (
    ("ph", "f"), ("w", "v"), ("q", "k"), ("z", "j"), ("x", "ks"), ("ck", "k"),
    ("ee", "i"), ("ii", "i"), ("oo", "u"), ("uu", "u"), ("aa", "a"), ("ou", "au"),
    ("ei", "ai"), ("sh", "s"),
)
_IAST_SIMPLE = {
    "ā": "a", "ī": "i", "ū": "u", "ṛ": "ri", "ṝ": "ri", "ḷ": "l", "ś": "sh", "ṣ": "sh",
    "ṃ": "n", "ṁ": "n", "ḥ": "", "~": "n", "ṅ": "n", "ñ": "n", "ṭ": "t", "ḍ": "d", "ṇ": "n",
    "ē": "e", "ō": "o", "c": "ch",
}


class NameToken(NamedTuple):
    """One part of a name (a tuple, so hashing and comparison are cheap)."""

    text: str  # Latin display form, lower case
    folded: str  # spelling-variant fold
    phonetic: str  # phonetic key
    initial: bool = False
    devanagari: bool = False

    @property
    def optional(self) -> bool:
        return self.folded in OPTIONAL_TOKENS


def letter_code(token: NameToken) -> int:
    """1-26 code of a token's first letter, folding letters that spellings swap."""
    return max(0, min(26, ord(token.text[0].translate(_LETTER_FOLD)) - 96))


def has_devanagari(text: str) -> bool:
    """True when the text contains Devanagari letters."""
    return bool(_DEVANAGARI.search(text))


def _is_consonant(ch: str) -> bool:
    return "\u0915" <= ch <= "\u0939" or "\u0958" <= ch <= "\u095f"


def _is_matra(ch: str) -> bool:
    return "\u093a" <= ch <= "\u094c" or ch in "\u094e\u094f\u0962\u0963"


def _syllables(word: str) -> list[list]:
    """Split a Devanagari word into [cluster, vowel, n_consonants, inherent, mods]."""
    units: list[list] = []
    i, n = 0, len(word)
    while i < n:
        ch, i = word[i], i + 1
        if not _is_consonant(ch):
            units.append([ch, "", 0, False, ""])
            continue
        cluster, count = ch, 1
        while i < n and word[i] == "\u093c":
            cluster, i = cluster + word[i], i + 1
        while i + 1 < n and word[i] == "\u094d" and _is_consonant(word[i + 1]):
            cluster, count, i = cluster + word[i : i + 2], count + 1, i + 2
            while i < n and word[i] == "\u093c":
                cluster, i = cluster + word[i], i + 1
        vowel, inherent = "", True
        if i < n and (word[i] == "\u094d" or _is_matra(word[i])):
            vowel, inherent, i = word[i], False, i + 1
        mods = ""
        while i < n and word[i] in "\u0900\u0901\u0902\u0903":
            mods, i = mods + word[i], i + 1
        units.append([cluster, vowel, count, inherent, mods])
    return units


def _delete_schwas(word: str) -> str:
    """Mark Hindi schwa deletion with explicit viramas (final and VC_CV)."""
    units = _syllables(word)
    last = len(units) - 1
    for k in range(last, 0, -1):
        cluster, _vowel, count, inherent, mods = units[k]
        if not inherent or mods or count == 0:
            continue
        if k == last:
            drop = count == 1
        else:
            nxt, prev = units[k + 1], units[k - 1]
            prev_voiced = prev[2] == 0 or prev[1] != "\u094d"
            drop = prev_voiced and nxt[2] == 1 and (nxt[1] not in ("", "\u094d") or nxt[3])
        if drop:
            units[k][1], units[k][3] = "\u094d", False
    return "".join(u[0] + u[1] + u[4] for u in units)


def _ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=200_000)
def devanagari_to_latin(word: str) -> str:
    """Transliterate one Devanagari word to simple lower-case Latin (e.g. इरफ़ान -> irfan)."""
    marked = _delete_schwas(unicodedata.normalize("NFC", word))
    from indic_transliteration import sanscript  # 0.3 s to import: not on a server's way up

    iast = sanscript.transliterate(marked, sanscript.DEVANAGARI, sanscript.IAST).lower()
    iast = iast.replace("jñ", "gy")
    simple = "".join(_IAST_SIMPLE.get(c, c) for c in iast)
    return _NON_LATIN.sub("", _ascii_fold(simple))


_DOUBLE = re.compile(r"(.)\1+")
_NASAL_N = re.compile(r"m(?=[dt])")
_NASAL_M = re.compile(r"n(?=[bp])")
_ASPIRATE = re.compile(r"(?<=[bcdgjkpt])h|h$")
_VOWELS = re.compile(r"[aeiouy]")
_NON_LATIN = re.compile(r"[^a-z]")


def _undouble(text: str) -> str:
    return _DOUBLE.sub(lambda m: m.group(1), text) if _DOUBLE.search(text) else text


def _spelling_fold(token: str) -> str:
    s = token
    for old, new in _SPELLING_RULES:
        if old in s:
            s = s.replace(old, new)
    s = _NASAL_M.sub("m", _NASAL_N.sub("n", _undouble(s)))
    if s.endswith("y"):
        s = s[:-2] + "ai" if s[-2:] in ("ay", "oy") else s[:-1] + "i" if s[-2:-1] not in "aeiou" else s
    return s


CANONICAL: dict[str, str] = {
    _spelling_fold(v): _spelling_fold(k)
    for k, vs in VARIANT_GROUPS.items()
    for v in [k, *vs.split()]
}
CANONICAL_FORMS = frozenset(CANONICAL.values())
# Tokens that add little and are often dropped (honorific-like first words).
OPTIONAL_TOKENS = frozenset({CANONICAL[_spelling_fold("mohammad")]})
# First letters that transliteration swaps freely (Osman/Usman, Farooq/Pharooq, Wasim/Vasim).
_LETTER_FOLD = str.maketrans("wzqfoe", "vjkpui")


@lru_cache(maxsize=300_000)
def fold_token(token: str) -> str:
    """Fold spelling variants of one lower-case Latin token (kumaar -> kumar)."""
    s = _spelling_fold(token)
    return CANONICAL.get(s, s)


@lru_cache(maxsize=300_000)
def phonetic_key(folded: str) -> str:
    """Indic-aware phonetic key of a folded token: aspirates, vowels and h dropped, v=b."""
    if len(folded) <= 1:
        return folded
    s = _ASPIRATE.sub("", folded).replace("v", "b")
    return _undouble(s[0].translate(_LETTER_FOLD) + _VOWELS.sub("", s[1:]))


@lru_cache(maxsize=300_000)
def make_token(raw: str) -> NameToken | None:
    """Build a NameToken from one raw token (may end with '.'); None for titles."""
    dotted = raw.endswith(".")
    word = raw.rstrip(".")
    devanagari = has_devanagari(word)
    if devanagari:
        if word in DEVANAGARI_TITLES:
            return None
        if dotted and word in _LETTER_NAMES:
            letter = _LETTER_NAMES[word]
            return NameToken(letter, letter, letter, True, True)
        latin = devanagari_to_latin(word)
    else:
        latin = word.lower() if word.isascii() else _ascii_fold(word)
    if not latin or latin in TITLES:
        return None
    folded = fold_token(latin)
    if len(latin) == 1 or (dotted and len(latin) == 2 and folded not in CANONICAL_FORMS):
        return NameToken(latin[0], latin[0], latin[0], True, devanagari)
    return NameToken(latin, folded, phonetic_key(folded), False, devanagari)


def _split_compact_initials(raw: str) -> list[str]:
    """'RK' -> ['R.', 'K.'] (a run of two or three capital consonants used as initials)."""
    if _INITIALS_CAPS.fullmatch(raw) and fold_token(raw.lower()) not in CANONICAL_FORMS:
        return [c + "." for c in raw]
    return [raw]


@lru_cache(maxsize=500_000)
def tokenize(name: str) -> tuple[NameToken, ...]:
    """Tokens of one name with titles removed (no alias or relation handling)."""
    text = name or ""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if "." in text:
        text = _DOT_JOINED.sub(". ", text)
    tokens: list[NameToken] = []
    for raw in _TOKEN.findall(text):
        for part in _split_compact_initials(raw) if len(raw) <= 3 else (raw,):
            token = make_token(part.lower())
            if token is not None:
                tokens.append(token)
    return tuple(tokens)


@lru_cache(maxsize=500_000)
def split_name_field(text: str | None) -> tuple[str, tuple[str, ...], str]:
    """Split 'Ramesh @ Pappu S/o Suresh' into (name, aliases, relative's name)."""
    if not text:
        return "", (), ""
    parts = _RELATION.split(text, maxsplit=1) if _may_have_relation(text) else [text]
    relative = parts[1].strip() if len(parts) > 1 else ""
    if not _may_have_alias(parts[0]):
        return parts[0].strip(), (), relative
    names = [p.strip() for p in _ALIAS.split(parts[0]) if p.strip()]
    main = names[0] if names else ""
    return main, tuple(names[1:]), relative


def _may_have_relation(text: str) -> bool:
    """Cheap pre-test before the relation regex ('S/o', 'son of', Devanagari markers)."""
    return "/" in text or " of " in text.lower() or not text.isascii()


def _may_have_alias(text: str) -> bool:
    lower = text.lower()
    return ("@" in text or "alias" in lower or "urf" in lower or "aka" in lower
            or "a.k.a" in lower or not text.isascii())


@lru_cache(maxsize=500_000)
def clean_relative(text: str | None) -> str:
    """Strip a leading relation marker such as 'S/o Late' from a father's-name field."""
    if not text:
        return ""
    if not _may_have_relation(text):
        return text.strip()
    parts = _RELATION.split(" " + text, maxsplit=1)
    return (parts[1] if len(parts) > 1 else text).strip()


def latin_name(tokens: tuple[NameToken, ...]) -> str:
    """Readable Latin rendering of tokens ('irfan s.' style)."""
    return " ".join(t.text + ("." if t.initial else "") for t in tokens)
