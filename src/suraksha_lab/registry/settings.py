"""Phenomena rates of the synthetic registry generator, and named presets.

`DEFAULT` is the generator as the matcher was developed against it (same seed, same records as before the
rates were parameters). The other presets were not used to tune the matcher: `messy` writes the same kind
of people far more carelessly, `crowded` packs many different people under the same common names, fathers
and addresses and records fewer identifying fields. Rates introduced with the presets (Telugu family name
first, "Kumar"/"Mohammed" added, fixed home addresses, typos in the father's name, namesakes in the same
district) are 0 in `DEFAULT`, and a rate of 0 draws no random number, so the default output is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

RECORDS_PER_PERSON: tuple[tuple[int, float], ...] = ((1, 0.68), (2, 0.21), (3, 0.07), (4, 0.03), (5, 0.01))
FATHER_PREFIXES = ("", "S/o ", "Late ", "Shri ", "S/O Late ")


@dataclass(frozen=True)
class GeneratorSettings:
    """Every rate the generator uses. Rates are probabilities (per person, or per record where noted)."""

    # -- who the persons are (per person) --
    given_name_zipf: float = 0.85
    """Zipf exponent of given names' popularity: higher, more people share the commonest names."""
    surname_count_power: float = 0.8
    """Surnames are drawn with weight count**power from the shipped counts: higher, commoner ones commoner."""
    sibling_rate: float = 0.10
    """A new person is a brother of an earlier one: same father, surname, district (and home, if any)."""
    namesake_rate: float = 0.06
    """A new person has an earlier one's given name and surname, with another father and birth date."""
    namesake_same_district: float = 0.0
    """A namesake also lives in the earlier person's district."""
    female_share: float = 0.04
    muslim_share: float = 0.14
    father_has_surname: float = 0.85
    """The father's name carries the family surname."""
    mh_father_as_middle: float = 0.9
    """Maharashtra: the father's given name is the middle name ("Sachin Ramesh Patil")."""
    hindi_middle_name: float = 0.3
    """Hindi belt, not Muslim: a middle name such as Kumar, Prasad, Lal."""
    mohammed_prefix: float = 0.5
    """A Muslim man's name begins with Mohammad."""
    telugu_suffix: float = 0.0
    """Andhra Pradesh, Telangana: a man's name ends in Rao, Reddy, Naidu... ("Srinivas Rao")."""
    home_address: float = 0.0
    """A registration in the person's own district gives the person's fixed home address (shared by
    siblings) rather than a fresh one; 0: every registration draws a fresh address."""
    records_per_person: tuple[tuple[int, float], ...] = RECORDS_PER_PERSON
    """(number of registrations, weight)."""

    # -- where and what each registration says (per record) --
    same_district: float = 0.2
    """A later registration is in the person's own district..."""
    same_state: float = 0.55
    """...else in another district of the same state; else anywhere."""
    old_district_name: float = 0.35
    """A renamed district is written by its old name (Allahabad, Gurgaon)."""
    new_conviction: float = 0.5
    """A later registration is for another conviction (else it repeats the first)."""
    devanagari_hindi_belt: float = 0.2
    """The record is written in Devanagari, in a Hindi-belt state..."""
    devanagari_elsewhere: float = 0.02
    """...and elsewhere."""
    missing_sex: float = 0.01

    # -- the name as written (per record) --
    respelling: float = 0.22
    """Each name word is respelled (transliteration variant: Mohd/Mohammed, Sharma/Sarma, ee/i...)."""
    respell_from_variant_group: float = 0.8
    """A respelled word with known variants takes one of them (else a rule-made respelling)."""
    typo: float = 0.07
    """One keyboard error in one word of the name."""
    title: float = 0.1
    """A title before the name (Shri, Mr., Smt.)."""
    upper_case: float = 0.2
    """The name is in capitals..."""
    lower_case: float = 0.08
    """...or in lower case; else title case."""
    mohammed_dropped: float = 0.4
    """A man whose name begins with Mohammad is written without it."""
    mohammed_added: float = 0.0
    """A Muslim man without Mohammad is written with it."""
    middle_dropped: float = 0.4
    """The middle name (Kumar, Prasad, the father's name in Maharashtra) is left out."""
    kumar_added: float = 0.0
    """A non-Muslim man without a middle name is written with Kumar ("Ravi Kumar Sharma")."""
    surname_dropped: float = 0.04
    south_father_token: float = 0.5
    """Tamil Nadu, Kerala, Karnataka, Andhra, Telangana, Puducherry: the father's name joins the name..."""
    south_father_first: float = 0.6
    """...before it ("S. Murugan"), else after it ("Murugan S")..."""
    south_father_initial: float = 0.75
    """...as an initial."""
    telugu_family_first: float = 0.0
    """Andhra Pradesh, Telangana: the family name is written first ("Gorantla Srinivas Rao")..."""
    telugu_family_initial: float = 0.0
    """...as an initial ("G. Srinivas Rao")."""
    reversed_name_mh: float = 0.35
    """Maharashtra: surname first ("Patil Sachin")."""
    reversed_name: float = 0.05
    """Elsewhere: surname first."""
    initial_given: float = 0.07
    initial_middle: float = 0.2
    initial_surname: float = 0.05
    initial_dot: float = 0.7
    """An initial is followed by a full stop."""
    alias: float = 0.18
    """The record has an alias..."""
    alias_inline: float = 0.15
    """...written inside the name ("Ramesh Yadav @ Pappu", "urf", "alias")..."""
    alias_nick_surname: float = 0.5
    """...a nickname with the surname ("Pappu Yadav"), else..."""
    alias_respelled_name: float = 0.3
    """...the name heavily respelled, else the nickname alone."""
    alias_nick_respelling: float = 0.1
    alias_name_respelling: float = 0.9

    # -- the father's name field (per record) --
    father_missing: float = 0.12
    father_first_word_only: float = 0.3
    father_respelling: float = 0.2
    father_initial: float = 0.05
    """The father's first name written as an initial ("R. Sharma")."""
    father_typo: float = 0.0
    """One keyboard error in the father's name."""
    father_prefix_weights: tuple[float, ...] = (70, 15, 5, 8, 2)
    """Weights of no prefix, "S/o ", "Late ", "Shri ", "S/O Late "."""

    # -- birth (per record): exact, 1 January default, age only, nothing --
    dob_exact: float = 0.55
    dob_misread: float = 0.04
    """An exact date with day and month swapped or the year off by one."""
    dob_january_first: float = 0.12
    """The year only, written as 1 January (computed from the age)."""
    age_only: float = 0.21
    """An age and the date it was taken, no date of birth; the remainder has neither."""
    age_misstated: float = 0.2
    """The age (and so a 1 January year) is one year off."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float | int) and f.name not in (
                    "given_name_zipf", "surname_count_power") and not 0 <= value <= 1:
                raise ValueError(f"{f.name} must be a probability, not {value}")
        for parts in (("sibling_rate", "namesake_rate"), ("upper_case", "lower_case"),
                      ("dob_exact", "dob_january_first", "age_only")):
            if sum(getattr(self, p) for p in parts) > 1 + 1e-9:
                raise ValueError(f"{' + '.join(parts)} must not exceed 1")
        if len(self.father_prefix_weights) != len(FATHER_PREFIXES):
            raise ValueError(f"father_prefix_weights needs {len(FATHER_PREFIXES)} weights")

    def changed(self, base: GeneratorSettings | None = None) -> dict[str, object]:
        """The rates that differ from `base` (the default settings), name -> value."""
        other = base or DEFAULT
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) != getattr(other, f.name)}


DEFAULT = GeneratorSettings()

MESSY = replace(
    DEFAULT,
    # careless writing: respellings, typos, initials, dropped and added parts, titles and capitals
    respelling=0.45, typo=0.25, father_typo=0.15, father_respelling=0.4, title=0.25,
    upper_case=0.35, lower_case=0.15,
    initial_given=0.15, initial_middle=0.4, initial_surname=0.15, father_initial=0.2,
    mohammed_dropped=0.6, mohammed_added=0.3, middle_dropped=0.6, kumar_added=0.2, surname_dropped=0.12,
    south_father_token=0.8, telugu_suffix=0.6, telugu_family_first=0.5, telugu_family_initial=0.6,
    reversed_name=0.15,
    # inline aliases, old district names, Devanagari
    alias=0.35, alias_inline=0.5, old_district_name=0.6,
    devanagari_hindi_belt=0.45, devanagari_elsewhere=0.1,
    # dates: fewer exact, more 1 January defaults, ages and misreadings
    dob_exact=0.3, dob_misread=0.12, dob_january_first=0.3, age_only=0.3, age_misstated=0.35,
)
"""The same people written far more carelessly."""

CROWDED = replace(
    DEFAULT,
    # many different people under the same common names, fathers and addresses
    given_name_zipf=1.15, surname_count_power=1.0, sibling_rate=0.25, namesake_rate=0.25,
    namesake_same_district=0.6, home_address=0.8, father_has_surname=0.95,
    # fewer identifying fields
    father_missing=0.3, father_first_word_only=0.5, missing_sex=0.05, new_conviction=0.8,
    dob_exact=0.35, dob_january_first=0.2, age_only=0.25,
)
"""Dense namesakes and siblings, with fewer identifying fields."""

SETTINGS: dict[str, GeneratorSettings] = {"default": DEFAULT, "messy": MESSY, "crowded": CROWDED}
"""Named presets (the benchmark's and the CLI's --settings/--setting)."""


def named(name: str | GeneratorSettings) -> GeneratorSettings:
    """A preset by name (or the settings themselves)."""
    if isinstance(name, GeneratorSettings):
        return name
    try:
        return SETTINGS[name]
    except KeyError:
        raise ValueError(f"unknown generator settings {name!r}; known: {', '.join(SETTINGS)}") from None
