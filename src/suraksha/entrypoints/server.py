"""Serving the app with uvicorn: in the foreground (`suraksha serve`) or in a thread (tests, benchmarks)."""

from __future__ import annotations

import threading
import time

import uvicorn

from suraksha.bootstrap import Container, build_container
from suraksha.entrypoints.app import create_app
from suraksha.entrypoints.logs import configure
from suraksha.settings import Settings


def make_server(container: Container, host: str, port: int, log_level: str = "warning",
                own_logging: bool = False, routes_later: bool = False) -> uvicorn.Server:
    """`own_logging`: uvicorn leaves logging as `entrypoints.logs` set it up (its lines in the same format).
    `routes_later`: listen before the routes are in (`create_app`)."""
    options = {"log_config": None} if own_logging else {}
    app = create_app(container, routes_later=routes_later)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                            timeout_graceful_shutdown=2, lifespan="on", proxy_headers=True,
                            forwarded_allow_ips=container.settings.forwarded_allow_ips, **options)
    return uvicorn.Server(config)


def run(settings: Settings, container: Container | None = None) -> None:
    configure(settings.log_level, settings.log_format, settings.node)
    container = container or build_container(settings)
    # listening at once after a start or a crash: her messages need none of the other routes (`create_app`)
    make_server(container, settings.host, settings.port, log_level="info", own_logging=True, routes_later=True).run()


class ServerThread:
    """A real server on a real port, in a background thread; `url` once started."""

    def __init__(self, container: Container, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = make_server(container, host, port or _free_port(host))
        self.url = f"http://{host}:{self.server.config.port}"
        self._thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
