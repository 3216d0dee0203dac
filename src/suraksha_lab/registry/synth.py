"""Synthetic NDSO-like registry with ground truth, built from the shipped name lists.

Full names are random combinations of name tokens; no real person is described.
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
from suraksha_lab.registry.states import STATES, State

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
LOCALITIES = ("Gandhi Nagar", "Station Road", "Civil Lines", "Nehru Colony", "Ward No. 12",
              "Shivaji Chowk", "Old Bazaar", "Ambedkar Nagar", "Rail Colony", "Masjid Gali")
OFFENCES = (("IPC", "376"), ("IPC", "354"), ("IPC", "354A"), ("IPC", "509"), ("IPC", "376D"),
            ("POCSO", "4"), ("POCSO", "6"), ("POCSO", "8"), ("BNS", "64"), ("BNS", "74"))
RECORDS_PER_PERSON = ((1, 0.68), (2, 0.21), (3, 0.07), (4, 0.03), (5, 0.01))


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


def _pools(rng: random.Random) -> NamePools:
    male, female, surnames, dev = _name_lists()
    male, female = male[:], female[:]
    rng.shuffle(male)
    rng.shuffle(female)
    weighted = {}
    for code, pairs in surnames.items():
        tokens = [t for t, _ in pairs]
        cum, total = [], 0.0
        for _, count in pairs:
            total += count**0.8
            cum.append(total)
        weighted[code] = (tokens, cum)
    return NamePools(male, _zipf_cum(len(male), 0.85), female, _zipf_cum(len(female), 0.85),
                     weighted, dev)


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


class RegistryGenerator:
    """Generates persons, then renders each person's registrations with realistic noise."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pools = _pools(self.rng)
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
            return rng.choices(pool, cum_weights=_zipf_cum(len(pool), 0.85))[0]
        pool, cum = (self.pools.female, self.pools.female_cum) if sex == "F" else \
            (self.pools.male, self.pools.male_cum)
        return rng.choices(pool, cum_weights=cum)[0]

    def _surname(self, state: State, muslim: bool) -> str:
        if muslim:
            return self.rng.choice(MUSLIM_SURNAMES)
        tokens, cum = self.pools.surnames.get(state.code) or self.pools.surnames["UP"]
        return self.rng.choices(tokens, cum_weights=cum)[0]

    def _new_person(self, index: int) -> Person:
        rng = self.rng
        relative = self.persons[rng.randrange(len(self.persons))] if self.persons else None
        roll = rng.random()
        if relative is not None and roll < 0.10:
            return self._sibling(index, relative)
        if relative is not None and roll < 0.16:
            return self._namesake(index, relative)
        state = rng.choices(STATES, cum_weights=self.state_cum)[0]
        sex = "F" if rng.random() < 0.04 else "M"
        muslim = rng.random() < 0.14
        surname = "" if state.code == "TN" else self._surname(state, muslim)
        father = [self._given("M", muslim)] + ([surname] if surname and rng.random() < 0.85 else [])
        middle = ""
        if state.code == "MH" and rng.random() < 0.9:
            middle = father[0]
        elif state.code in HINDI_BELT and not muslim and rng.random() < 0.3:
            middle = rng.choice(MIDDLE_NAMES)
        prefix = "mohammad" if muslim and sex == "M" and rng.random() < 0.5 else ""
        dob = date(1950, 1, 1) + timedelta(days=rng.randrange(55 * 365))
        return Person(f"P{index:07d}", sex, state, rng.choice(state.districts), self._given(sex, muslim),
                      middle, surname, prefix, father, dob)

    def _sibling(self, index: int, rel: Person) -> Person:
        muslim = rel.surname in MUSLIM_SURNAMES or rel.prefix != ""
        dob = rel.dob + timedelta(days=self.rng.choice((-1, 1)) * self.rng.randrange(400, 3600))
        given = self._given("M", muslim)
        middle = rel.father[0] if rel.middle == rel.father[0] else rel.middle
        return Person(f"P{index:07d}", "M", rel.state, rel.district, given, middle, rel.surname,
                      rel.prefix, list(rel.father), dob)

    def _namesake(self, index: int, rel: Person) -> Person:
        other = self._new_person_plain(index, rel.state)
        other.given, other.surname, other.prefix = rel.given, rel.surname, rel.prefix
        other.sex = rel.sex
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
        counts = [c for c, _ in RECORDS_PER_PERSON]
        weights = [w for _, w in RECORDS_PER_PERSON]
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
        rng = self.rng
        if r == 0 or rng.random() < 0.2:
            return person.state, person.district
        if rng.random() < 0.55:
            return person.state, rng.choice(person.state.districts)
        state = rng.choices(STATES, cum_weights=self.state_cum)[0]
        return state, rng.choice(state.districts)

    def _render(self, person: Person, r: int) -> PersonRecord:
        rng = self.rng
        state, district = self._place(person, r)
        old = OLD_NAMES.get(canonical_district(district))
        shown_district = rng.choice(old) if old and rng.random() < 0.35 else district
        shown_state = rng.choice((state.code, state.code, state.name, state.name.upper()))
        devanagari = rng.random() < (0.2 if state.code in HINDI_BELT else 0.02)
        render = variants.Renderer(rng, self.pools.devanagari, devanagari)
        full_name, aliases = render.person_name(person, state.code)
        dob, age, as_of = render.birth(person.dob, person.convictions[0].conviction_date)
        convictions = [person.convictions[0]]
        if r > 0 and rng.random() < 0.5:
            first = person.convictions[0].conviction_date or date(2006, 1, 1)
            convictions = [self._conviction(person, first)]
        house = rng.randrange(1, 400)
        return PersonRecord(
            record_id=person.person_id, state=shown_state, district=shown_district,
            full_name=full_name, aliases=aliases, father_name=render.father_name(person.father),
            sex=person.sex if rng.random() > 0.01 else "", dob=dob, age=age, age_as_of=as_of,
            address=f"{house}, {rng.choice(LOCALITIES)}, {shown_district}, {state.name}",
            convictions=[Conviction(c.act, c.section, c.conviction_date, c.court) for c in convictions],
        )


def generate(n: int, seed: int = 0) -> tuple[list[PersonRecord], dict[str, str]]:
    """n synthetic records and their ground truth (record_id -> person_id)."""
    with gc_paused():
        return RegistryGenerator(seed).generate(n)


def write_csv(path: str, records: list[PersonRecord], truth: dict[str, str] | None = None,
              truth_path: str | None = None) -> None:
    """Write records (and optionally the truth) as registry CSV files."""
    csvio.write_records(path, records)
    if truth is not None and truth_path:
        csvio.write_truth(truth_path, truth)
