"""The outermost layer: every HTTP request gets its request id (`core.request_id`) before anything else runs, and
every response says it (`X-Request-ID`)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from suraksha.core import request_id

HEADER = b"x-request-id"


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == HEADER), None)
        rid = request_id.accept(given)
        token = request_id.current.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != HEADER]
                message = {**message, "headers": [*headers, (HEADER, rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.current.reset(token)
