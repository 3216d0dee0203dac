"""While a server is starting: the framework's routes answer only once they are in.

`suraksha serve` begins to listen before it has imported and included the capabilities' routes (most of a start's
time; `entrypoints.app.create_app`): the providers' webhooks are served by the lane in front of this gate, so her
messages are acknowledged at once; any other request is answered 503 with `Retry-After` and the code `starting`,
through the app's own error handlers (JSON for the API, the error page for a person at a browser), until the routes
are in. A load balancer's readiness check (`/readyz`) says "not ready" by the same answer."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from suraksha.core.errors import SurakshaError, Unavailable
from suraksha.http.lane import ExceptionHandler

STARTING_RETRY_AFTER_S = 1  # the routes take a few seconds at most to come in


class RoutesGate:
    """Passes requests on to `app` once `ready` is set; before that, answers 503 `starting` with `Retry-After`."""

    def __init__(self, app: ASGIApp, ready: threading.Event, exception_handlers: Mapping[type, ExceptionHandler]):
        # read when first needed: only `create_app`, which installs the app's error handlers, closes the gate
        self.app, self.ready, self._handlers = app, ready, exception_handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.ready.is_set() or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":  # none is served before the routes are in
            await send({"type": "websocket.close", "code": 1013})  # try again later
            return
        response = await self._handlers[SurakshaError](Request(scope, receive), Unavailable(
            "the server is starting; try again in a moment", retry_after=STARTING_RETRY_AFTER_S, code="starting"))
        await response(scope, receive, send)

