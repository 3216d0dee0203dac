"""Events: past-tense facts, written to the outbox in the same transaction as the change they announce."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Something that happened. `type` is past tense: IncidentReported, UnitDispatched."""

    type: str
    payload: dict[str, Any]
    occurred_at: datetime
    id: int | None = field(default=None, compare=False)


class EventBus(Protocol):
    """Delivers published events to subscribers. In-process now; a broker-backed one can replace it."""

    def publish(self, event: Event) -> None: ...

    def subscribe(self) -> "Subscription": ...


class Subscription:
    """A bounded queue of events for one listener (a console tab, a cache)."""

    def __init__(self, bus: "InProcessBus", maxsize: int = 1000) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("a slow subscriber dropped an event of type %s", event.type)

    async def get(self, timeout: float) -> Event | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

    def close(self) -> None:
        self._bus.unsubscribe(self)


class InProcessBus:
    """Fan-out to subscribers in this process; also to synchronous handlers (caches that must refresh)."""

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._handlers: list[tuple[str, Any]] = []

    def publish(self, event: Event) -> None:
        for event_type, handler in self._handlers:
            if event_type in (event.type, "*"):
                try:
                    handler(event)
                except Exception:  # a failing cache must not stop delivery to the console
                    log.exception("event handler failed for %s", event.type)
        for sub in list(self._subs):
            sub.offer(event)

    def on(self, event_type: str, handler) -> None:
        self._handlers.append((event_type, handler))

    def subscribe(self) -> Subscription:
        sub = Subscription(self)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)
