"""Events: past-tense facts, written to the outbox in the same transaction as the change they announce.

Each capability declares its events as frozen dataclasses (`IncidentReported`, `UnitsMoved` …). A scoped event
carries `station_id`, `city` and `state`, so any consumer (a console's live feed, a cache) can apply the one
scope rule (`suraksha.core.auth.covers`) without looking anything up. Events never carry a phone number, a
name or a message text.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar

from suraksha.core.auth import Locus, Principal

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event a capability records. The class name is the event's type."""

    scoped: ClassVar[bool] = False
    # A transient event (units' movement) is superseded by the next one of its kind: once published, the outbox
    # forgets it instead of keeping it (the relay deletes its row), so that frequent ones do not pile up.
    transient: ClassVar[bool] = False

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def payload(self) -> dict[str, Any]:
        body = {name: _plain(getattr(self, name)) for name in field_names(type(self))}
        body["scoped"] = self.scoped
        if self.transient:
            body["transient"] = True
        return body


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """An event class's fields, worked out once per class (intake builds an event per message)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


E = TypeVar("E", bound="DomainEvent")


def from_row(cls: type[E], row: Mapping[Any, Any], **extra: Any) -> E:
    """An event filled from its subject's row (an incident's, a case's: the columns named as its fields), then
    `extra`; what the event has no field for is left out."""
    names = field_names(cls)
    values = {name: row[name] for name in names if name in row}
    values.update({k: v for k, v in extra.items() if k in names})
    return cls(**values)


@dataclass(frozen=True, kw_only=True)
class ScopedEvent(DomainEvent):
    """An event about something that belongs to a place: only accounts whose scope covers it receive it."""

    scoped: ClassVar[bool] = True
    station_id: int | None
    city: str | None
    state: str | None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


@dataclass(frozen=True)
class Event:
    """An event as it travels on the bus, after the outbox: its type name and its payload."""

    type: str
    payload: dict[str, Any]
    occurred_at: datetime
    id: int | None = field(default=None, compare=False)

    def loci(self) -> list[Locus]:
        """Where the event belongs; a transfer also belongs where it came from (that console drops it)."""
        places = [Locus.of(self.payload)]
        if "from_station_id" in self.payload or "from_city" in self.payload:
            places.append(Locus.of({"station_id": self.payload.get("from_station_id"),
                                    "city": self.payload.get("from_city"), "state": self.payload.get("from_state")}))
        return places

    def visible_to(self, principal: Principal) -> bool:
        """Unscoped events (a station import) go to every staff account; scoped ones by the scope rule."""
        if not self.payload.get("scoped", True):
            return True
        return any(principal.covers(where) for where in self.loci())


class EventBus(Protocol):
    """Delivers published events to subscribers: in this process (`InProcessBus`), or through a broker to every
    node's (`adapters.jetstream.JetStreamBus`)."""

    confirms: bool  # publishing returns once a broker has the events (the outbox relay then marks them published)

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def reachable(self) -> bool: ...

    def publish(self, event: Event) -> None: ...

    def publish_many(self, events: list[Event]) -> None: ...

    def subscribe(self) -> Subscription: ...

    def on(self, event_type: str, handler: Callable[[Event], None]) -> None: ...


class Subscription:
    """A bounded queue of events for one listener (a console tab) living on one event loop.

    `offer` may be called from any thread: the events are handed to the listener's loop with one
    `call_soon_threadsafe` per batch, so the waiting coroutine wakes at once, and once for many events.
    """

    def __init__(self, bus: InProcessBus, loop: asyncio.AbstractEventLoop, maxsize: int = 1000) -> None:
        self._bus, self._loop = bus, loop
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)

    def offer(self, event: Event) -> None:
        self.offer_many([event])

    def offer_many(self, events: list[Event]) -> None:
        try:
            self._loop.call_soon_threadsafe(self._put, events)
        except RuntimeError:  # the listener's loop has closed: it is gone
            self.close()

    def _put(self, events: list[Event]) -> None:
        for event in events:
            try:
                self.queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("a slow subscriber dropped an event of type %s", event.type)

    async def get(self, timeout: float) -> Event | None:
        if not self.queue.empty():  # the usual case under load: no timer, no task
            return self.queue.get_nowait()
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    async def get_many(self, timeout: float, limit: int = 200) -> list[Event]:
        """Every event waiting (at most `limit`), after waiting up to `timeout` for the first; [] when none came. A
        listener that writes them out together pays once per batch for what it pays per write."""
        first = await self.get(timeout)
        if first is None:
            return []
        events = [first]
        while len(events) < limit and not self.queue.empty():
            events.append(self.queue.get_nowait())
        return events

    def close(self) -> None:
        self._bus.unsubscribe(self)


class InProcessBus:
    """Fan-out to subscribers in this process; also to synchronous handlers (caches that must refresh)."""

    confirms = False

    def start(self) -> None:
        """Nothing to connect to."""

    def stop(self) -> None:
        """Nothing to close."""

    def reachable(self) -> bool:
        return True

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: set[Subscription] = set()
        self._handlers: list[tuple[str, Callable[[Event], None]]] = []

    def publish(self, event: Event) -> None:
        self.publish_many([event])

    def publish_many(self, events: list[Event]) -> None:
        """Handlers see each event in turn; each subscriber gets the whole list in one hand-over."""
        if not events:
            return
        for event in events:
            for event_type, handler in list(self._handlers):
                if event_type in (event.type, "*"):
                    try:
                        handler(event)
                    except Exception:  # a failing cache must not stop delivery to the console
                        log.exception("event handler failed for %s", event.type)
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.offer_many(events)

    def on(self, event_type: str, handler: Callable[[Event], None]) -> None:
        self._handlers.append((event_type, handler))

    def subscribe(self) -> Subscription:
        """A subscription for the calling coroutine's event loop."""
        sub = Subscription(self, asyncio.get_running_loop())
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)
