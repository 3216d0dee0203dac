"""States, union territories, districts and well-known cities of India, and the rules that name them.

Plain data and functions, standard library only. State codes are the current ISO 3166-2:IN codes; older
codes and spellings (TS, OR, Orissa, UA, DN, ...) map to them through `canonical_state`.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

STATE = "state"
UNION_TERRITORY = "union_territory"
DISTRICT = "district"
CITY = "city"
# The places table's kinds: a union territory is stored as a 'state' row (State.kind tells them apart).
PLACE_KINDS = (STATE, DISTRICT, CITY)
INDIA_TIME_ZONE = "Asia/Kolkata"


@dataclass(frozen=True)
class State:
    """A state or union territory: its current ISO code, name, kind and the other names it goes by."""

    code: str
    name: str
    kind: str  # "state" | "union_territory"
    aliases: tuple[str, ...]


STATES: tuple[State, ...] = (
    State("AP", "Andhra Pradesh", STATE, ("andhra",)),
    State("AR", "Arunachal Pradesh", STATE, ("arunachal",)),
    State("AS", "Assam", STATE, ("assam",)),
    State("BR", "Bihar", STATE, ("bihar",)),
    State("CG", "Chhattisgarh", STATE, ("CT", "chattisgarh", "chhatisgarh")),
    State("GA", "Goa", STATE, ("goa",)),
    State("GJ", "Gujarat", STATE, ("guj",)),
    State("HR", "Haryana", STATE, ("har",)),
    State("HP", "Himachal Pradesh", STATE, ("himachal",)),
    State("JH", "Jharkhand", STATE, ("jha",)),
    State("KA", "Karnataka", STATE, ("kar",)),
    State("KL", "Kerala", STATE, ("kerala",)),
    State("MP", "Madhya Pradesh", STATE, ("mp",)),
    State("MH", "Maharashtra", STATE, ("maharashtra",)),
    State("MN", "Manipur", STATE, ("manipur",)),
    State("ML", "Meghalaya", STATE, ("meghalaya",)),
    State("MZ", "Mizoram", STATE, ("mizoram",)),
    State("NL", "Nagaland", STATE, ("nagaland",)),
    State("OD", "Odisha", STATE, ("OR", "odi", "orissa")),
    State("PB", "Punjab", STATE, ("punjab",)),
    State("RJ", "Rajasthan", STATE, ("rajasthan",)),
    State("SK", "Sikkim", STATE, ("sikkim",)),
    State("TN", "Tamil Nadu", STATE, ("tn",)),
    State("TG", "Telangana", STATE, ("TS", "tel", "tg")),
    State("TR", "Tripura", STATE, ("tripura",)),
    State("UP", "Uttar Pradesh", STATE, ("up",)),
    State("UK", "Uttarakhand", STATE, ("UL", "UT", "UA", "utt", "uttaranchal")),
    State("WB", "West Bengal", STATE, ("wb",)),
    State("AN", "Andaman and Nicobar Islands", UNION_TERRITORY,
          ("andaman", "andaman & nicobar", "andaman & nicobar islands")),
    State("CH", "Chandigarh", UNION_TERRITORY, ("chandigarh",)),
    State("DH", "Dadra and Nagar Haveli and Daman and Diu", UNION_TERRITORY,
          ("DN", "DD", "dadra", "daman", "dadra & nagar haveli", "dadra and nagar haveli", "daman & diu",
           "daman and diu", "dnhdd")),
    State("DL", "Delhi", UNION_TERRITORY, ("delhi", "nct of delhi", "national capital territory of delhi")),
    State("JK", "Jammu and Kashmir", UNION_TERRITORY, ("jk", "jammu & kashmir", "j&k")),
    State("LA", "Ladakh", UNION_TERRITORY, ("ladakh",)),
    State("LD", "Lakshadweep", UNION_TERRITORY, ("lakshadweep", "laccadive islands")),
    State("PY", "Puducherry", UNION_TERRITORY, ("puducherry", "pondicherry")),
)
STATE_BY_CODE: dict[str, State] = {s.code: s for s in STATES}

# Old district name -> current name (lower case).
DISTRICT_RENAMES: dict[str, str] = {
    "gurgaon": "gurugram", "allahabad": "prayagraj", "bombay": "mumbai",
    "faizabad": "ayodhya", "banaras": "varanasi", "benares": "varanasi",
    "calcutta": "kolkata", "madras": "chennai", "trichy": "tiruchirappalli",
    "bangalore": "bengaluru urban", "bangalore urban": "bengaluru urban",
    "mysore": "mysuru", "belgaum": "belagavi", "gulbarga": "kalaburagi", "bellary": "ballari",
    "shimoga": "shivamogga", "trivandrum": "thiruvananthapuram", "calicut": "kozhikode",
    "trichur": "thrissur", "quilon": "kollam", "poona": "pune",
    "aurangabad": "chhatrapati sambhajinagar", "osmanabad": "dharashiv",
    "hoshangabad": "narmadapuram", "baroda": "vadodara", "kutch": "kachchh",
    "mewat": "nuh", "pondicherry": "puducherry", "burdwan": "purba bardhaman",
    "vizag": "visakhapatnam", "cawnpore": "kanpur nagar", "kanpur": "kanpur nagar",
}
# Current district name (lower case) -> its old names (title case).
OLD_NAMES: dict[str, list[str]] = {}
for _old, _new in DISTRICT_RENAMES.items():
    OLD_NAMES.setdefault(_new, []).append(_old.title())

# City key -> state code, for well-known cities (more are registered at run time).
KNOWN_CITIES: dict[str, str] = {
    "mumbai": "MH", "pune": "MH", "nagpur": "MH", "thane": "MH", "navi-mumbai": "MH", "nashik": "MH",
    "bengaluru": "KA", "mysuru": "KA", "mangaluru": "KA", "hyderabad": "TG", "warangal": "TG",
    "kolkata": "WB", "howrah": "WB", "gurugram": "HR", "faridabad": "HR", "bhubaneswar": "OD",
    "cuttack": "OD", "delhi": "DL", "new-delhi": "DL", "chennai": "TN", "coimbatore": "TN", "madurai": "TN",
    "ahmedabad": "GJ", "surat": "GJ", "vadodara": "GJ", "jaipur": "RJ", "jodhpur": "RJ", "lucknow": "UP",
    "kanpur": "UP", "noida": "UP", "ghaziabad": "UP", "varanasi": "UP", "agra": "UP", "prayagraj": "UP",
    "patna": "BR", "bhopal": "MP", "indore": "MP", "chandigarh": "CH", "ludhiana": "PB", "amritsar": "PB",
    "kochi": "KL", "thiruvananthapuram": "KL", "kozhikode": "KL", "guwahati": "AS",
    "visakhapatnam": "AP", "vijayawada": "AP", "amaravati": "AP", "ranchi": "JH", "raipur": "CG",
    "dehradun": "UK", "shimla": "HP", "srinagar": "JK", "jammu": "JK", "panaji": "GA", "imphal": "MN",
    "shillong": "ML", "aizawl": "MZ", "kohima": "NL", "agartala": "TR", "gangtok": "SK", "itanagar": "AR",
    "puducherry": "PY", "port-blair": "AN", "leh": "LA", "kavaratti": "LD", "silvassa": "DH", "daman": "DH",
}

_DATA = ("suraksha.data", "places")
DISTRICTS_FILE = "india_districts.csv"
STATES_FILE = "india_states.geojson"


def _state_words(text: str) -> str:
    """Lower-case words of a state name or code, without punctuation or the word 'and'."""
    text = re.sub(r"[.'\u2019]", "", text.lower())
    return " ".join(w for w in re.split(r"[^a-z0-9]+", text) if w and w != "and")


_STATE_LOOKUP: dict[str, str] = {}
for _s in STATES:
    for _key in (_s.code, _s.name, *_s.aliases):
        _STATE_LOOKUP[_state_words(_key)] = _s.code


@lru_cache(maxsize=4096)
def canonical_state(value: str | None) -> str:
    """The current two-letter code for a state's code, old code, name or alias; '' when unknown."""
    if not value:
        return ""
    key = _state_words(value)
    found = _STATE_LOOKUP.get(key)
    if found is None and key.startswith("in "):  # ISO form 'IN-MH'
        found = _STATE_LOOKUP.get(key[3:])
    return found or ""


def _clean(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", " ", text.lower()).strip()


@lru_cache(maxsize=16384)
def canonical_district(value: str | None) -> str:
    """Current lower-case district name, mapping renamed districts."""
    if not value:
        return ""
    key = " ".join(_clean(value).split())
    key = re.sub(r"\b(district|dist|zila|zilla)\b", "", key).strip()
    return DISTRICT_RENAMES.get(key, key)


def city_key(name: str) -> str:
    """City keys are lower-case words joined by hyphens: 'Navi Mumbai' -> 'navi-mumbai'."""
    key = "-".join(name.strip().lower().split())
    if not key or not all(ch.isalnum() or ch == "-" for ch in key):
        raise ValueError(f"not a city name: {name!r}")
    return key


def city_name(key: str) -> str:
    """A display name from a city key: 'navi-mumbai' -> 'Navi Mumbai'."""
    return " ".join(word.capitalize() for word in key.split("-") if word)


def district_key(state_code: str, name: str) -> str:
    """The places-table key of a district: 'MH/pune'."""
    return f"{state_code}/{' '.join(name.lower().split())}"


def data_file(name: str):
    """A shipped data file of this package (an importlib.resources Traversable)."""
    return resources.files(_DATA[0]) / _DATA[1] / name


@lru_cache(maxsize=1)
def shipped_districts() -> tuple[tuple[str, str], ...]:
    """(state code, district name) for every district in the shipped list."""
    with data_file(DISTRICTS_FILE).open(encoding="utf-8", newline="") as handle:
        return tuple((row["state_code"], row["district"]) for row in csv.DictReader(handle))


def _row(kind: str, key: str, name: str, state_code: str, aliases: list[str], tz: str | None) -> dict:
    return {"kind": kind, "key": key, "name": name, "state_code": state_code,
            "aliases": json.dumps(aliases, ensure_ascii=False), "time_zone": tz}


def seed_rows() -> list[dict]:
    """Every state/UT, shipped district and known city as rows of the places table."""
    rows = [_row(STATE, s.code, s.name, s.code, list(s.aliases), INDIA_TIME_ZONE) for s in STATES]
    for code, name in shipped_districts():
        old = OLD_NAMES.get(" ".join(name.lower().split()), [])
        rows.append(_row(DISTRICT, district_key(code, name), name, code, old, None))
    rows.extend(_row(CITY, key, city_name(key), code, [], None) for key, code in KNOWN_CITIES.items())
    return rows
