"""The composition root: the one place that builds Suraksha from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from suraksha.accounts.service import AccountService
from suraksha.adapters.db import make_engine
from suraksha.adapters.outbox import OutboxRelay
from suraksha.core.clock import Clock, SystemClock
from suraksha.core.events import InProcessBus
from suraksha.dispatch.service import DispatchService
from suraksha.intake.service import IntakeService
from suraksha.intake.writer import IntakeWriter
from suraksha.messaging.providers import build_provider
from suraksha.messaging.service import MessageService
from suraksha.registry.service import RegistryService
from suraksha.settings import Settings
from suraksha.stations.service import StationService

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    clock: Clock
    engine: Engine
    bus: InProcessBus
    relay: OutboxRelay
    accounts: AccountService
    stations: StationService
    messages: MessageService
    intake: IntakeService
    dispatch: DispatchService
    writer: IntakeWriter
    registry: RegistryService
    background: list = field(default_factory=list)


def build_container(settings: Settings | None = None, clock: Clock | None = None, provider=None) -> Container:
    """Wire every capability from settings. Tests pass test settings, a FixedClock or a provider."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url)
    bus = InProcessBus()
    stations = StationService(engine, clock, gap_distance_m=settings.gap_distance_m)
    messages = MessageService(engine, clock, provider or build_provider(settings), settings.secret_key)
    writer = IntakeWriter(engine, max_batch=settings.intake_batch_max)
    intake = IntakeService(engine, clock, settings, stations, messages, writer)
    dispatch = DispatchService(engine, clock, settings, incidents=intake, stations=stations)
    container = Container(
        settings=settings, clock=clock, engine=engine, bus=bus,
        relay=OutboxRelay(engine, bus, clock),
        accounts=AccountService(engine, clock, settings.token_ttl_minutes),
        stations=stations, messages=messages, intake=intake, dispatch=dispatch,
        writer=writer,
        registry=RegistryService(engine, clock, settings.secret_key.get_secret_value(), settings.registry_files_dir,
                                 stations, settings.registry_recent_years),
    )
    bus.on("StationsImported", lambda _e: stations.reload())
    bus.on("HelplineReassigned", lambda _e: stations.reload())
    return container
