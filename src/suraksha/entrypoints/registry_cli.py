"""Command line for the registry: synthetic data, dedupe and evaluation against Splink."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from suraksha.registry import csvio
from suraksha.registry.matching import linkage

if TYPE_CHECKING:  # the lab (synthetic data, evaluation) is imported only by the commands that use it
    from suraksha_lab.registry.evaluate import PairwiseScores

app = typer.Typer(help="National sex-offender registry: imports, purge, audit, synthetic data, dedupe, evaluation.",
                  no_args_is_help=True)
console = Console()


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar driven by (step, done, total) callbacks."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed:,}/{task.total:,}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield update


@app.command("synth")
def synth_command(
    n: int = typer.Option(10_000, "--n", help="Number of records."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same records)."),
    output: Path = typer.Option(..., "--output", help="Records CSV to write."),
    truth: Path | None = typer.Option(None, "--truth", help="Ground truth CSV (record_id,person_id)."),
    setting: str = typer.Option("default", "--setting",
                                help="Generator phenomena preset: default, messy (careless writing), crowded "
                                     "(dense namesakes and siblings, fewer identifying fields)."),
) -> None:
    """Generate a synthetic registry with realistic name, date and place variation."""
    from suraksha_lab.registry import synth

    try:
        chosen = synth.named(setting)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--setting") from None
    with console.status(f"Generating {n:,} records ({setting})"):
        records, truth_map = synth.generate(n, seed, chosen)
    csvio.write_records(output, records)
    if truth is not None:
        csvio.write_truth(truth, truth_map)
    persons = len(set(truth_map.values()))
    console.print(f"Wrote {len(records):,} records of {persons:,} persons to {output}")


@app.command("dedupe")
def dedupe_command(
    output: Path = typer.Option(..., "--output", help="CSV record_id,cluster_id,confidence."),
    input: Path | None = typer.Option(None, "--input", exists=True,
                                      help="Records CSV; without it, the whole registry in the database."),
    threshold: float = typer.Option(linkage.DEFAULT_THRESHOLD, "--threshold",
                                    help="Link probability to merge records."),
) -> None:
    """Cluster registry records into persons (from the database: also stores proposed merges)."""
    start = time.perf_counter()
    if input is None:
        with _progress() as progress:
            rows = _container().registry.dedupe(_operator(), threshold, progress=progress)
    else:
        with console.status("Reading records"):
            records = csvio.read_records(input)
        with _progress() as progress:
            rows = linkage.dedupe(records, threshold=threshold, progress=progress)
    csvio.write_clusters(output, rows)
    clusters = len({c for _, c, _ in rows})
    console.print(f"{len(rows):,} records -> {clusters:,} persons in "
                  f"{time.perf_counter() - start:.1f} s; wrote {output}")


def _container():
    from suraksha.bootstrap import build_container
    from suraksha.settings import Settings

    return build_container(Settings())


def _operator():
    import getpass

    from suraksha.registry.audit import Actor

    return Actor(getpass.getuser(), "operator")


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A state's registry CSV (UTF-8)."),
    state: str | None = typer.Option(None, "--state", help="Whose records (name or code); else each row's state."),
) -> None:
    """Import a state's registry file: bad rows are reported, good rows imported; re-sends update."""
    registry = _container().registry
    with _progress() as progress:
        report = registry.import_csv(file.read_bytes(), _operator(), state,
                                     progress=lambda done, total: progress("importing rows", done, total))
    console.print(f"{report.created:,} new, {report.updated:,} updated, {report.unchanged:,} unchanged, "
                  f"{report.rejected:,} rows rejected, {report.alerts:,} movement alerts")
    if report.problems:
        table = Table(title="Rows not imported")
        for column in ("row", "column", "problem"):
            table.add_column(column)
        for p in report.problems[:500]:
            table.add_row(str(p.row), p.column, p.problem)
        console.print(table)
    if report.created + report.updated + report.unchanged == 0 and report.problems:
        raise typer.Exit(code=1)


@app.command("purge")
def purge_command(dry_run: bool = typer.Option(False, "--dry-run", help="List what is due; delete nothing.")) -> None:
    """Delete registrations whose retention ended (tier 1: 15 years, tier 2: 25 years; tier 3: life)."""
    due = _container().registry.purge(_operator(), dry_run=dry_run)
    for d in due:
        console.print(f"{d['state']} {d['record_id']} (tier {d['risk_tier']}, due {d['purge_due']})")
    console.print(f"{len(due):,} registrations {'due for purge' if dry_run else 'purged'}")


@app.command("verify-audit")
def verify_audit_command() -> None:
    """Check the audit trail: its hash chain (an entry changed, removed or reordered) and its signed checkpoints
    (the newest entries deleted, a checkpoint altered). Exits 1 when either finds tampering."""
    report = _container().registry.audit.report()
    if report.first_bad_seq is None:
        console.print(f"[green]audit chain intact[/green]: {report.entries:,} entries")
    else:
        console.print(f"[red]audit chain broken at entry {report.first_bad_seq}[/red] ({report.entries:,} entries "
                      "checked): an entry was changed, removed or reordered there")
    cp = report.checkpoints
    if cp.newest is not None:
        console.print(f"signed checkpoints: {cp.verified:,} verified; the newest, at {cp.newest.at}, covers entries "
                      f"up to {cp.newest.seq:,} ({cp.since_newest:,} written since)")
    for finding in cp.problems:
        console.print(f"[red]{finding.code}[/red]: {finding.message}", highlight=False)
    for finding in cp.warnings:
        console.print(f"[yellow]warning {finding.code}[/yellow]: {finding.message}", highlight=False)
    if not report.intact:
        raise typer.Exit(code=1)


def _scores_table(results: dict[str, PairwiseScores | None], n: int) -> Table:
    table = Table(title=f"Pairwise dedupe quality on {n:,} synthetic records")
    for column in ("system", "precision", "recall", "F1", "seconds", "true pairs", "pred. pairs",
                   "threshold"):
        table.add_column(column, justify="right" if column != "system" else "left")
    for name, s in results.items():
        if s is None:
            table.add_row(name, "-", "-", "-", "-", "-", "not installed", "-")
            continue
        threshold = "-" if s.threshold is None else f"{s.threshold:g}"
        table.add_row(name, f"{s.precision:.4f}", f"{s.recall:.4f}", f"{s.f1:.4f}",
                      f"{s.seconds:.1f}", f"{s.true_pairs:,}", f"{s.predicted_pairs:,}", threshold)
    return table


@app.command("evaluate")
def evaluate_command(
    n: int = typer.Option(20_000, "--n", help="Number of synthetic records."),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    setting: str = typer.Option("default", "--setting",
                                help="Generator phenomena preset: default (the one the matcher was tuned on), "
                                     "messy, crowded."),
) -> None:
    """Run our dedupe and Splink (configured as its documentation recommends) on the same records; compare."""
    from suraksha_lab.registry import evaluate, synth

    try:
        chosen = synth.named(setting)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--setting") from None
    with _progress() as progress:
        results = evaluate.compare_with_splink(n, seed, progress=progress, settings=chosen)
    console.print(f"generator settings: {setting}", highlight=False)
    console.print(_scores_table(results, n))
    if results["splink"] is not None:
        console.print("\n".join(evaluate.splink_configuration()), highlight=False, markup=False)
    ours, theirs = results["suraksha"], results["splink"]
    if ours and theirs:
        console.print(f"F1 ratio (ours/Splink): {ours.f1 / max(theirs.f1, 1e-9):.2f}   "
                      f"time ratio (ours/Splink): {ours.seconds / max(theirs.seconds, 1e-9):.2f}")
    elif theirs is None:
        console.print("[yellow]Splink is not installed: pip install -e '.\\[bench]'[/yellow]")


if __name__ == "__main__":
    app()
