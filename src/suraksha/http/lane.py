"""Provider webhooks in front of the framework: a lean ASGI lane.

A provider's delivery (Twilio's SMS webhook) is the service's hottest path and needs none of what the framework
does per route for people and API clients: sessions, dependency injection, parameter validation, response models.
Measured on the intake path, that machinery cost more than the whole intake work (docs/benchmarks.md). The lane
serves these routes directly: it reads the body under the route's limit (`BodyLimitMiddleware`, the same 413),
hands the channel's handler the raw delivery, and answers with its bytes. It sits inside `SecurityHeadersMiddleware`,
so its answers carry the same headers as every other response, and errors go through the app's own exception
handlers (one error tree, one mapping to status codes). The routes stay declared in FastAPI as well: they are in the
API description, and they serve the same handler when the lane is not in front (tests of the app alone).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from suraksha.http.limits import BodyLimitMiddleware, BodyTooLarge

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What a provider posted: the path and query it called, its headers (lower-case names), the raw body."""

    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    body: str
    media_type: str
    status: int = 200


LaneHandler = Callable[[Any, Delivery], Awaitable[Answer]]  # (the container, the delivery)
Observer = Callable[[str, int, float], None]  # (the channel, the status answered, seconds taken): the metrics
ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]


class WebhookLane:
    """Serves `handlers` ((method, path) -> handler) itself; everything else goes on to `app`."""

    def __init__(self, app: ASGIApp, handlers: dict[tuple[str, str], LaneHandler], container: Any,
                 exception_handlers: Mapping[type, ExceptionHandler], upload_max_bytes: int,
                 observe: Observer | None = None) -> None:
        self.app, self.handlers, self.container, self.observe = app, handlers, container, observe
        self.exception_handlers = dict(exception_handlers)
        self._limited = BodyLimitMiddleware(self._serve, upload_max_bytes=upload_max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["method"], scope["path"]) in self.handlers:
            await self._limited(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.handlers[(scope["method"], scope["path"])]
        started = time.perf_counter()
        try:
            delivery = Delivery(scope["path"], scope.get("query_string", b"").decode("latin-1"),
                                {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
                                await _body(receive))
            answer = await handler(self.container, delivery)
        except BodyTooLarge:
            raise  # the body limit answers 413
        except Exception as exc:
            status = await self._error(scope, receive, send, exc)
            self._observe(scope["path"], status, started)
            return
        payload = answer.body.encode()
        await send({"type": "http.response.start", "status": answer.status,
                    "headers": [(b"content-type", answer.media_type.encode()),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})
        self._observe(scope["path"], answer.status, started)

    def _observe(self, path: str, status: int, started: float) -> None:
        """Intake's metrics (`adapters.metrics`): the channel is the webhook's last path segment (`sms`)."""
        if self.observe is not None:
            self.observe(path.rstrip("/").rsplit("/", 1)[-1], status, time.perf_counter() - started)

    async def _error(self, scope: Scope, receive: Receive, send: Send, exc: Exception) -> int:
        """The app's own handler for this kind of error; anything unhandled is a 500, logged. Returns the status."""
        handler = next((self.exception_handlers[cls] for cls in type(exc).__mro__ if cls in self.exception_handlers),
                       None)
        response: Response | None = None
        if handler is not None:
            try:
                response = await handler(Request(scope, receive), exc)
            except Exception:
                response = None
        if response is None:
            log.exception("%s %s failed", scope["method"], scope["path"], exc_info=exc)
            response = PlainTextResponse("Internal Server Error", status_code=500)
        await response(scope, receive, send)
        return response.status_code


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
