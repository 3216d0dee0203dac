"""`make demo`: migrate, load Mumbai, number its helplines, place units, create one account per role, serve."""

from __future__ import annotations

import random
import secrets
from importlib import resources

import shapely
from pydantic import SecretStr
from rich.console import Console

from suraksha.bootstrap import Container, build_container
from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.errors import ConfigurationError
from suraksha.demo.cases import seed_cases
from suraksha.settings import Settings

console = Console()
DEMO_CITY = "mumbai"
DEMO_WHATSAPP_SECRET = "demo-whatsapp-app-secret"  # the demo's Meta app secret, when none is configured
HOME_STATION = "Colaba Police Station"
SAFETY_APP = "safety_app"
DEMO_ACCOUNTS = (("dispatcher", Role.DISPATCHER, ScopeKind.CITY, DEMO_CITY),
                 ("officer", Role.STATION_OFFICER, ScopeKind.STATION, None),
                 ("responder", Role.RESPONDER, ScopeKind.STATION, None),
                 ("admin", Role.ADMIN, ScopeKind.NATIONAL, ""),
                 ("registry_officer", Role.REGISTRY_OFFICER, ScopeKind.STATE, "MH"),
                 ("registry_supervisor", Role.REGISTRY_SUPERVISOR, ScopeKind.NATIONAL, ""),
                 # a women-safety app's gateway: the simulator raises its panic-button alerts with its token
                 (SAFETY_APP, Role.INTEGRATION, ScopeKind.NATIONAL, ""))
DEMO_REGISTRY_SIZE = 2000


def shipped_jurisdictions(city: str) -> bytes:
    folder = resources.files("suraksha.data") / "jurisdictions"
    return (folder / f"{city}_police_station_jurisdictions.geojson").read_bytes()


def demo_numbers(station_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Made-up but valid Indian mobile numbers: women helplines +91 70001 NNNNN, general +91 70002 NNNNN."""
    return {sid: (f"+9170001{i:05d}", f"+9170002{i:05d}") for i, sid in enumerate(sorted(station_ids), start=1)}


def demo_whatsapp_ids(station_ids: list[int]) -> dict[int, str]:
    """Made-up WhatsApp phone number ids (Meta's are 15-16 digits): 1070001000NNNNN, in the order of demo_numbers."""
    return {sid: f"1070001000{i:05d}" for i, sid in enumerate(sorted(station_ids), start=1)}


def load_city(c: Container, city: str = DEMO_CITY) -> None:
    c.stations.reload()
    if not c.stations.all(city):
        report = c.stations.import_geojson(shipped_jurisdictions(city), city, actor="demo")
        console.print(f"imported {report.created} {city} stations")
    missing = [s.id for s in c.stations.all(city) if not s.women_helpline or not s.general_number]
    if missing:
        c.stations.assign_numbers_in_bulk(demo_numbers([s.id for s in c.stations.all(city)]), "demo",
                                          "demo numbering")
    if not any(c.stations.whatsapp_of(s.id) for s in c.stations.all(city)):
        c.stations.link_whatsapp_in_bulk(demo_whatsapp_ids([s.id for s in c.stations.all(city)]), "demo",
                                         "demo WhatsApp numbers")


def place_units(c: Container, count: int, seed: int = 7, city: str = DEMO_CITY) -> None:
    """One Nirbhaya squad per station first, then patrol vans and beat marshals, at random points inside."""
    c.dispatch.load()
    have = len(c.dispatch.list_units(city=city))
    stations = sorted(c.stations.all(city), key=lambda s: s.name)
    rng = random.Random(seed)
    shapes = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in c.stations.feature_collection(city)["features"]}
    for n in range(have, count):
        station = stations[n % len(stations)]
        kind = "nirbhaya_squad" if n < len(stations) else rng.choice(["patrol_van", "patrol_van", "beat_marshal"])
        point = random_point_in(shapes[station.id], rng)
        prefix = {"nirbhaya_squad": "NS", "patrol_van": "PV", "beat_marshal": "BM"}[kind]
        c.dispatch.create_unit(f"MUM-{prefix}-{n + 1:03d}", kind, station.id, point.x, point.y)


def random_point_in(polygon, rng: random.Random):
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(200):
        p = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if polygon.contains(p):
            return p
    return polygon.representative_point()


def create_accounts(c: Container, password: str) -> None:
    home = next(s for s in c.stations.all(DEMO_CITY) if s.name == HOME_STATION)
    home_units = list(c.dispatch.list_units(station_id=home.id))
    for username, role, kind, value in DEMO_ACCOUNTS:
        scope = str(home.id) if value is None else value
        unit_id = home_units[0]["id"] if role is Role.RESPONDER and home_units else None
        if c.accounts.exists(username):
            c.accounts.set_password(username, password)
            if unit_id is not None:  # an older demo database too: the responder's screen needs a unit
                c.accounts.crew_unit(username, unit_id)
            continue
        c.accounts.create_account(username, password, role, kind, scope, is_demo=True, unit_id=unit_id)


def seed_registry(c: Container, n: int = DEMO_REGISTRY_SIZE, seed: int = 5) -> None:
    """A synthetic registry (names built from token lists, never real people); Maharashtra's
    registrations get addresses inside Mumbai's stations, so that station lists and maps have entries."""
    import csv
    import io
    import tempfile

    from suraksha.registry.audit import Actor
    from suraksha.registry.csvio import write_records
    from suraksha_lab.registry.synth import generate

    if c.registry.registrations_held():  # seeded already
        return
    records, _truth = generate(n, seed)
    with tempfile.NamedTemporaryFile("w+", suffix=".csv") as tmp:
        write_records(tmp.name, records)
        rows = list(csv.DictReader(open(tmp.name, encoding="utf-8")))
    rng = random.Random(seed)
    shapes = [shapely.geometry.shape(f["geometry"]) for f in c.stations.feature_collection(DEMO_CITY)["features"]]
    for row in rows:
        if row["state"] in ("MH", "Maharashtra") and rng.random() < 0.7:
            p = random_point_in(rng.choice(shapes), rng)
            row.update(address_lat=f"{p.y:.6f}", address_lon=f"{p.x:.6f}", district="Mumbai")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*rows[0].keys(), "address_lat", "address_lon"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    report = c.registry.import_csv(out.getvalue().encode(), Actor("demo", "operator"))
    console.print(f"registry: {report.as_dict().get('created', '?')} synthetic registrations imported")
    c.registry.dedupe(Actor("demo", "operator"))  # proposed merges for the review screen (/registry/merges)


def seed_handsets(c: Container, seed: int = 11, city: str = DEMO_CITY) -> None:
    """A phone on each station's women helpline, synthetic (models and SIM numbers made up, the donor marked as
    the demo's): free for three years from a day in the last three years, so that some free periods end within
    30 days and the stations are reminded."""
    from datetime import timedelta

    from suraksha.handsets.model import HandsetFacts

    admin = Principal(0, "demo", Role.ADMIN, ScopeKind.NATIONAL, "")
    if c.handsets.overview(admin):  # seeded already
        return
    rng = random.Random(seed)
    today = c.handsets.today(city)
    models = ("Nokia 105", "Samsung Galaxy M14", "Redmi A3", "itel A70", "Lava Yuva 3")
    stations = sorted((s for s in c.stations.all(city) if s.women_helpline), key=lambda s: s.id)
    for s in stations:
        given = today - timedelta(days=rng.randint(30, 1090))
        facts = HandsetFacts(rng.choice(models), "8991" + "".join(rng.choice("0123456789") for _ in range(15)),
                             given, given + timedelta(days=3 * 365), "Demo donor (synthetic data)")
        c.handsets.add(admin, s.id, s.women_helpline, facts)
    console.print(f"helpline phones: {len(stations)} synthetic handsets recorded")


DEMO_VOLUNTEERS = 40
DEMO_VOLUNTEER_PHONE = "+917000300000"  # the demo account `volunteer`; the others +91 70003 NNNNN (made up)


def seed_volunteers(c: Container, password: str, seed: int = 13, city: str = DEMO_CITY) -> None:
    """Synthetic volunteers (named "Demo volunteer NN", numbers made up), verified (the check says it is demo data)
    and on duty, each for the area of a random post office of the city; and the demo account `volunteer`, near
    Colaba, whose page shows the alerts of SOS messages the simulator sends from there."""
    from suraksha.places import localities
    from suraksha.volunteers.model import Application

    admin = Principal(0, "demo", Role.ADMIN, ScopeKind.NATIONAL, "")
    if c.volunteers.in_area(admin):  # seeded already: the demo account takes this run's password
        c.accounts.set_password("volunteer", password)
        return
    rng = random.Random(seed)
    places = rng.sample(localities.in_city(city), DEMO_VOLUNTEERS)
    for n, place in enumerate(places, start=1):
        c.volunteers.apply(Application(f"Demo volunteer {n:02d}", f"+9170003{n:05d}", rng.choice(("en", "hi", "mr")),
                                       city, place.name, ("first_aid",) if n % 3 == 0 else ()))
    c.volunteers.apply(Application("Demo volunteer (you)", DEMO_VOLUNTEER_PHONE, "en", city, "Tajmahal"))
    for v in c.volunteers.in_area(admin):
        mine = v["phone"] == DEMO_VOLUNTEER_PHONE
        done = c.volunteers.verify(admin, v["id"], "demo data: a synthetic volunteer, never met",
                                   "volunteer" if mine else "", password=password if mine else None, is_demo=True)
        c.volunteers.set_available(Principal(done["account_id"], done["username"], Role.VOLUNTEER, ScopeKind.STATION,
                                             str(v["station_id"])), True)
    console.print(f"volunteers: {DEMO_VOLUNTEERS + 1} synthetic volunteers verified and on duty")


# Two housing societies with a coordinator each (names and numbers made up): a message from +91 70004 00001 or
# 00002, by SMS or WhatsApp, becomes an incident at the society, named on the console (docs/societies.md).
DEMO_SOCIETIES = (("Sagar Darshan CHS (demo)", "Cuffe Parade, Colaba", 18.9067, 72.8147, "+917000400001"),
                  ("Shanti Niwas CHS (demo)", "Wodehouse Road, Colaba", 18.9152, 72.8275, "+917000400002"))


def seed_societies(c: Container) -> None:
    from suraksha.societies.model import SocietyDetails

    admin = Principal(0, "demo", Role.ADMIN, ScopeKind.NATIONAL, "")
    if c.societies.in_area(admin):  # seeded already
        return
    for name, address, lat, lon, phone in DEMO_SOCIETIES:
        society = c.societies.register(admin, SocietyDetails(name, address, lat, lon))
        c.societies.add_coordinator(admin, society["id"], "Demo coordinator", phone)
    console.print(f"housing societies: {len(DEMO_SOCIETIES)} with a coordinator each")


def prepare(settings: Settings, units: int) -> tuple[Container, str]:
    if settings.env == "production":
        raise ConfigurationError("the demo creates demo accounts: it never runs with SURAKSHA_ENV=production",
                                 code="demo_in_production")
    from suraksha.migrations.run import upgrade

    if not settings.whatsapp_app_secret.get_secret_value():  # the simulator signs its WhatsApp deliveries with it
        settings = settings.model_copy(update={"whatsapp_app_secret": SecretStr(DEMO_WHATSAPP_SECRET)})
    upgrade(settings.database_url)
    c = build_container(settings)
    load_city(c)
    place_units(c, units)
    seed_registry(c)
    seed_handsets(c)
    password = settings.demo_password.get_secret_value() if settings.demo_password else secrets.token_urlsafe(9)
    create_accounts(c, password)
    seed_volunteers(c, password)
    seed_societies(c)
    seed_cases(c)
    return c, password


def run_demo(settings: Settings, units: int = 150, simulate: bool = True) -> None:
    from suraksha.entrypoints.server import make_server

    c, password = prepare(settings, units)
    console.rule("[bold]Suraksha demo")
    console.print(f"Open [bold]http://{settings.host}:{settings.port}/console[/bold]")
    console.print("Accounts: dispatcher, officer, responder, admin, registry_officer, registry_supervisor, volunteer, "
                  f"{SAFETY_APP} (a safety app's gateway: the SOS API only) — password: [bold]{password}[/bold]")
    console.print(f"Database: {settings.database_url}  ·  Ctrl-C to stop")
    server = make_server(c, settings.host, settings.port, log_level="warning")
    if simulate:
        from suraksha.demo.simulator import Simulator

        Simulator(c, f"http://{settings.host}:{settings.port}").start_when(lambda: server.started)
    server.run()
