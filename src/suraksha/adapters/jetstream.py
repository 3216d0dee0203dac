"""The event bus on NATS JetStream, for several app nodes (`SURAKSHA_BUS_URL=nats://…`; docs/deployment.md).

Events still leave through the outbox after commit. The relay of one node at a time (it holds the relay's lease)
publishes them to a JetStream stream (`SURAKSHA_BUS_STREAM`, `SURAKSHA_EVENTS`), one message each on the subject
`<stream>.<type>`, with the
outbox id as the message id: a batch published again (a relay that died before it marked them) is dropped as a
duplicate by the stream, so each event is on it once. The relay marks the events published only once the stream has
acknowledged every one of them: an event is never marked and then lost.

Every node has a consumer of its own on the stream (durable, named after the node: the stream keeps its position and
what it has not acknowledged yet, and removes it when the node has been gone for `CONSUMER_GONE_S`); the events it
delivers go to the node's in-process fan-out (`InProcessBus`): the caches' handlers and the consoles' live streams.
A node starting afresh gets a new consumer that begins with the newest event, since its caches are built from the
database as it starts (the consumer is created first, so nothing committed after the build is missed).

The client (nats-py) is asynchronous: it runs on an event loop of its own, in a thread of its own, so that neither
the server's loop nor the relay's worker thread waits for it except for what it asked.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from suraksha.core import jsontext
from suraksha.core.errors import Unavailable
from suraksha.core.events import Event, InProcessBus, Subscription

log = logging.getLogger(__name__)

STREAM = "SURAKSHA_EVENTS"  # the stream's name unless `SURAKSHA_BUS_STREAM` says otherwise
STREAM_MAX_AGE_S = 24 * 3600.0  # what the stream keeps (the outbox keeps everything): a day for a late consumer
DUPLICATE_WINDOW_S = 120.0  # a message id seen again within this is dropped: longer than the relay's lease
CONSUMER_GONE_S = 600.0  # a node's consumer is removed after it has been unused this long
ACK_WAIT_S = 30.0  # an event delivered but not acknowledged by a node is delivered to it again after this
CONNECT_TIMEOUT_S = 2.0  # an attempt to connect
START_WITHIN_S = 10.0  # a node that cannot reach the bus within this does not start
PUBLISH_TIMEOUT_S = 5.0  # a relay step that waits for a bus that is down ends before the relay's lease needs renewing


def unavailable(message: str) -> Unavailable:
    return Unavailable(message, retry_after=1, code="bus_unavailable")


def stream_config(stream: str, replicas: int = 1) -> StreamConfig:
    """Its subjects are `<stream>.<event type>`: two deployments (or test runs) on one NATS each have a stream. On a
    cluster of three NATS servers, three replicas keep it through the loss of one."""
    return StreamConfig(name=stream, subjects=[stream + ".>"], storage=StorageType.FILE, num_replicas=replicas,
                        max_age=STREAM_MAX_AGE_S, duplicate_window=DUPLICATE_WINDOW_S)


def consumer_name(node: str) -> str:
    """A node's consumer: its name with what NATS refuses in one (dots, wildcards, spaces) replaced."""
    return "node-" + re.sub(r"[^A-Za-z0-9_-]", "_", node)[:120]


def encode(event: Event) -> bytes:
    return jsontext.dumps_lenient({"type": event.type, "payload": event.payload,
                                   "occurred_at": event.occurred_at.isoformat(), "id": event.id}).encode()


def decode(data: bytes) -> Event:
    body = jsontext.loads(data)
    return Event(body["type"], body["payload"], datetime.fromisoformat(body["occurred_at"]), body.get("id"))


async def ensure_stream(js: JetStreamContext, stream: str, replicas: int = 1) -> None:
    """Create the stream, or bring an existing one to this configuration (`suraksha db upgrade`, and each start)."""
    config = stream_config(stream, replicas)
    try:
        await js.stream_info(stream)
    except NotFoundError:
        await js.add_stream(config)
        return
    await js.update_stream(config)


def create_stream(url: str, stream: str = STREAM, replicas: int = 1) -> None:
    """`suraksha db upgrade`: the stream, on the bus at `url`."""

    async def run() -> None:
        nc = await nats.connect(url, connect_timeout=CONNECT_TIMEOUT_S, max_reconnect_attempts=0)
        try:
            await ensure_stream(nc.jetstream(), stream, replicas)
        finally:
            await nc.close()

    asyncio.run(run())


class JetStreamBus:
    """The bus of a node among several: publishing goes to the stream, delivery comes from the node's consumer into
    a local fan-out. `start()` before the caches are built; `stop()` at shutdown."""

    confirms = True  # the relay publishes first and marks after the stream's acknowledgement

    def __init__(self, url: str, node: str, stream: str = STREAM, replicas: int = 1,
                 start_within: float = START_WITHIN_S) -> None:
        self.url, self.node, self.stream, self.start_within = url, node, stream, start_within
        self.replicas = replicas
        self.local = InProcessBus()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self.delivered = 0  # events this node has received from the stream
        # The caches' handlers may read the database (a station's change reloads the lookup): they run in a thread
        # of their own, one event after another in the stream's order, so that the bus's loop stays free for the
        # relay's publishes and the connection's heartbeats meanwhile.
        self._handling: ThreadPoolExecutor | None = None

    # ------------------------------------------------------------ the local fan-out

    def on(self, event_type: str, handler) -> None:
        self.local.on(event_type, handler)

    def subscribe(self) -> Subscription:
        return self.local.subscribe()

    def unsubscribe(self, sub: Subscription) -> None:
        self.local.unsubscribe(sub)

    # ------------------------------------------------------------ life

    def start(self) -> None:
        """Connect, make sure the stream is there, and begin receiving from this node's new consumer. Raises when
        the bus cannot be reached within `start_within` seconds (`Unavailable`, `bus_unavailable`): a node that would
        miss every event must not serve. Once connected, a lost connection is re-established for as long as it
        takes; meanwhile the relay fails and tries again, and nothing is marked published."""
        if self._thread is not None:
            return
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._handling = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jetstream-handlers")
        self._thread = threading.Thread(target=loop.run_forever, name="jetstream", daemon=True)
        self._thread.start()
        try:
            self._call(asyncio.wait_for(self._connect(), self.start_within), self.start_within + 5)
        except Exception as e:
            self.stop()
            raise unavailable(f"the event bus at {self.url} could not be reached: {e!r}") from e

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._nc is not None:
            try:
                asyncio.run_coroutine_threadsafe(self._nc.drain(), loop).result(timeout=5)
            except Exception:  # already closed, or the server is gone: nothing left to drain
                log.debug("draining the bus connection failed", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
        if self._handling is not None:
            self._handling.shutdown(wait=True, cancel_futures=True)
        self._loop = self._thread = self._nc = self._js = self._handling = None

    async def _connect(self) -> None:
        self._nc = await nats.connect(self.url, name=f"suraksha {self.node}", connect_timeout=CONNECT_TIMEOUT_S,
                                      max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                                      error_cb=self._on_error, disconnected_cb=self._on_disconnected,
                                      reconnected_cb=self._on_reconnected)
        self._js = self._nc.jetstream(timeout=PUBLISH_TIMEOUT_S)
        await ensure_stream(self._js, self.stream, self.replicas)
        durable = consumer_name(self.node)
        try:  # a consumer left by an earlier life of this node: its caches are rebuilt, it starts from now
            await self._js.delete_consumer(self.stream, durable)
        except NotFoundError:
            pass
        config = ConsumerConfig(durable_name=durable, deliver_policy=DeliverPolicy.NEW, ack_policy=AckPolicy.EXPLICIT,
                                ack_wait=ACK_WAIT_S, inactive_threshold=CONSUMER_GONE_S, max_ack_pending=20_000)
        await self._js.subscribe(self.stream + ".>", durable=durable, stream=self.stream, config=config,
                                 cb=self._deliver, manual_ack=True)

    async def _deliver(self, msg: Msg) -> None:
        try:
            event = decode(msg.data)
        except (ValueError, KeyError, TypeError):
            log.error("an unreadable message on %s was dropped", msg.subject)
            await msg.term()
            return
        await asyncio.get_running_loop().run_in_executor(self._handling, self.local.publish_many, [event])
        self.delivered += 1
        await msg.ack()

    async def _on_error(self, e: Exception) -> None:
        log.warning("event bus: %s", e)

    async def _on_disconnected(self) -> None:
        log.warning("event bus: disconnected from %s, reconnecting", self.url)

    async def _on_reconnected(self) -> None:
        log.info("event bus: reconnected")

    # ------------------------------------------------------------ publishing (the relay)

    def publish(self, event: Event) -> None:
        self.publish_many([event])

    def publish_many(self, events: list[Event]) -> None:
        """Publish these events in order and return once the stream has acknowledged every one (a duplicate is
        acknowledged too); raises `Unavailable` (`bus_unavailable`) when it cannot, and the relay tries again."""
        if not events:
            return
        try:
            self._call(self._publish(events), PUBLISH_TIMEOUT_S)
        except Unavailable:
            raise
        except Exception as e:  # not connected, timed out, refused by the server
            raise unavailable(f"the event bus did not take the events: {e}") from e

    async def _publish(self, events: list[Event]) -> None:
        js = self._js
        if js is None or self._nc is None or not self._nc.is_connected:
            raise unavailable("the event bus is not connected")
        pending = []
        for event in events:
            headers = {"Nats-Msg-Id": str(event.id)} if event.id is not None else None
            pending.append(await js.publish_async(f"{self.stream}.{event.type}", encode(event), headers=headers))
        await asyncio.gather(*pending)

    # ------------------------------------------------------------ health

    def reachable(self) -> bool:
        """Connected to the bus now (`/readyz`)."""
        return self._nc is not None and self._nc.is_connected

    def _call(self, coro, timeout: float) -> Any:
        if self._loop is None:
            coro.close()
            raise unavailable("the event bus is not started")
        future: Future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout=timeout)
        except TimeoutError:
            future.cancel()  # the coroutine stops on the bus's loop too: nothing waits on there for an answer
            raise
