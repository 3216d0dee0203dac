"""Request body limits, enforced while the body is read (before any signature check or parsing): a pure ASGI
middleware. A declared Content-Length over the route's limit is refused at once, without reading; a body
without one (chunked) is counted as it arrives and refused as soon as it goes over. Nothing is buffered here.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
MIB = 1024 * KIB
WEBHOOK_MAX_BYTES = 64 * KIB  # a provider's delivery is small; Twilio's largest is a few KiB
DEFAULT_MAX_BYTES = 1 * MIB
UPLOAD_ROUTES = (  # (method, path pattern): the routes that take files
    ("POST", re.compile(r"/api/v1/stations/import")),
    ("POST", re.compile(r"/api/v1/registry/imports")),
    ("POST", re.compile(r"/registry/upload")),
    ("POST", re.compile(r"/api/v1/registry/registrations/[^/]+/files")),
)


class BodyTooLarge(Exception):
    """Raised from `receive` when a body goes over its limit; the middleware answers 413."""


def body_limit(method: str, path: str, upload_max_bytes: int) -> int:
    """The largest body, in bytes, this route reads."""
    if path.startswith("/webhooks/"):
        return WEBHOOK_MAX_BYTES
    if any(method == m and pattern.fullmatch(path) for m, pattern in UPLOAD_ROUTES):
        return upload_max_bytes
    return DEFAULT_MAX_BYTES


class BodyLimitMiddleware:
    """413 {"error": {"code": "body_too_large"}} for a body over the route's limit."""

    def __init__(self, app: ASGIApp, upload_max_bytes: int) -> None:
        self.app = app
        self.upload_max_bytes = upload_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"], self.upload_max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return

        received = 0
        over = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, over
            if over:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:  # the app turned our exception into an answer of its own (e.g. a 400 for a form): ours wins
                if not started:
                    started = True
                    await _refuse(send, limit)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not started:
                started = True
                await _refuse(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    message = f"the request body is larger than the {limit} bytes this route takes"
    body = json.dumps({"error": {"code": "body_too_large", "message": message}}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
