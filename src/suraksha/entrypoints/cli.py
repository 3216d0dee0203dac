"""One command line with sub-commands: `suraksha db upgrade`, `suraksha stations import`, `suraksha demo` …"""

from __future__ import annotations

import getpass
import logging
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from suraksha.settings import Settings

app = typer.Typer(help="Suraksha: gets police to women in danger faster.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
stations_app = typer.Typer(help="Police stations, jurisdictions and helpline numbers.", no_args_is_help=True)
accounts_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(stations_app, name="stations")
app.add_typer(accounts_app, name="accounts")
console = Console()


def _container():
    from suraksha.bootstrap import build_container

    return build_container(Settings())


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the configured database (SURAKSHA_DATABASE_URL) to the current schema."""
    from suraksha.migrations.run import upgrade

    settings = Settings()
    upgrade(settings.database_url, revision)
    console.print(f"[green]database at {revision}[/green]")
    if settings.bus_url:  # the event stream of several nodes (docs/deployment.md)
        from suraksha.adapters.jetstream import create_stream

        create_stream(settings.bus_url, settings.bus_stream, settings.bus_replicas)
        console.print(f"[green]event stream {settings.bus_stream} ready on {settings.bus_url}[/green]")


@stations_app.command("import")
def stations_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="GeoJSON FeatureCollection of polygons"),
    city: str = typer.Option(..., "--city", help="City the stations belong to, e.g. mumbai"),
    name_property: str = typer.Option("name", "--name-property", help="Feature property holding the station name"),
    state: str = typer.Option("", "--state", help="The city's state or union territory (e.g. MH); found from the "
                                                  "polygons' location when not given"),
) -> None:
    """Import jurisdiction polygons, with a report on every feature. A running server picks them up."""
    c = _container()
    c.places.reload()
    report = c.stations.import_geojson(file.read_bytes(), city, name_property, actor=getpass.getuser(),
                                       state=state or None)
    _print_report(report)
    if report.created + report.updated == 0:
        raise typer.Exit(code=1)


def _print_report(report) -> None:
    table = Table(title=f"Import into {report.city} ({report.state}): {report.created} new, {report.updated} updated, "
                        f"{report.rejected} rejected")
    for col in ("#", "name", "status", "reasons"):
        table.add_column(col)
    for f in report.features:
        if f.status != "imported":
            table.add_row(str(f.index), f.name or "—", f.status, "; ".join(f.reasons))
    console.print(table)
    for o in report.overlaps:
        console.print(f"[yellow]overlap[/yellow] {o['stations'][0]} / {o['stations'][1]}: {o['area_m2']} m² "
                      f"({o['share_of_smaller']:.0%} of the smaller)")
    for g in report.gaps:
        console.print(f"[yellow]gap[/yellow] {g['area_m2']} m² near {g['at']['lat']}, {g['at']['lon']}")


@stations_app.command("assign")
def stations_assign(station_id: int, kind: str = typer.Option(..., help="women or general"),
                    number: str = typer.Option(...), reason: str = typer.Option("")) -> None:
    """Give a station a helpline number (moves it from another station if needed; the change is recorded)."""
    from suraksha.stations.model import HelplineKind

    c = _container()
    c.stations.reload()
    ref = c.stations.assign_helpline(station_id, HelplineKind(kind), number, getpass.getuser(), reason)
    console.print(ref.as_public_dict())


@stations_app.command("whatsapp")
def stations_whatsapp(station_id: int, phone_number_id: str = typer.Argument(
                          "", help="Meta's phone number id of the WhatsApp Business number (not the number itself)"),
                      unlink: bool = typer.Option(False, "--unlink", help="take the station's WhatsApp link away"),
                      reason: str = typer.Option("")) -> None:
    """Link a station's women helpline to a WhatsApp Business number: deliveries naming that phone number id in
    `metadata.phone_number_id` become the station's incidents, and answers to her are sent from it. An id linked to
    another station moves; the change is recorded in the number history."""
    if not unlink and not phone_number_id:
        raise typer.BadParameter("give the phone number id, or --unlink")
    c = _container()
    c.stations.reload()
    linked = c.stations.link_whatsapp(station_id, None if unlink else phone_number_id, getpass.getuser(), reason)
    station = c.stations.get(station_id)
    console.print(f"{station.name}: " + (f"WhatsApp phone number id {linked}" if linked else "no WhatsApp number"))


agencies_app = typer.Typer(help="Partner agencies: the control rooms incidents are exchanged with (NENA EIDO).",
                           no_args_is_help=True)
app.add_typer(agencies_app, name="agencies")


@agencies_app.command("list")
def agencies_list() -> None:
    """This control room's agency id and its partner agencies, with whether her details may go to each."""
    c = _container()
    console.print(f"this control room: {c.interop.agency_id}", markup=False)
    for p in c.interop.partners():
        allowed = "victim details allowed" if p["may_receive_victim_details"] else "no victim details"
        console.print(f"{p['agency_id']}  {p['name']}  ({allowed})", markup=False)


@agencies_app.command("add")
def agencies_add(agency_id: str, name: str = typer.Option(..., help="the agency's name"),
                 victim_details: bool = typer.Option(False, "--victim-details/--no-victim-details",
                                                     help="may her name, numbers and words be sent to it")) -> None:
    """Add a partner agency, or change its name and whether her details may be sent to it."""
    c = _container()
    p = c.interop.keep_partner(getpass.getuser(), agency_id, name, victim_details)
    allowed = "victim details allowed" if p["may_receive_victim_details"] else "no victim details"
    console.print(f"{p['agency_id']}: {p['name']} ({allowed})", markup=False)


@agencies_app.command("remove")
def agencies_remove(agency_id: str) -> None:
    """Remove a partner agency: it receives no victim details from now on."""
    _container().interop.remove_partner(agency_id)
    console.print(f"{agency_id} removed", markup=False)


@accounts_app.command("create")
def accounts_create(username: str, role: str = typer.Option(...),
                    scope_kind: str = typer.Option("", help="station, city, state or national (an integration: "
                                                            "national unless given)"),
                    scope_value: str = typer.Option("")) -> None:
    """Create an account; the password is asked for twice. An `integration` account is an app's or a safety
    device's gateway: it signs in for a bearer token (POST /api/v1/auth/token) and may only raise SOS alerts."""
    from suraksha.core.auth import Role, ScopeKind

    if not scope_kind:
        if Role(role) is not Role.INTEGRATION:
            raise typer.BadParameter("give --scope-kind (station, city, state or national)")
        scope_kind = ScopeKind.NATIONAL.value  # an SOS is routed by where she is, not by the gateway's scope
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    p = _container().accounts.create_account(username, password, Role(role), ScopeKind(scope_kind), scope_value)
    console.print(f"created {p.username} ({p.role.value}, {p.scope_kind.value} {p.scope_value})")


@accounts_app.command("reset-second-factor")
def accounts_reset_second_factor(username: str) -> None:
    """Remove an account's lost authenticator: it sets up a new one at its next sign-in; its sessions end."""
    ended = _container().accounts.reset_second_factor(username)
    console.print(f"{username}: authenticator removed, {ended} sessions and tokens ended")


@app.command("backup")
def backup_command(file: Path = typer.Argument(..., dir_okay=False, help="Where to write the backup")) -> None:
    """Back up the whole database (SQLite's online backup, or pg_dump's custom format), while it runs."""
    from suraksha.adapters.backup import backup

    size = backup(Settings().database_url, file)
    console.print(f"[green]backed up to {file}[/green] ({size:,} bytes)")


@app.command("restore")
def restore_command(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A backup file"),
                    yes: bool = typer.Option(False, "--yes", help="Do not ask before replacing the data")) -> None:
    """Replace the configured database's contents with a backup. Stop the servers first."""
    from suraksha.adapters.backup import restore

    url = Settings().database_url
    if not yes and not typer.confirm(f"Replace everything in {url} with {file}?"):
        raise typer.Exit(code=1)
    restore(url, file)
    console.print(f"[green]restored {file}[/green]")


@app.command("posters")
def posters_command(
    city: str = typer.Option(..., "--city", help="The city whose stations get posters, e.g. mumbai"),
    station: int | None = typer.Option(None, "--station", help="Only this station (its id)"),
    lang: str | None = typer.Option(None, "--lang", help="Only this language: en, hi or mr (default: all three)"),
    output: Path = typer.Option(..., "--output", file_okay=False, help="The folder to write them to"),
    png: bool = typer.Option(False, "--png", help="Also a PNG preview of each poster"),
) -> None:
    """A4 posters (PDF) of each station's women helpline, with a social-media text beside each, per language."""
    from suraksha.core.errors import InvalidInput, NotFound
    from suraksha.core.i18n import LANGUAGES

    if lang is not None and lang not in LANGUAGES:
        raise InvalidInput(f"--lang is one of {', '.join(LANGUAGES)}", code="unsupported_language")
    c = _container()
    c.stations.reload()
    stations = c.posters.stations_for(city.strip().lower(), station)
    if not stations:
        raise NotFound(f"no station {station} in {city}" if station else f"no stations in {city}",
                       code="station_not_found")
    written = c.posters.write(stations, [lang] if lang else list(LANGUAGES), output)
    if png:
        from suraksha.posters.preview import write_png

        for w in written:
            write_png(w.pdf)
    console.print(f"[green]{len(written)} posters[/green] for {len(stations)} stations in {output}"
                  f"{' (with PNG previews)' if png else ''}")


@app.command("simulate")
def simulate_command(
    city: str = typer.Option(..., "--city", help="A city in the configured database, shipped or imported"),
    fleet: int | None = typer.Option(None, "--fleet", help="How many vans"),
    hours: float = typer.Option(24.0, "--hours", help="How long to simulate, from local midnight (0.25 to 168)"),
    seed: int = typer.Option(1, "--seed", help="The same seed replays the same day"),
    sweep: str | None = typer.Option(None, "--sweep", help="Several fleet sizes on the same day: N1,N2,…"),
    rate: float | None = typer.Option(None, "--rate", help="Incidents a day (default: 180 a day for Mumbai's 91 "
                                                           "stations, pro rata for other cities)"),
    json_file: Path | None = typer.Option(None, "--json", dir_okay=False, help="Write the figures of each fleet"),
    plot_file: Path | None = typer.Option(None, "--plot", dir_okay=False, help="Plot the figures (PNG)"),
) -> None:
    """Replay a day of a city through Suraksha's own services on a scratch database: response times, the share
    within target and unit utilisation for each fleet size (docs/simulation.md). The configured database is only
    read."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from suraksha.simulation import planner, report

    fleets = planner.check_fleets(fleet, sweep)
    quiet = logging.getLogger("suraksha")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # escalations are expected here: the figures count them
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            tasks: dict[int, Any] = {}
            setting_up = progress.add_task(f"{city}: a scratch copy of the city", total=None)

            def step(n: int, done: float) -> None:  # a bar per fleet size, from when its run starts
                if n not in tasks:
                    progress.update(setting_up, total=1.0, completed=1.0)
                    tasks[n] = progress.add_task(f"{n} vans, {hours:g} h", total=1.0)
                progress.update(tasks[n], completed=done)

            study = planner.simulate(Settings(), city, fleets, hours, seed, rate, on_progress=step)
    finally:
        quiet.setLevel(level)
    console.print(report.table(study))
    console.print(report.answer(study))
    if json_file:
        report.write_json(study, json_file)
        console.print(f"figures: {json_file}")
    if plot_file:
        report.plot(study, plot_file)
        console.print(f"plot: {plot_file}")


@app.command("serve")
def serve() -> None:
    """Serve the API and the web console (host and PORT from settings)."""
    from suraksha.entrypoints.server import run

    run(Settings())


@app.command("demo")
def demo(units: int = typer.Option(150, help="How many units to create"),
         simulate: bool = typer.Option(True, help="Send realistic SMS and move units")) -> None:
    """Set up Mumbai with units and accounts, then serve with a simulator: a living city to look at."""
    from suraksha.demo.setup import run_demo

    run_demo(Settings(), units=units, simulate=simulate)


def _mount_optional() -> None:
    from suraksha.entrypoints.cases_cli import app as cases_app

    app.add_typer(cases_app, name="cases", help="Cases: the offence table, sealing keys, the investigation clock.")
    try:
        from suraksha.entrypoints.registry_cli import app as registry_app
    except ImportError:
        return
    app.add_typer(registry_app, name="registry", help="The national offender registry.")


_mount_optional()


def main() -> None:
    logging.basicConfig(level=Settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from suraksha.core.errors import SurakshaError

    try:
        app()
    except SurakshaError as err:  # a clear message with its stable code, not a traceback
        console.print(f"error [{err.code}]: {err.message}", style="red", markup=False)
        raise SystemExit(2) from None
