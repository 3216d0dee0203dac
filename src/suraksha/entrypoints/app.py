"""The FastAPI application (an entry point): every capability's routes (`routes.py`), sessions, errors, background
workers."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

from suraksha import __version__
from suraksha.bootstrap import Container
from suraksha.core.errors import ConfigurationError
from suraksha.core.memory import settle_long_lived
from suraksha.entrypoints.workers import start_workers, stop_workers
from suraksha.http.errors import install_error_handlers
from suraksha.http.lane import LaneHandler, WebhookLane
from suraksha.http.language import LanguagePrefixMiddleware
from suraksha.http.limits import BodyLimitMiddleware
from suraksha.http.request_id import RequestIdMiddleware
from suraksha.http.security import SecurityHeadersMiddleware
from suraksha.http.starting import RoutesGate
from suraksha.intake.channels.twilio_sms import webhook as twilio_sms
from suraksha.intake.channels.whatsapp_cloud import webhook as whatsapp_cloud

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


def create_app(container: Container, *, background: bool = True, routes_later: bool = False) -> FastAPI:
    """Build the app around a container. `background=False` leaves the workers to the caller (tests drive them).

    `routes_later` (`suraksha serve`): the capabilities' routes are imported and included in a thread once the server
    has started, not before it listens. Importing them is most of a start's time (a few seconds on a slow machine),
    and the providers' webhooks do not need them (the webhook lane serves those in front of the framework): after a
    start or a crash, her messages are acknowledged at once; anything else answers 503 with `Retry-After` and the
    code `starting` until the routes are in (`RoutesGate`)."""
    app = SurakshaApp(
        title="Suraksha", version=__version__, lifespan=_lifespan(container, background, routes_later),
        description="Gets police to women in danger faster and follows each case through to court.",
        docs_url=None, redoc_url=None,  # served from the shipped assets instead of a CDN (web/api_docs.py)
        telemetry=_telemetry(container.settings.opentelemetry),
    )
    app.state.container = container
    app.state.routes_ready.clear()  # until `include_routes`
    s = container.settings
    app.add_middleware(WebSessionMiddleware, secret_key=s.secret_key.get_secret_value(),
                       session_cookie="suraksha_session", max_age=12 * 3600, same_site="strict",
                       https_only=s.cookies_secure)
    # Added last, so it runs before the sessions: an oversized body is refused before anything else happens.
    app.add_middleware(BodyLimitMiddleware, upload_max_bytes=s.upload_max_bytes)
    install_error_handlers(app)
    if not routes_later:
        include_routes(app)
    return app


def include_routes(app: FastAPI) -> None:
    """Every capability's routes and the static files, then the gate opens (`RoutesGate`)."""
    from suraksha.entrypoints.routes import ROUTERS

    for router in ROUTERS:
        _add_routes(app, router)
    # Static files are public and carry no secret: compressed for slow networks (woff2 and PNG are already).
    app.mount("/static", GZipMiddleware(StaticFiles(directory=STATIC), minimum_size=1024), name="static")
    app.state.routes_ready.set()


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """The router's routes, as routes of the app itself. FastAPI (since 0.137) includes a router as one node of a tree
    and matches every request against each included router in turn, the one that matches twice, with bookkeeping on
    every route it tries: with these 40 routers, a request to a late route or to no route spent 0.23-0.40 ms more of
    the event loop's time (`bench/route_matching.py`, docs/benchmarks.md). Each of our routes is complete as its
    router made it (the router's prefix, tags and dependencies are in it), so the app can hold them itself, in the
    same order: a request is then matched against each route once, as in a Starlette app. The API description is the
    same (`tests/http/test_routing.py`); `app.dependency_overrides`, which nothing here uses, would not reach them.
    A router that holds more than plain routes (another router included in it, start-up or shutdown hooks) is
    refused: that would be lost outside FastAPI's tree."""
    nested = [r for r in router.routes if not isinstance(r, (APIRoute, APIWebSocketRoute))]
    if nested or router.on_startup or router.on_shutdown:
        raise TypeError(f"{router.prefix or 'a router'} holds more than plain routes: include it with include_router")
    app.router.routes.extend(router.routes)


def _telemetry(on: bool) -> TelemetryConfig:
    """FastAPI's OpenTelemetry as the settings say: with it off, no request spends time asking the global providers
    whether one is configured (a few per cent of intake's interpreter time under load)."""
    return {"tracing": on, "metrics": on, "logs": on}


# Provider webhooks served by the lane in front of the framework (`suraksha.http.lane`).
WEBHOOKS: dict[tuple[str, str], LaneHandler] = {("POST", twilio_sms.PATH): twilio_sms.receive,
                                                ("POST", whatsapp_cloud.PATH): whatsapp_cloud.receive}


class SurakshaApp(FastAPI):
    """FastAPI whose outer layers take a page's language prefix off the path (`/hi/directory`) and add the security
    headers, so that every response has them: pages, API, static files, errors, and the 500 of Starlette's error
    middleware (which `add_middleware` cannot wrap). Inside them, the webhook lane takes the providers'
    deliveries before the framework's routing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state.routes_ready = threading.Event()  # the gate (`RoutesGate`): open unless `create_app` closes it
        self.state.routes_ready.set()

    def build_middleware_stack(self) -> ASGIApp:
        c = self.state.container
        handlers = {k: v for k, v in self.exception_handlers.items() if isinstance(k, type)}
        framework = RoutesGate(super().build_middleware_stack(), self.state.routes_ready, handlers)
        lane = WebhookLane(framework, WEBHOOKS, c, handlers, c.settings.upload_max_bytes,
                           observe=c.metrics.observe_intake)
        # Outermost of all, the request's id (for every log line it causes), then a language prefix (/hi/…, /mr/…)
        # comes off the path before anything reads it.
        return RequestIdMiddleware(LanguagePrefixMiddleware(SecurityHeadersMiddleware(lane, settings=c.settings)))


class WebSessionMiddleware(SessionMiddleware):
    """Sessions for people; provider webhooks authenticate by signature and skip the cookie machinery."""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/webhooks/"):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _lifespan(c: Container, background: bool, routes_later: bool):
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        check_start(c)
        # On a bus shared by several nodes, this node's consumer exists before its caches are built from the
        # database: what another node commits meanwhile reaches them as an event.
        await asyncio.to_thread(c.bus.start)
        c.places.ensure_seeded()
        c.places.reload()
        c.stations.warm_cells = True
        c.stations.reload()
        c.societies.reload()
        c.dispatch.load()
        c.writer.start()
        if c.position_writer is not None:
            c.position_writer.start()
        tasks = start_workers(c) if background else []
        # The registry's index is slow to build at national scale: intake never waits for it. With `routes_later` the
        # server listens as soon as this start-up ends (the webhooks need neither), and the routes come in first.
        if routes_later:
            threading.Thread(target=_routes_then_registry, args=(app, c), name="routes", daemon=True).start()
        else:
            c.registry.build_in_background()
        # what the process keeps for its lifetime, out of the collector's sight (core.memory): off the start's path
        tasks.append(asyncio.create_task(asyncio.to_thread(settle_long_lived), name="settle-long-lived"))
        try:
            yield
        finally:
            await stop_workers(tasks)
            if c.relay.lease is not None:  # another node takes over the relay at once, not when the lease expires
                await asyncio.to_thread(c.relay.lease.release)
            if c.position_writer is not None:
                c.position_writer.stop()
            c.writer.stop()
            c.stations.stop_warming()
            await asyncio.to_thread(c.bus.stop)

    return lifespan


def _routes_then_registry(app: FastAPI, c: Container) -> None:
    """The routes (`create_app(routes_later=True)`), then the registry's index. A server whose routes cannot be
    imported stops (its supervisor sees it), instead of answering `starting` for ever."""
    try:
        include_routes(app)
    except Exception:
        log.critical("the routes could not be included: stopping", exc_info=True)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    c.registry.build_in_background()


def check_start(c: Container) -> None:
    """In production, refuse to serve while demo accounts exist."""
    if c.settings.env == "production" and c.accounts.demo_accounts_exist():
        raise ConfigurationError("demo accounts exist: remove them before running in production",
                                 code="demo_accounts_in_production")
