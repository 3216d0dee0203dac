"""The FastAPI application: routes of every capability, sessions, errors, and the background loops."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from suraksha import __version__
from suraksha.accounts import api as accounts_api
from suraksha.bootstrap import Container
from suraksha.core.errors import ConfigurationError
from suraksha.dispatch import api as dispatch_api
from suraksha.intake import api as intake_api
from suraksha.registry import api as registry_api
from suraksha.registry import views as registry_views
from suraksha.stations import api as stations_api
from suraksha.web import stream, views
from suraksha.web.errors import install_error_handlers

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def create_app(container: Container, *, background: bool = True) -> FastAPI:
    """Build the app around a container. `background=False` leaves the loops to the caller (tests drive them)."""
    app = FastAPI(
        title="Suraksha", version=__version__, lifespan=_lifespan(container, background),
        description="Gets police to women in danger faster and follows each case through to court.",
    )
    app.state.container = container
    s = container.settings
    app.add_middleware(WebSessionMiddleware, secret_key=s.secret_key.get_secret_value(), session_cookie="suraksha_session",
                       max_age=12 * 3600, same_site="strict", https_only=s.cookies_secure)
    install_error_handlers(app)
    for module in (intake_api, accounts_api, stations_api, dispatch_api, registry_api, stream, views,
                   registry_views):  # the webhook first
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


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
        c.stations.warm_cells = True
        c.stations.reload()
        c.dispatch.load()
        await asyncio.to_thread(c.registry.refresh)
        c.writer.start()
        tasks = [asyncio.create_task(_loop(c.relay.relay_once, c.settings.outbox_poll_seconds, c.relay.batch),
                                     name="outbox-relay"),
                 asyncio.create_task(_loop(c.messages.deliver_due, 1.0, 50), name="message-sender")] if background else []
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            c.writer.stop()

    return lifespan


def check_start(c: Container) -> None:
    """In production, refuse to serve while demo accounts exist."""
    if c.settings.env == "production" and c.accounts.demo_accounts_exist():
        raise ConfigurationError("demo accounts exist: remove them before running in production",
                                 code="demo_accounts_in_production")


async def _loop(step, interval: float, backlog: int) -> None:
    """Run a blocking step in a worker thread every `interval` seconds, at once again while it reports a
    full batch (a backlog); a failure is logged, never fatal."""
    while True:
        try:
            done = await asyncio.to_thread(step)
        except Exception:
            log.exception("background step %s failed", getattr(step, "__qualname__", step))
            done = 0
        await asyncio.sleep(0 if done >= backlog else interval)
