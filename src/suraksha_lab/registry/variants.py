"""Noise for synthetic records: spelling variants, typos, initials, reordering, scripts."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from indic_transliteration import sanscript

from suraksha.registry.matching.names import VARIANT_GROUPS
from suraksha_lab.registry.settings import DEFAULT, FATHER_PREFIXES, GeneratorSettings

if TYPE_CHECKING:
    from suraksha_lab.registry.synth import Person

_GROUPS = {k: [k, *v.split()] for k, v in VARIANT_GROUPS.items()}
_MEMBER_OF = {m: k for k, ms in _GROUPS.items() for m in ms}
_DEV_MOHAMMAD = ("मोहम्मद", "मो.", "मुहम्मद", "मोहमद")
_RESPELL = (
    (r"(?<=[^aeiou])a(?=[^aeiou])", "aa"), (r"aa", "a"), (r"(?<=.)i(?=[^aeiou])", "ee"),
    (r"ee", "i"), (r"(?<=.)u", "oo"), (r"oo", "u"), (r"sh", "s"), (r"s(?!h)", "sh"),
    (r"v", "w"), (r"w", "v"), (r"ph", "f"), (r"f", "ph"), (r"th", "t"), (r"t(?!h)", "th"),
    (r"([bcdgklmnprt])(?=[aeiou])", r"\1\1"), (r"([bcdgklmnprt])\1", r"\1"), (r"a$", ""),
    (r"(?<=[^aeiou])$", "a"), (r"i$", "y"), (r"y$", "i"), (r"ai", "ei"), (r"au", "ou"),
    (r"ou", "au"), (r"ksh", "x"), (r"x", "ksh"), (r"z", "j"),
)
_KEYS = "qwertyuiopasdfghjklzxcvbnm"
NICKNAMES = ("pappu bablu munna raju golu chhotu sonu monu pintu guddu bunty lallu kallu tinku "
             "rinku sanju kaalu bittu").split()
TITLES_M = ("Shri", "Sri", "Mr.", "Sh.")
TITLES_F = ("Smt.", "Km.", "Ms.")
SOUTH_STATES = ("TN", "KL", "KA", "AP", "TG", "PY")
TELUGU_STATES = ("AP", "TG")


def respell(token: str, rng: random.Random, from_group: float = DEFAULT.respell_from_variant_group) -> str:
    """A plausible alternative Latin spelling of a name token (a known variant with probability from_group)."""
    if token in _MEMBER_OF and rng.random() < from_group:
        return rng.choice(_GROUPS[_MEMBER_OF[token]])
    for _ in range(6):
        pattern, repl = rng.choice(_RESPELL)
        matches = list(re.finditer(pattern, token))
        if matches:
            m = rng.choice(matches)
            candidate = token[: m.start()] + m.expand(repl) + token[m.end():]
            if len(candidate) >= 2:
                return candidate
    return token


def typo(token: str, rng: random.Random) -> str:
    """One keyboard error: substitution, deletion, insertion or transposition."""
    if len(token) < 4:
        return token
    i = rng.randrange(1, len(token) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return token[:i] + rng.choice(_KEYS) + token[i + 1:]
    if kind == 1:
        return token[:i] + token[i + 1:]
    if kind == 2:
        return token[:i] + rng.choice(_KEYS) + token[i:]
    return token[: i - 1] + token[i] + token[i - 1] + token[i + 1:]


def to_devanagari(token: str, known: dict[str, str], rng: random.Random) -> str:
    """Devanagari spelling of a Latin token (shipped pairs first, else ITRANS)."""
    if _MEMBER_OF.get(token) == "mohammad":
        return rng.choice(_DEV_MOHAMMAD)
    if token in known:
        return known[token]
    return sanscript.transliterate(token, sanscript.ITRANS, sanscript.DEVANAGARI).rstrip("\u094d")


class Renderer:
    """Renders one registration of a person, Latin or Devanagari."""

    def __init__(self, rng: random.Random, devanagari_map: dict[str, str], devanagari: bool,
                 settings: GeneratorSettings = DEFAULT) -> None:
        self.rng = rng
        self.known = devanagari_map
        self.devanagari = devanagari
        self.s = settings

    def _word(self, token: str, spell: float | None = None) -> str:
        rng = self.rng
        if self.devanagari:
            return to_devanagari(token, self.known, rng)
        if rng.random() < (self.s.respelling if spell is None else spell):
            token = respell(token, rng, self.s.respell_from_variant_group)
        return token

    def _initial(self, token: str) -> str:
        return token[0].upper() + ("." if self.rng.random() < self.s.initial_dot else "")

    def _case(self, words: list[str]) -> str:
        text = " ".join(w for w in words if w)
        if self.devanagari:
            return text
        roll = self.rng.random()
        s = self.s
        return text.upper() if roll < s.upper_case else \
            text.lower() if roll < s.upper_case + s.lower_case else text.title()

    def _ordered_tokens(self, person: Person, state_code: str) -> list[tuple[str, str]]:
        """(role, token) in the order this record writes them.

        A rate of 0 draws no random number (the default settings' records stay as they were)."""
        rng, s = self.rng, self.s
        man = person.sex == "M"
        parts = [("prefix", person.prefix)] if person.prefix and rng.random() < 1 - s.mohammed_dropped else []
        if (not person.prefix and person.muslim and man and s.mohammed_added
                and rng.random() < s.mohammed_added):
            parts = [("prefix", "mohammad")]
        core = [("given", person.given)]
        if person.middle and rng.random() < 1 - s.middle_dropped:
            core.append(("middle", person.middle))
        elif (not person.middle and not person.muslim and man and s.kumar_added
              and rng.random() < s.kumar_added):
            core.append(("middle", "kumar"))
        if person.surname and rng.random() > s.surname_dropped:
            core.append(("surname", person.surname))
        if (state_code in TELUGU_STATES and s.telugu_family_first and core[-1][0] == "surname"
                and rng.random() < s.telugu_family_first):
            core = [("family", person.surname), *core[:-1]]
        elif state_code in SOUTH_STATES and rng.random() < s.south_father_token:
            father = ("father", person.father[0])
            core = [father, *core] if rng.random() < s.south_father_first else [*core, father]
        elif len(core) > 1 and rng.random() < (s.reversed_name_mh if state_code == "MH" else s.reversed_name):
            core = [core[-1], *core[:-1]]
        return parts + core

    def person_name(self, person: Person, state_code: str) -> tuple[str, list[str]]:
        rng, s = self.rng, self.s
        initial_rate = {"given": s.initial_given, "middle": s.initial_middle, "surname": s.initial_surname,
                        "father": s.south_father_initial, "family": s.telugu_family_initial}
        words = []
        for role, token in self._ordered_tokens(person, state_code):
            as_initial = initial_rate.get(role, 0)
            if not self.devanagari and rng.random() < as_initial:
                words.append(self._initial(token))
            else:
                words.append(self._word(token))
        if not self.devanagari and rng.random() < s.typo:
            k = rng.randrange(len(words))
            words[k] = typo(words[k], rng)
        if rng.random() < s.title and not self.devanagari:
            words.insert(0, rng.choice(TITLES_F if person.sex == "F" else TITLES_M))
        name = self._case(words)
        aliases = self._aliases(person)
        if aliases and rng.random() < s.alias_inline:
            name = f"{name} {rng.choice(('@', 'urf', 'alias'))} {aliases.pop()}"
        return name, aliases

    def _aliases(self, person: Person) -> list[str]:
        rng, s = self.rng, self.s
        if rng.random() > s.alias:
            return []
        nick = rng.choice(NICKNAMES)
        if person.surname and rng.random() < s.alias_nick_surname:
            return [self._case([self._word(nick, s.alias_nick_respelling), self._word(person.surname)])]
        if rng.random() < s.alias_respelled_name:
            return [self._case([self._word(person.given, s.alias_name_respelling),
                                self._word(person.surname, s.alias_name_respelling)])]
        return [self._case([self._word(nick, s.alias_nick_respelling)])]

    def father_name(self, father: list[str]) -> str:
        rng, s = self.rng, self.s
        if rng.random() < s.father_missing:
            return ""
        tokens = father if rng.random() > s.father_first_word_only else father[:1]
        words = [self._word(t, s.father_respelling) for t in tokens]
        if not self.devanagari and len(words) > 1 and rng.random() < s.father_initial:
            words[0] = self._initial(tokens[0])
        if not self.devanagari and s.father_typo and rng.random() < s.father_typo:
            k = rng.randrange(len(words))
            words[k] = typo(words[k], rng)
        prefix = rng.choices(FATHER_PREFIXES, weights=s.father_prefix_weights)[0]
        return (prefix if not self.devanagari else "") + self._case(words)

    def birth(self, dob: date, convicted: date | None) -> tuple[date | None, int | None, date | None]:
        """(dob, age, age_as_of) as written: exact, 1-Jan default, age only, or nothing."""
        rng, s = self.rng, self.s
        as_of = (convicted or date(2015, 1, 1)) + timedelta(days=rng.randrange(0, 400))
        age = (as_of - dob).days * 4 // 1461
        if rng.random() < s.age_misstated:
            age += rng.choice((-1, 1))
        roll = rng.random()
        if roll < s.dob_exact:
            return _misread(dob, rng) if rng.random() < s.dob_misread else dob, None, None
        if roll < s.dob_exact + s.dob_january_first:
            return date(as_of.year - age, 1, 1), None, None
        if roll < s.dob_exact + s.dob_january_first + s.age_only:
            return None, age, as_of
        return None, None, None


def _misread(dob: date, rng: random.Random) -> date:
    """Day/month swapped or year off by one."""
    if dob.day <= 12 and dob.day != dob.month and rng.random() < 0.5:
        return date(dob.year, dob.day, dob.month)
    try:
        return dob.replace(year=dob.year + rng.choice((-1, 1)))
    except ValueError:
        return dob
