"""The record the engine matches on: one registration of a convicted person, its names and its birth years.

The registry's store, import and search use these types as its records; they live here so that the engine imports
nothing else of the registry. The registry's rules of lawful use (purposes, retention, identity hashing, the audit
chain) are in suraksha.registry.rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from suraksha.registry.matching.names import NameToken, clean_relative, split_name_field, tokenize


@dataclass(slots=True)
class Conviction:
    """One conviction as registered."""

    act: str = ""
    section: str = ""
    conviction_date: date | None = None
    court: str = ""


@dataclass(slots=True)
class PersonRecord:
    """One registration of a convicted person in one state/district."""

    record_id: str
    state: str = ""
    district: str = ""
    full_name: str = ""
    aliases: list[str] = field(default_factory=list)
    father_name: str = ""
    sex: str = ""  # "M", "F", "T" or "" when unknown
    dob: date | None = None
    age: int | None = None
    age_as_of: date | None = None
    address: str = ""
    convictions: list[Conviction] = field(default_factory=list)

    def name_variants(self) -> list[tuple[NameToken, ...]]:
        """Token lists of the name and every alias (aliases also parsed from '@'/'urf')."""
        return _variants(self.full_name, tuple(self.aliases))

    def father_tokens(self) -> tuple[NameToken, ...]:
        """Tokens of the father's/husband's name (also 'X S/o Y' inside full_name)."""
        father = clean_relative(self.father_name)
        if not father:
            father = split_name_field(self.full_name)[2]
        return tokenize(father)


@lru_cache(maxsize=500_000)
def _variants(full_name: str, aliases: tuple[str, ...]) -> list[tuple[NameToken, ...]]:
    main, inline_aliases, _relative = split_name_field(full_name)
    variants = [tokenize(main)]
    for alias in (*inline_aliases, *aliases):
        tokens = tokenize(alias)
        if tokens and tokens not in variants:
            variants.append(tokens)
    return [v for v in variants if v] or [()]


@dataclass(frozen=True, slots=True)
class BirthYears:
    """Birth-year interval implied by a record; weak when estimated or a 1 January default."""

    low: int
    high: int
    weak: bool
    exact: date | None = None


def is_default_date(value: date) -> bool:
    """Registries default unknown dates of birth to 1 January."""
    return value.month == 1 and value.day == 1


def birth_years(record: PersonRecord) -> BirthYears | None:
    """Birth years implied by dob, or by age at age_as_of; None when unknown."""
    if record.dob is not None:
        if is_default_date(record.dob):
            return BirthYears(record.dob.year - 1, record.dob.year, True)
        return BirthYears(record.dob.year, record.dob.year, False, record.dob)
    if record.age is not None and record.age_as_of is not None:
        year = record.age_as_of.year - record.age
        return BirthYears(year - 1, year, True)
    return None


def birth_year_gap(a: BirthYears | None, b: BirthYears | None) -> int | None:
    """Years between two birth intervals (0 when they overlap, None when unknown)."""
    if a is None or b is None:
        return None
    return max(0, a.low - b.high, b.low - a.high)
