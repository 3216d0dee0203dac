"""States and union territories of the synthetic registry: each one's weight in generated data and sample
districts. Every code is a current ISO 3166-2:IN code of the places table (suraksha.places.model)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class State:
    """A state or union territory with its weight in synthetic data and sample districts."""

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
    State("TG", "Telangana", ("tel", "ts"), ("Hyderabad", "Rangareddy", "Warangal", "Nizamabad"), 3.0),
    State("TR", "Tripura", ("tripura",), ("West Tripura", "Gomati"), 0.3),
    State("UP", "Uttar Pradesh", ("up",),
          ("Lucknow", "Prayagraj", "Kanpur Nagar", "Varanasi", "Agra", "Ayodhya", "Gorakhpur",
           "Meerut", "Ghaziabad", "Bareilly"), 17.0),
    State("UK", "Uttarakhand", ("utt", "ua", "uttaranchal"), ("Dehradun", "Haridwar", "Nainital"), 0.8),
    State("TN", "Tamil Nadu", ("tn",), ("Chennai", "Coimbatore", "Madurai", "Tiruchirappalli"), 6.0),
    State("WB", "West Bengal", ("wb",),
          ("Kolkata", "Howrah", "North 24 Parganas", "Purba Bardhaman"), 7.0),
)
