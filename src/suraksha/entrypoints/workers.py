"""Background work of a server process: the outbox relay, the outbound-message sender, escalation (crews that
have not acknowledged, P1s without a unit), volunteers alerted near an SOS, the handsets' reminders, the pruning of
the position history, the registry audit's signed checkpoints, the planner's statistics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from suraksha.adapters.db import analyze_grown, optimize

log = logging.getLogger(__name__)
ESCALATION_EVERY_S = 1.0  # crews that have not acknowledged, P1s without a unit, SOS near volunteers: every second
DEADLINE_WATCH_EVERY_S = 5.0  # units that can no longer reach her before the deadline: escalated
PRUNE_POSITIONS_EVERY_S = 5.0  # the position history beyond its window (tracks kept aside first)
PRUNE_POSITIONS_BATCH = 2000  # its rows per transaction (its default): a full batch means at once again
REMINDERS_EVERY_S = 60.0  # handsets whose free period ends within 30 days: the station is reminded
CASE_CLOCK_EVERY_S = 30.0  # the investigation clock's alerts (30, 45, 55 days, breach) and lapsed e-FIRs
AUDIT_CHECKPOINT_EVERY_S = 20.0  # is a signed checkpoint of the registry audit chain due (one per period)?
OPTIMIZE_EVERY_S = 3600.0  # fresh planner statistics while the tables grow
MOVES_PAUSE_S = 0.01  # between two full steps of the units' movement (`bootstrap.MOVES_BATCH` events each)
GROWTH_CHECK_EVERY_S = 2.0  # PostgreSQL: a table that has about doubled since its statistics is analysed again


def start_workers(c: Any) -> list[asyncio.Task]:
    """The loops, as tasks on the running event loop (each step runs in a worker thread)."""
    tasks = [asyncio.create_task(every(OPTIMIZE_EVERY_S, lambda: optimize(c.engine)), name="planner-statistics")]
    if c.settings.send_messages:
        tasks.append(asyncio.create_task(loop(c.messages.deliver_due, 1.0, 50), name="message-sender"))
    if c.settings.relay_outbox:
        tasks.append(asyncio.create_task(loop(c.relay.relay_once, c.settings.outbox_poll_seconds, c.relay.batch),
                                         name="outbox-relay"))
        if c.moves_relay is not None:  # the units' movement, from the positions' store's own outbox, in small steps
            tasks.append(asyncio.create_task(loop(c.moves_relay.relay_once, c.settings.outbox_poll_seconds,
                                                  c.moves_relay.batch, pause=MOVES_PAUSE_S), name="moves-relay"))
        if c.relay.lease is not None:  # renewed beside the relay's steps, however long one of them takes
            tasks.append(asyncio.create_task(keeping(c.relay.lease), name="outbox-relay-lease"))
    if c.settings.run_timers:  # rows claimed when due: however many processes run these, one acts on each
        tasks += [
            asyncio.create_task(loop(c.handsets.remind_due, REMINDERS_EVERY_S, 50), name="handset-reminders"),
            asyncio.create_task(loop(c.cases.fire_due, CASE_CLOCK_EVERY_S, 50), name="case-clock"),
            asyncio.create_task(loop(c.cases.updates.fire_due, CASE_CLOCK_EVERY_S, 50), name="victim-updates"),
            asyncio.create_task(loop(c.registry.checkpoint_audit, AUDIT_CHECKPOINT_EVERY_S, 2),
                                name="audit-checkpoints"),
            asyncio.create_task(loop(c.dispatch.escalate_due, ESCALATION_EVERY_S, 20), name="escalation"),
            asyncio.create_task(loop(c.incidents.alarm_unassigned, ESCALATION_EVERY_S, 200), name="unassigned-alarm"),
            asyncio.create_task(loop(c.dispatch.watch_deadlines, DEADLINE_WATCH_EVERY_S, 100), name="deadline-watch"),
            asyncio.create_task(loop(c.dispatch.prune_positions, PRUNE_POSITIONS_EVERY_S, PRUNE_POSITIONS_BATCH),
                                name="position-pruning"),
            asyncio.create_task(loop(c.volunteers.alert_due, ESCALATION_EVERY_S, 200), name="volunteer-alerts"),
        ]
    if c.engine.dialect.name == "postgresql":  # soon after a start too, as the tables grow (`analyze_grown`)
        tasks.append(asyncio.create_task(every(GROWTH_CHECK_EVERY_S, lambda: analyze_grown(c.engine)),
                                         name="planner-statistics-growth"))
    return tasks


async def keeping(lease: Any) -> None:
    """Keep a lease from its own thread while this task runs (cancelled at shutdown, when the keeper stops)."""
    keeper = lease.keep()
    try:
        await asyncio.Event().wait()
    finally:
        await asyncio.to_thread(keeper.stop)


async def stop_workers(tasks: list[asyncio.Task]) -> None:
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def loop(step: Callable[[], int], interval: float, backlog: int, pause: float = 0.0) -> None:
    """Run a blocking step in a worker thread every `interval` seconds, again after `pause` (at once by default)
    while it reports a full batch (a backlog); a failure is logged, never fatal. A pause spreads a burst of work
    that holds the interpreter (a fleet's movement, once a second) over more of the second, so that intake's
    requests are not all delayed by it at once."""
    while True:
        try:
            done = await asyncio.to_thread(step)
        except Exception:
            log.exception("background step %s failed", getattr(step, "__qualname__", step))
            done = 0
        await asyncio.sleep(pause if done >= backlog else interval)


async def every(interval: float, step: Callable[[], Any]) -> None:
    """Run a blocking step in a worker thread now and then every `interval` seconds; a failure is logged."""
    while True:
        try:
            await asyncio.to_thread(step)
        except Exception:
            log.exception("background step %s failed", getattr(step, "__qualname__", step))
        await asyncio.sleep(interval)
