"""Command line for the case side: load the offence table an administrator maintains, re-seal victims' details with
the newest key, fire the investigation clock's due alerts once (where no server runs the timers)."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.console import Console

from suraksha.settings import Settings

app = typer.Typer(help="Cases: the offence table, sealing keys, the investigation clock.", no_args_is_help=True)
console = Console()


def _container():
    from suraksha.bootstrap import build_container

    return build_container(Settings())


@app.command("offences")
def offences(file: Path | None = typer.Argument(
        None, exists=True, dir_okay=False, help="a CSV like data/offences/sections.csv (default: that file)")) -> None:
    """Make the offence table what the file says: new sections added, changed ones updated, unlisted ones retired."""
    from suraksha.cases.offences import SECTIONS_FILE, read_sections

    rows = read_sections((file or SECTIONS_FILE).read_text(encoding="utf-8"))
    counts = _container().cases.rules.load_sections(rows, getpass.getuser())
    console.print(", ".join(f"{n} {what}" for what, n in counts.items()))


@app.command("reseal")
def reseal(batch: int = typer.Option(200, min=1, max=10000, help="cases per transaction")) -> None:
    """Seal every victim's details again with the newest key of SURAKSHA_SEAL_KEYS (then the old key may go)."""
    c = _container()
    changed = c.cases.reseal(batch)
    left = c.cases.identity.stale()
    console.print(f"{changed} cases sealed again with key {c.cases.identity.newest_key or '(the secret key)'}; "
                  f"{left} still hold an older key")
    if left:
        raise typer.Exit(code=1)


@app.command("clock")
def clock(limit: int = typer.Option(500, min=1, help="timers at most")) -> None:
    """Fire the investigation clock's due alerts and lapse unsigned e-FIRs once (a server does it every 30 s)."""
    console.print(f"{_container().cases.fire_due(limit)} timers fired")
