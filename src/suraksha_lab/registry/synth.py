"""Synthetic NDSO-like registry with ground truth, built from the shipped name lists.

Full names are random combinations of name tokens; no real person is described. How often each naming
phenomenon occurs is set by `GeneratorSettings` (suraksha_lab.registry.settings): `DEFAULT` and the named
presets in `SETTINGS`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from suraksha.registry import csvio
from suraksha.registry.matching.features import _read_rows, gc_paused
from suraksha.registry.matching.geo import OLD_NAMES, canonical_district
from suraksha.registry.matching.record import Conviction, PersonRecord
from suraksha_lab.registry import variants
from suraksha_lab.registry.settings import (
    DEFAULT,
    RECORDS_PER_PERSON,
    SETTINGS,
    GeneratorSettings,
    named,
)
from suraksha_lab.registry.states import STATES, State

__all__ = ["DEFAULT", "RECORDS_PER_PERSON", "SETTINGS", "GeneratorSettings", "Person", "RegistryGenerator",
           "generate", "named", "write_csv"]

_SURNAME_FILE_STATES = {
    "andaman": "AN", "andhra": "AP", "arunachal": "AR", "assam": "AS", "bihar": "BR",
    "chandigarh": "CH", "dadra": "DH", "daman": "DH", "delhi": "DL", "goa": "GA", "guj": "GJ",
    "har": "HR", "jha": "JH", "jk": "JK", "kar": "KA", "kerala": "KL", "maharashtra": "MH",
    "manipur": "MN", "meghalaya": "ML", "mizoram": "MZ", "mp": "MP", "nagaland": "NL",
    "odi": "OD", "puducherry": "PY", "punjab": "PB", "rajasthan": "RJ", "sikkim": "SK",
    "tel": "TG", "tripura": "TR", "up": "UP", "utt": "UK",
}
_TOKEN_FILE_STATES = {"TN": "Tamil Nadu", "WB": "West Bengal"}
HINDI_BELT = frozenset({"UP", "BR", "MP", "RJ", "HR", "DL", "JH", "UK", "CH"})
SOUTH_INITIALS = frozenset({"TN", "KL", "KA", "AP", "TG", "PY"})
MUSLIM_MALE = ("irfan imran salim rafiq javed arif asif shahid zahid sajid wasim nadeem aslam "
               "akram anwar iqbal rashid tariq faisal sohail aamir shakeel jameel naseem rizwan "
               "zubair yusuf ismail ibrahim usman ayub farooq nasir sabir shabbir mushtaq ishaq "
               "kaleem naeem arshad danish sarfaraz mehboob").split()
MUSLIM_FEMALE = "shabana rukhsana farzana nasreen parveen shaheen reshma salma".split()
MUSLIM_SURNAMES = ("khan shaikh ansari qureshi siddiqui ahmad husain rahman syed pathan malik "
                   "mirza beg alvi").split()
MIDDLE_NAMES = ("kumar", "kumar", "kumar", "prasad", "lal", "chand", "nath", "singh")
TELUGU_SUFFIXES = ("rao", "rao", "reddy", "naidu", "chowdary", "raju")
LOCALITIES = ("Gandhi Nagar", "Station Road", "Civil Lines", "Nehru Colony", "Ward No. 12",
              "Shivaji Chowk", "Old Bazaar", "Ambedkar Nagar", "Rail Colony", "Masjid Gali")
OFFENCES = (("IPC", "376"), ("IPC", "354"), ("IPC", "354A"), ("IPC", "509"), ("IPC", "376D"),
            ("POCSO", "4"), ("POCSO", "6"), ("POCSO", "8"), ("BNS", "64"), ("BNS", "74"))


@dataclass
class NamePools:
    """Weighted token pools (Zipf-like) for one generation run."""

    male: list[str]
    male_cum: list[float]
    female: list[str]
    female_cum: list[float]
    surnames: dict[str, tuple[list[str], list[float]]]
    devanagari: dict[str, str]


@lru_cache(maxsize=16)
def _zipf_cum(n: int, exponent: float) -> list[float]:
    total, out = 0.0, []
    for rank in range(1, n + 1):
        total += 1.0 / rank**exponent
        out.append(total)
    return out


def _plausible(token: str) -> bool:
    """A usable name token: letters only, a vowel and a consonant, not one repeated letter."""
    vowels = sum(c in "aeiou" for c in token)
    return token.isalpha() and len(token) >= 3 and 0 < vowels < len(token) and len(set(token)) > 1


@lru_cache(maxsize=1)
def _name_lists() -> tuple[list[str], list[str], dict[str, list[tuple[str, float]]], dict[str, str]]:
    male: list[str] = []
    female: list[str] = []
    dev: dict[str, str] = {}
    for row in _read_rows("indian_first_names_en_hi.csv"):
        latin = row["name_latin"].lower().replace("-", " ")
        if latin.replace(" ", "").isalpha():
            (female if row["gender_inferred"] == "F" else male).append(latin)
            dev.setdefault(latin, row["name_devanagari"].replace("-", " "))
    surnames: dict[str, list[tuple[str, float]]] = {}
    for row in _read_rows("indian_surnames_by_state.csv"):
        code = _SURNAME_FILE_STATES.get(row["state_code"])
        if code and _plausible(row["last_name"]):
            surnames.setdefault(code, []).append((row["last_name"], float(row["count_in_sample"])))
    for row in _read_rows("name_tokens_en_hi_affidavits.csv"):
        token = row["token_latin"]
        if row["is_initial"] == "1" or not _plausible(token):
            continue
        dev.setdefault(token, row["token_devanagari"])
        for code, state in _TOKEN_FILE_STATES.items():
            if state in row["states"] and int(row["count_last"]) > int(row["count_first"]):
                surnames.setdefault(code, []).append((token, float(row["count_last"])))
    return male, female, surnames, dev


def _pools(rng: random.Random, settings: GeneratorSettings = DEFAULT) -> NamePools:
    male, female, surnames, dev = _name_lists()
    male, female = male[:], female[:]
    rng.shuffle(male)
    rng.shuffle(female)
    weighted = {}
    for code, pairs in surnames.items():
        tokens = [t for t, _ in pairs]
        cum, total = [], 0.0
        for _, count in pairs:
            total += count**settings.surname_count_power
            cum.append(total)
        weighted[code] = (tokens, cum)
    zipf = settings.given_name_zipf
    return NamePools(male, _zipf_cum(len(male), zipf), female, _zipf_cum(len(female), zipf), weighted, dev)


@dataclass
class Person:
    """Ground-truth person behind one or more registry records."""

    person_id: str
    sex: str
    state: State
    district: str
    given: str
    middle: str
    surname: str
    prefix: str
    father: list[str]
    dob: date
    convictions: list[Conviction] = field(default_factory=list)
    muslim: bool = False
    home: tuple[int, str] | None = None
    """(house number, locality) in the home district; None: each registration draws an address."""


class RegistryGenerator:
    """Generates persons, then renders each person's registrations with realistic noise."""

    def __init__(self, seed: int, settings: GeneratorSettings = DEFAULT) -> None:
        self.rng = random.Random(seed)
        self.settings = settings
        self.pools = _pools(self.rng, settings)
        self.state_cum = []
        total = 0.0
        for state in STATES:
            total += state.weight
            self.state_cum.append(total)
        self.persons: list[Person] = []

    def _given(self, sex: str, muslim: bool) -> str:
        rng = self.rng
        if muslim:
            pool = MUSLIM_FEMALE if sex == "F" else MUSLIM_MALE
            return rng.choices(pool, cum_weights=_zipf_cum(len(pool), self.settings.given_name_zipf))[0]
        pool, cum = (self.pools.female, self.pools.female_cum) if sex == "F" else \
            (self.pools.male, self.pools.male_cum)
        return rng.choices(pool, cum_weights=cum)[0]

    def _surname(self, state: State, muslim: bool) -> str:
        if muslim:
            return self.rng.choice(MUSLIM_SURNAMES)
        tokens, cum = self.pools.surnames.get(state.code) or self.pools.surnames["UP"]
        return self.rng.choices(tokens, cum_weights=cum)[0]

    def _new_person(self, index: int) -> Person:
        rng, s = self.rng, self.settings
        relative = self.persons[rng.randrange(len(self.persons))] if self.persons else None
        roll = rng.random()
        if relative is not None and roll < s.sibling_rate:
            return self._sibling(index, relative)
        if relative is not None and roll < s.sibling_rate + s.namesake_rate:
            return self._namesake(index, relative)
        state = rng.choices(STATES, cum_weights=self.state_cum)[0]
        sex = "F" if rng.random() < s.female_share else "M"
        muslim = rng.random() < s.muslim_share
        surname = "" if state.code == "TN" else self._surname(state, muslim)
        father = [self._given("M", muslim)] + ([surname] if surname and rng.random() < s.father_has_surname else [])
        middle = ""
        if state.code == "MH" and rng.random() < s.mh_father_as_middle:
            middle = father[0]
        elif state.code in HINDI_BELT and not muslim and rng.random() < s.hindi_middle_name:
            middle = rng.choice(MIDDLE_NAMES)
        elif (state.code in variants.TELUGU_STATES and not muslim and sex == "M" and s.telugu_suffix
              and rng.random() < s.telugu_suffix):
            middle = rng.choice(TELUGU_SUFFIXES)
        prefix = "mohammad" if muslim and sex == "M" and rng.random() < s.mohammed_prefix else ""
        dob = date(1950, 1, 1) + timedelta(days=rng.randrange(55 * 365))
        person = Person(f"P{index:07d}", sex, state, rng.choice(state.districts), self._given(sex, muslim),
                        middle, surname, prefix, father, dob, muslim=muslim)
        person.home = self._home()
        return person

    def _home(self) -> tuple[int, str] | None:
        """A fixed home address, drawn only when registrations use one (no draw at rate 0)."""
        if not self.settings.home_address:
            return None
        return self.rng.randrange(1, 400), self.rng.choice(LOCALITIES)

    def _sibling(self, index: int, rel: Person) -> Person:
        muslim = rel.surname in MUSLIM_SURNAMES or rel.prefix != ""
        dob = rel.dob + timedelta(days=self.rng.choice((-1, 1)) * self.rng.randrange(400, 3600))
        given = self._given("M", muslim)
        middle = rel.father[0] if rel.middle == rel.father[0] else rel.middle
        return Person(f"P{index:07d}", "M", rel.state, rel.district, given, middle, rel.surname,
                      rel.prefix, list(rel.father), dob, muslim=rel.muslim or muslim, home=rel.home)

    def _namesake(self, index: int, rel: Person) -> Person:
        other = self._new_person_plain(index, rel.state)
        other.given, other.surname, other.prefix = rel.given, rel.surname, rel.prefix
        other.sex, other.muslim = rel.sex, rel.muslim
        s = self.settings
        if s.namesake_same_district and self.rng.random() < s.namesake_same_district:
            other.district = rel.district
        other.home = self._home()
        return other

    def _new_person_plain(self, index: int, state: State) -> Person:
        rng = self.rng
        dob = date(1950, 1, 1) + timedelta(days=rng.randrange(55 * 365))
        father = [self._given("M", False), self._surname(state, False)]
        return Person(f"P{index:07d}", "M", state, rng.choice(state.districts), "", "", "", "",
                      father, dob)

    def _conviction(self, person: Person, after: date) -> Conviction:
        rng = self.rng
        start = max(after, person.dob + timedelta(days=18 * 366))
        span = max(30, (date(2024, 12, 31) - start).days)
        act, section = rng.choice(OFFENCES)
        court = rng.choice(("Sessions Court", "Special POCSO Court", "District Court"))
        return Conviction(act, section, start + timedelta(days=rng.randrange(span)),
                          f"{court}, {person.district}")

    def _convictions(self, person: Person) -> None:
        person.convictions.append(self._conviction(person, date(2006, 1, 1)))

    def generate(self, n: int) -> tuple[list[PersonRecord], dict[str, str]]:
        records: list[PersonRecord] = []
        truth: dict[str, str] = {}
        counts = [c for c, _ in self.settings.records_per_person]
        weights = [w for _, w in self.settings.records_per_person]
        while len(records) < n:
            person = self._new_person(len(self.persons))
            self._convictions(person)
            self.persons.append(person)
            k = self.rng.choices(counts, weights=weights)[0]
            for r in range(min(k, n - len(records))):
                records.append(self._render(person, r))
        self.rng.shuffle(records)
        for i, rec in enumerate(records):
            truth_id = rec.record_id
            rec.record_id = f"R{i:08d}"
            truth[rec.record_id] = truth_id
        return records, truth

    def _place(self, person: Person, r: int) -> tuple[State, str]:
        rng, s = self.rng, self.settings
        if r == 0 or rng.random() < s.same_district:
            return person.state, person.district
        if rng.random() < s.same_state:
            return person.state, rng.choice(person.state.districts)
        state = rng.choices(STATES, cum_weights=self.state_cum)[0]
        return state, rng.choice(state.districts)

    def _render(self, person: Person, r: int) -> PersonRecord:
        rng, s = self.rng, self.settings
        state, district = self._place(person, r)
        old = OLD_NAMES.get(canonical_district(district))
        shown_district = rng.choice(old) if old and rng.random() < s.old_district_name else district
        shown_state = rng.choice((state.code, state.code, state.name, state.name.upper()))
        devanagari = rng.random() < (s.devanagari_hindi_belt if state.code in HINDI_BELT else s.devanagari_elsewhere)
        render = variants.Renderer(rng, self.pools.devanagari, devanagari, s)
        full_name, aliases = render.person_name(person, state.code)
        dob, age, as_of = render.birth(person.dob, person.convictions[0].conviction_date)
        convictions = [person.convictions[0]]
        if r > 0 and rng.random() < s.new_conviction:
            first = person.convictions[0].conviction_date or date(2006, 1, 1)
            convictions = [self._conviction(person, first)]
        house = rng.randrange(1, 400)
        father_name = render.father_name(person.father)
        sex = person.sex if rng.random() > s.missing_sex else ""
        locality = rng.choice(LOCALITIES)
        if (person.home is not None and district == person.district
                and rng.random() < s.home_address):
            house, locality = person.home
        return PersonRecord(
            record_id=person.person_id, state=shown_state, district=shown_district,
            full_name=full_name, aliases=aliases, father_name=father_name,
            sex=sex, dob=dob, age=age, age_as_of=as_of,
            address=f"{house}, {locality}, {shown_district}, {state.name}",
            convictions=[Conviction(c.act, c.section, c.conviction_date, c.court) for c in convictions],
        )


def generate(n: int, seed: int = 0, settings: GeneratorSettings | str = DEFAULT,
             ) -> tuple[list[PersonRecord], dict[str, str]]:
    """n synthetic records and their ground truth (record_id -> person_id).

    `settings`: the phenomena rates, or a preset's name in SETTINGS ("default", "messy", "crowded")."""
    with gc_paused():
        return RegistryGenerator(seed, named(settings)).generate(n)


def write_csv(path: str, records: list[PersonRecord], truth: dict[str, str] | None = None,
              truth_path: str | None = None) -> None:
    """Write records (and optionally the truth) as registry CSV files."""
    csvio.write_records(path, records)
    if truth is not None and truth_path:
        csvio.write_truth(truth_path, truth)
