"""States, districts and renamed districts used by the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class State:
    """A state or union territory with its registry code and districts."""

    code: str
    name: str
    aliases: tuple[str, ...]
    districts: tuple[str, ...]
    weight: float


STATES: tuple[State, ...] = (
    State("AN", "Andaman and Nicobar Islands", ("andaman",), ("South Andaman", "Nicobar"), 0.05),
    State("AP", "Andhra Pradesh", ("andhra",),
          ("Visakhapatnam", "Guntur", "Krishna", "Kurnool", "Nellore", "Chittoor"), 4.0),
    State("AR", "Arunachal Pradesh", ("arunachal",), ("Papum Pare", "Tawang", "Lohit"), 0.1),
    State("AS", "Assam", ("assam",), ("Kamrup Metropolitan", "Dibrugarh", "Cachar", "Nagaon"), 2.5),
    State("BR", "Bihar", ("bihar",),
          ("Patna", "Gaya", "Muzaffarpur", "Bhagalpur", "Darbhanga", "Purnia", "Saran"), 8.0),
    State("CH", "Chandigarh", ("chandigarh",), ("Chandigarh",), 0.1),
    State("DH", "Dadra and Nagar Haveli and Daman and Diu", ("dadra", "daman", "dn", "dd"),
          ("Dadra and Nagar Haveli", "Daman", "Diu"), 0.05),
    State("DL", "Delhi", ("delhi", "nct of delhi"),
          ("New Delhi", "North Delhi", "South Delhi", "East Delhi", "Shahdara"), 1.5),
    State("GA", "Goa", ("goa",), ("North Goa", "South Goa"), 0.15),
    State("GJ", "Gujarat", ("guj",), ("Ahmedabad", "Surat", "Vadodara", "Rajkot", "Kachchh"), 5.0),
    State("HR", "Haryana", ("har",), ("Gurugram", "Faridabad", "Hisar", "Rohtak", "Nuh"), 2.0),
    State("JH", "Jharkhand", ("jha",), ("Ranchi", "Dhanbad", "East Singhbhum", "Hazaribagh"), 3.0),
    State("JK", "Jammu and Kashmir", ("jk",), ("Srinagar", "Jammu", "Anantnag", "Kathua"), 1.0),
    State("KA", "Karnataka", ("kar",),
          ("Bengaluru Urban", "Mysuru", "Belagavi", "Kalaburagi", "Ballari", "Shivamogga"), 5.0),
    State("KL", "Kerala", ("kerala",),
          ("Thiruvananthapuram", "Ernakulam", "Kozhikode", "Thrissur", "Kollam"), 3.0),
    State("MH", "Maharashtra", ("maharashtra",),
          ("Mumbai", "Pune", "Nagpur", "Thane", "Nashik", "Chhatrapati Sambhajinagar",
           "Dharashiv", "Solapur"), 9.0),
    State("MN", "Manipur", ("manipur",), ("Imphal West", "Imphal East", "Thoubal"), 0.2),
    State("ML", "Meghalaya", ("meghalaya",), ("East Khasi Hills", "West Garo Hills"), 0.2),
    State("MZ", "Mizoram", ("mizoram",), ("Aizawl", "Lunglei"), 0.1),
    State("MP", "Madhya Pradesh", ("mp",),
          ("Bhopal", "Indore", "Jabalpur", "Gwalior", "Narmadapuram", "Ujjain"), 6.0),
    State("NL", "Nagaland", ("nagaland",), ("Kohima", "Dimapur"), 0.15),
    State("OD", "Odisha", ("odi", "orissa", "or"), ("Khordha", "Cuttack", "Ganjam", "Puri"), 3.5),
    State("PY", "Puducherry", ("puducherry", "pondicherry"), ("Puducherry", "Karaikal"), 0.1),
    State("PB", "Punjab", ("punjab",), ("Ludhiana", "Amritsar", "Jalandhar", "Patiala"), 2.0),
    State("RJ", "Rajasthan", ("rajasthan",),
          ("Jaipur", "Jodhpur", "Kota", "Ajmer", "Udaipur", "Alwar"), 6.0),
    State("SK", "Sikkim", ("sikkim",), ("Gangtok", "Namchi"), 0.05),
    State("TS", "Telangana", ("tel", "tg"), ("Hyderabad", "Rangareddy", "Warangal", "Nizamabad"), 3.0),
    State("TR", "Tripura", ("tripura",), ("West Tripura", "Gomati"), 0.3),
    State("UP", "Uttar Pradesh", ("up",),
          ("Lucknow", "Prayagraj", "Kanpur Nagar", "Varanasi", "Agra", "Ayodhya", "Gorakhpur",
           "Meerut", "Ghaziabad", "Bareilly"), 17.0),
    State("UK", "Uttarakhand", ("utt", "ua", "uttaranchal"), ("Dehradun", "Haridwar", "Nainital"), 0.8),
    State("TN", "Tamil Nadu", ("tn",), ("Chennai", "Coimbatore", "Madurai", "Tiruchirappalli"), 6.0),
    State("WB", "West Bengal", ("wb",),
          ("Kolkata", "Howrah", "North 24 Parganas", "Purba Bardhaman"), 7.0),
)

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
OLD_NAMES: dict[str, list[str]] = {}
for _old, _new in DISTRICT_RENAMES.items():
    OLD_NAMES.setdefault(_new, []).append(_old.title())

_STATE_LOOKUP: dict[str, str] = {}
for _s in STATES:
    for _key in (_s.code, _s.name, *_s.aliases):
        _STATE_LOOKUP[_key.lower()] = _s.code
STATE_BY_CODE: dict[str, State] = {s.code: s for s in STATES}


def _clean(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", " ", text.lower()).strip()


@lru_cache(maxsize=4096)
def canonical_state(value: str | None) -> str:
    """Two-letter code for a state code or name ('' when unknown)."""
    if not value:
        return ""
    key = " ".join(_clean(value).split())
    return _STATE_LOOKUP.get(key, key.upper() if len(key) == 2 else key)


@lru_cache(maxsize=16384)
def canonical_district(value: str | None) -> str:
    """Current lower-case district name, mapping renamed districts."""
    if not value:
        return ""
    key = " ".join(_clean(value).split())
    key = re.sub(r"\b(district|dist|zila|zilla)\b", "", key).strip()
    return DISTRICT_RENAMES.get(key, key)
