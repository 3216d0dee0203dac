"""The FastAPI application (an entry point): every capability's routes, sessions, errors, background workers."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

from suraksha import __version__
from suraksha.accounts import api as accounts_api
from suraksha.analytics import api as analytics_api
from suraksha.analytics import views as analytics_views
from suraksha.bootstrap import Container
from suraksha.cases import api as cases_api
from suraksha.cases import views as cases_views
from suraksha.cases.courts import api as courts_api
from suraksha.cases.courts import views as courts_views
from suraksha.cases.dashboards import api as case_dashboards_api
from suraksha.cases.dashboards import views as case_dashboards_views
from suraksha.cases.forensics import api as forensics_api
from suraksha.cases.forensics import views as forensics_views
from suraksha.cases.updates import api as case_updates_api
from suraksha.cases.updates import views as case_updates_views
from suraksha.core.errors import ConfigurationError
from suraksha.core.memory import settle_long_lived
from suraksha.dispatch import api as dispatch_api
from suraksha.dispatch import views as dispatch_views
from suraksha.entrypoints.workers import start_workers, stop_workers
from suraksha.handsets import api as handsets_api
from suraksha.handsets import views as handsets_views
from suraksha.http.errors import install_error_handlers
from suraksha.http.lane import LaneHandler, WebhookLane
from suraksha.http.language import LanguagePrefixMiddleware
from suraksha.http.limits import BodyLimitMiddleware
from suraksha.http.request_id import RequestIdMiddleware
from suraksha.http.security import SecurityHeadersMiddleware
from suraksha.incidents import api as incidents_api
from suraksha.incidents import interop_api, noise_api
from suraksha.incidents import merge_api as incident_merges_api
from suraksha.intake.channels.panic_button import api as panic_button
from suraksha.intake.channels.twilio_sms import webhook as twilio_sms
from suraksha.intake.channels.voice_call import api as voice_call
from suraksha.intake.channels.web_form import api as web_form
from suraksha.intake.channels.whatsapp_cloud import webhook as whatsapp_cloud
from suraksha.posters import api as posters_api
from suraksha.registry import api as registry_api
from suraksha.registry import views as registry_views
from suraksha.societies import api as societies_api
from suraksha.societies import views as societies_views
from suraksha.stations import api as stations_api
from suraksha.targets import api as targets_api
from suraksha.volunteers import api as volunteers_api
from suraksha.volunteers import views as volunteers_views
from suraksha.web import api_docs, health, sign_in, stream, views

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
# noise's routes before incidents' (`/incidents/noise` before `/incidents/{tracking}`)
ROUTERS = (twilio_sms.router, whatsapp_cloud.router, panic_button.router, voice_call.router, web_form.router,
           noise_api.router,
           incidents_api.router,
           accounts_api.router,
           incident_merges_api.router,
           interop_api.router,
           stations_api.router, dispatch_api.router,
           registry_api.router, posters_api.router, handsets_api.router, targets_api.router, stream.router,
           sign_in.router, views.router, registry_views.router, handsets_views.router, dispatch_views.router,
           analytics_api.router, analytics_views.router, volunteers_api.router, volunteers_views.router,
           cases_api.router, forensics_api.router, forensics_views.router, case_dashboards_api.router,
           case_dashboards_views.router, cases_views.router,
           courts_api.router, courts_views.router, case_updates_api.router, case_updates_views.router,
           societies_api.router, societies_views.router,
           api_docs.router, health.router)  # the webhook first


def create_app(container: Container, *, background: bool = True) -> FastAPI:
    """Build the app around a container. `background=False` leaves the workers to the caller (tests drive them)."""
    app = SurakshaApp(
        title="Suraksha", version=__version__, lifespan=_lifespan(container, background),
        description="Gets police to women in danger faster and follows each case through to court.",
        docs_url=None, redoc_url=None,  # served from the shipped assets instead of a CDN (web/api_docs.py)
        telemetry=_telemetry(container.settings.opentelemetry),
    )
    app.state.container = container
    s = container.settings
    app.add_middleware(WebSessionMiddleware, secret_key=s.secret_key.get_secret_value(),
                       session_cookie="suraksha_session", max_age=12 * 3600, same_site="strict",
                       https_only=s.cookies_secure)
    # Added last, so it runs before the sessions: an oversized body is refused before anything else happens.
    app.add_middleware(BodyLimitMiddleware, upload_max_bytes=s.upload_max_bytes)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    # Static files are public and carry no secret: compressed for slow networks (woff2 and PNG are already).
    app.mount("/static", GZipMiddleware(StaticFiles(directory=STATIC), minimum_size=1024), name="static")
    return app


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

    def build_middleware_stack(self) -> ASGIApp:
        c = self.state.container
        handlers = {k: v for k, v in self.exception_handlers.items() if isinstance(k, type)}
        lane = WebhookLane(super().build_middleware_stack(), WEBHOOKS, c, handlers, c.settings.upload_max_bytes,
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


def _lifespan(c: Container, background: bool):
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
        c.registry.build_in_background()  # slow at national scale: intake must not wait for it
        tasks = start_workers(c) if background else []
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


def check_start(c: Container) -> None:
    """In production, refuse to serve while demo accounts exist."""
    if c.settings.env == "production" and c.accounts.demo_accounts_exist():
        raise ConfigurationError("demo accounts exist: remove them before running in production",
                                 code="demo_accounts_in_production")
