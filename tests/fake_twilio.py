"""Twilio's Programmable Messaging API as far as Suraksha uses it (create a message; list the messages to a number),
in memory: behind `httpx.MockTransport` in one process, or on a real HTTP server on 127.0.0.1 for `suraksha serve`
processes. It counts what it is asked to create, which is how a test sees a message sent twice."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx

ACCOUNT = "AC" + "1" * 32
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


class FakeTwilio:
    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.messages: list[dict] = []  # newest last
        self.creates: Counter[tuple[str, str]] = Counter()  # (to, body) -> how many times it was asked to send
        self.on_create: Callable[[dict], None] | None = None  # runs after a message is taken, before the answer
        self.list_fails = False
        self._now, self._lock = now, threading.Lock()

    def answer(self, method: str, path: str, query: dict[str, str], form: dict[str, str]) -> tuple[int, dict]:
        if path != MESSAGES:
            return 404, {"code": 20404, "message": "The requested resource was not found"}
        if method == "POST":
            with self._lock:
                message = {"sid": f"SM{len(self.messages) + 1:032x}", "to": form.get("To"), "from": form.get("From"),
                           "body": form.get("Body"), "status": "queued",
                           "date_created": format_datetime(self._now().astimezone(UTC), usegmt=True)}
                self.messages.append(message)
                self.creates[(message["to"], message["body"])] += 1
            if self.on_create is not None:
                self.on_create(message)
            return 201, message
        if self.list_fails:
            return 503, {"code": 20503, "message": "Service unavailable"}
        with self._lock:
            found = [m for m in reversed(self.messages)
                     if m["to"] == query.get("To") and m["from"] == query.get("From")]
        return 200, {"messages": found[: int(query.get("PageSize", "50"))]}

    def sent_twice(self) -> dict[tuple[str, str], int]:
        return {key: n for key, n in self.creates.items() if n > 1}

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            status, data = self.answer(request.method, request.url.path, dict(request.url.params), form)
            return httpx.Response(status, json=data)

        return httpx.MockTransport(handle)

    @contextmanager
    def serving(self) -> Iterator[str]:
        """On a real HTTP server on 127.0.0.1: yields its base URL (`SURAKSHA_TWILIO_API_BASE`)."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, method: str) -> None:
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                status, data = fake.answer(method, url.path, {k: v[0] for k, v in parse_qs(url.query).items()},
                                           {k: v[0] for k, v in parse_qs(body).items()})
                payload = json.dumps(data).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client is gone (a test killed it while it waited)
                    pass

            def do_GET(self) -> None:
                self._reply("GET")

            def do_POST(self) -> None:
                self._reply("POST")

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
