"""Scripts people type in: Devanagari or Latin. A Devanagari word read in Latin letters lets a search written in
either script find a name stored in the other (कोलाबा finds Colaba)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_NOT_LATIN = re.compile(r"[^a-z0-9 ]+")
_FINAL_SCHWA = re.compile(r"(?<=[^aeiouāīūṛṝ ])a\b")  # दादर -> dādara -> dādar: Hindi and Marathi drop it


def has_devanagari(text: str) -> bool:
    return bool(_DEVANAGARI.search(text))


@lru_cache(maxsize=4096)
def to_latin(text: str) -> str:
    """Devanagari to plain lower-case Latin letters ('कोलाबा' -> 'kolaba', 'अंधेरी' -> 'andheri'); Latin text is
    only folded to plain lower case."""
    if has_devanagari(text):
        from indic_transliteration import sanscript  # 0.3 s to import: not before a server's first answer

        text = sanscript.transliterate(unicodedata.normalize("NFC", text), sanscript.DEVANAGARI, sanscript.IAST)
        text = _FINAL_SCHWA.sub("", text.lower().replace("ṃ", "n").replace("ṁ", "n"))
    text = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))
    return " ".join(_NOT_LATIN.sub(" ", text).split())
