"""The figures of a simulation as a person reads them: a table, a JSON file, and a plot (PNG)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from suraksha.simulation import model


def table(study: dict) -> Table:
    t = Table(title=f"{study['city']}: {study['hours']:g} h from {study['start'][:16]} local, seed {study['seed']}, "
                    f"{study['arrivals']} incidents ({study['rate_per_day']:g} a day)")
    for col in ("vans", "incidents", "reached", "median", "90%", "99%", "in target", "in 10 min", "waited",
                "alarms", "no ack", "at risk", "busy", "run"):
        t.add_column(col, justify="right", no_wrap=True)
    t.caption = ("response times (min:s) from her message to the first unit on scene; in target: by the incident's "
                 "deadline; waited: found no van free; alarms: P1s without a unit for 30 s; no ack: crews released; "
                 "at risk: deadline warnings; busy: the fleet's time on incidents")
    for f in study["fleets"]:
        r = f["response_seconds"]
        t.add_row(str(f["fleet"]), str(f["incidents"]), str(f["reached"]), minutes(r["p50"]), minutes(r["p90"]),
                  minutes(r["p99"]), percent(f["within_target"]), percent(f["within_10_minutes"]),
                  str(f["waited_for_a_unit"]), str(f["unassigned_alarms"]), str(f["not_acknowledged"]),
                  str(f["deadline_warnings"]), percent(f["utilisation"]), f"{f['wall_seconds']:g} s")
    return t


def answer(study: dict) -> str:
    """The planning question's answer in a sentence."""
    n = study.get("smallest_fleet_for_90_within_10_minutes")
    tried = ", ".join(str(f["fleet"]) for f in study["fleets"])
    if n is None:
        return (f"None of the fleets tried ({tried}) reached {model.TARGET_SHARE:.0%} within "
                f"{model.TARGET_MINUTES} minutes: try larger ones.")
    return (f"{n} vans is the smallest fleet tried ({tried}) with {model.TARGET_SHARE:.0%} of incidents reached "
            f"within {model.TARGET_MINUTES} minutes.")


def markdown(study: dict) -> str:
    """The same table in Markdown (for docs/)."""
    head = ("| vans | incidents | reached | median | 90% | 99% | within target | within 10 min | waited for a van | "
            "unassigned alarms | not acknowledged | deadline warnings | utilisation | run time |")
    rows = [head, "|" + "---|" * 14]
    for f in study["fleets"]:
        r = f["response_seconds"]
        rows.append(f"| {f['fleet']} | {f['incidents']} | {f['reached']} | {minutes(r['p50'])} | "
                    f"{minutes(r['p90'])} | {minutes(r['p99'])} | {percent(f['within_target'])} | "
                    f"{percent(f['within_10_minutes'])} | {f['waited_for_a_unit']} | {f['unassigned_alarms']} | "
                    f"{f['not_acknowledged']} | {f['deadline_warnings']} | {percent(f['utilisation'])} | "
                    f"{f['wall_seconds']:g} s |")
    return "\n".join(rows) + "\n"


def write_json(study: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(study, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def plot(study: dict, path: Path) -> None:
    """Left: the response-time distribution of each fleet (the share of incidents reached within x minutes);
    right: the share within the target and within 10 minutes by fleet size, with the 90% line."""
    import logging

    import matplotlib

    logging.getLogger("matplotlib").setLevel(logging.WARNING)  # not its font cache's news
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    fleets = study["fleets"]
    fig, (cdf, shares) = plt.subplots(1, 2, figsize=(12, 4.8), dpi=110)
    for f in fleets:
        times = [s / 60 for s in f["response_times"]]
        whole = max(f["incidents"], 1)
        cdf.step([0, *times], [0, *((i + 1) / whole for i in range(len(times)))], where="post",
                 label=f"{f['fleet']} vans")
    cdf.axvline(model.TARGET_MINUTES, color="grey", linestyle="--", linewidth=1, label="10 minutes")
    cdf.axhline(model.TARGET_SHARE, color="grey", linestyle=":", linewidth=1)
    cdf.set(xlabel="minutes from her message to the first unit on scene", ylabel="share of incidents reached",
            title="Response time", ylim=(0, 1.02), xlim=(0, _x_limit(fleets)))
    cdf.legend(loc="lower right")
    sizes = [f["fleet"] for f in fleets]
    if any(f["within_target"] is not None for f in fleets):  # drawn first: often the same as 10 minutes
        shares.plot(sizes, [f["within_target"] or 0 for f in fleets], marker="s", markersize=10, fillstyle="none",
                    linestyle="--", label="within the state's target")
    shares.plot(sizes, [f["within_10_minutes"] or 0 for f in fleets], marker="o", label="within 10 minutes")
    shares.plot(sizes, [f["utilisation"] for f in fleets], marker="^", linestyle="--", label="unit utilisation")
    shares.axhline(model.TARGET_SHARE, color="red", linestyle=":", linewidth=1, label="90%")
    shares.set(xlabel="vans", ylabel="share", title="By fleet size", ylim=(0, 1.02))
    shares.legend(loc="center right")
    fig.suptitle(f"{study['city']}: {study['hours']:g} h simulated, {study['arrivals']} incidents, "
                 f"seed {study['seed']}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)


def minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.1%}"


def _x_limit(fleets: list[dict]) -> float:
    p99 = [f["response_seconds"]["p99"] for f in fleets if f["response_seconds"]["p99"] is not None]
    return max(20.0, min(max(p99, default=1200) / 60 * 1.1, 120.0))
