"""The composition root: the one place that builds Suraksha from settings. Only entry points import it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from suraksha.accounts.service import AccountService
from suraksha.adapters.db import companion_url, make_engine
from suraksha.adapters.group_commit import GroupCommitWriter
from suraksha.adapters.leases import Lease
from suraksha.adapters.metrics import Metrics
from suraksha.adapters.outbox import OutboxRelay
from suraksha.analytics.service import WallboardService
from suraksha.cases.service import CaseService
from suraksha.core.clock import Clock, SystemClock
from suraksha.core.events import EventBus, InProcessBus
from suraksha.core.privacy import Sealer
from suraksha.dispatch.positions import POSITIONS_STORE
from suraksha.dispatch.service import DispatchService
from suraksha.handsets.service import HandsetService
from suraksha.incidents.interop import InteropService
from suraksha.incidents.merging import MergeService
from suraksha.incidents.noise import NoiseService
from suraksha.incidents.service import IncidentService
from suraksha.intake.channels.web_form.desk import HelpDesk
from suraksha.intake.service import IntakeService
from suraksha.messaging.providers import SmsProvider, build_provider
from suraksha.messaging.service import MessageService
from suraksha.messaging.whatsapp import WhatsAppProvider, build_whatsapp
from suraksha.places.service import PlaceService
from suraksha.posters.service import PosterService
from suraksha.registry.checkpoints import AuditCheckpoints
from suraksha.registry.service import RegistryService
from suraksha.settings import Settings
from suraksha.societies.service import SocietyService
from suraksha.stations.service import StationService
from suraksha.targets.service import TargetService
from suraksha.volunteers.service import VolunteerService

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    clock: Clock
    engine: Engine
    bus: EventBus
    relay: OutboxRelay
    accounts: AccountService
    places: PlaceService
    stations: StationService
    messages: MessageService
    incidents: IncidentService
    intake: IntakeService
    dispatch: DispatchService
    writer: GroupCommitWriter
    registry: RegistryService
    posters: PosterService
    handsets: HandsetService
    targets: TargetService
    analytics: WallboardService
    volunteers: VolunteerService
    cases: CaseService
    merges: MergeService
    societies: SocietyService
    noise: NoiseService  # noise (docs/adr/0009): marking (`mark_noise`, `mark_genuine`), the noise list
    interop: InteropService  # incidents between control rooms (EIDO)
    metrics: Metrics = field(default_factory=Metrics)
    background: list[Any] = field(default_factory=list)
    position_writer: GroupCommitWriter | None = None  # the positions' store's writer thread
    moves_relay: OutboxRelay | None = None  # the positions' store's outbox (units' movement) to the bus
    help: HelpDesk | None = None  # the public help form (intake/channels/web_form)


# The units' movement is relayed a few stations' events at a time (`workers.MOVES_PAUSE_S` between steps): a flush
# of 5,000 fixes brings about 90 events, whose decoding, fleet index and consoles hold the interpreter for 30-40 ms.
MOVES_BATCH = 16
RELAY_LEASE = "outbox-relay"  # of several nodes, the one that relays the outbox (in its order) holds this
RELAY_LEASE_LENGTH = timedelta(seconds=10)  # a dead holder's relaying is taken over within this


def build_bus(settings: Settings) -> EventBus:
    """In this process, or NATS JetStream for several nodes (`SURAKSHA_BUS_URL`; started by the server)."""
    if not settings.bus_url:
        return InProcessBus()
    from suraksha.adapters.jetstream import JetStreamBus  # only a node on the bus needs the client

    return JetStreamBus(settings.bus_url, settings.node, settings.bus_stream, settings.bus_replicas)


def build_container(settings: Settings | None = None, clock: Clock | None = None,
                    provider: SmsProvider | None = None, whatsapp: WhatsAppProvider | None = None) -> Container:
    """Wire every capability from settings. Tests pass test settings, a FixedClock or providers."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url)
    bus = build_bus(settings)
    sealer = Sealer(settings.secret_key.get_secret_value(), settings.seal_key_ring())
    places = PlaceService(engine)
    stations = StationService(engine, clock, places, gap_distance_m=settings.gap_distance_m)
    messages = MessageService(engine, clock, provider or build_provider(settings), sealer,
                              claim=timedelta(seconds=settings.outbound_claim_seconds),
                              whatsapp=whatsapp or build_whatsapp(settings))
    writer = GroupCommitWriter(engine, max_batch=settings.intake_batch_max)
    incidents = IncidentService(engine, clock, settings, stations, messages, sealer, writer)
    noise = NoiseService(engine, clock, incidents)
    # Positions have a store and a writer of their own, whose commits do not wait for the disk (docs/dispatch.md).
    positions_engine = make_engine(companion_url(settings.database_url, POSITIONS_STORE), durable=False)
    position_writer = GroupCommitWriter(positions_engine, name="position-writer")
    dispatch = DispatchService(engine, clock, settings, incidents=incidents, stations=stations,
                               positions_engine=positions_engine, positions_writer=position_writer)
    incidents.units = dispatch
    targets = TargetService(engine, clock, stations)
    incidents.targets = targets
    messages.on_dead_letter = incidents.message_dead
    accounts = AccountService(engine, clock, sealer, settings.token_ttl_minutes, settings.session_idle_minutes,
                              settings.session_max_hours)
    volunteers = VolunteerService(engine, clock, settings, stations, messages, sealer, accounts, writer)
    volunteers.incidents = incidents
    societies = SocietyService(engine, clock, stations, sealer)
    relay_lease = Lease(engine, clock, RELAY_LEASE, settings.node, RELAY_LEASE_LENGTH)
    container = Container(
        settings=settings, clock=clock, engine=engine, bus=bus,
        relay=OutboxRelay(engine, bus, clock, writer=writer, lease=relay_lease),
        # the units' movement, from the positions' store's own outbox (written with the fixes), by the same node
        moves_relay=OutboxRelay(positions_engine, bus, clock, batch=MOVES_BATCH, writer=position_writer,
                                lease=relay_lease, table=dispatch.positions.outbox, message_ids=False),
        accounts=accounts, places=places, stations=stations,
        messages=messages, incidents=incidents,
        intake=IntakeService(settings, stations, places, incidents, sealer, societies=societies),
        dispatch=dispatch, writer=writer, position_writer=position_writer,
        registry=RegistryService(engine, clock, settings.secret_key.get_secret_value(), settings.registry_files_dir,
                                 stations, settings.registry_recent_years, checkpoints=AuditCheckpoints(
                                     settings.audit_checkpoint_path, settings.audit_checkpoint_key.get_secret_value(),
                                     settings.secret_key.get_secret_value(), settings.audit_checkpoint_minutes),
                                 index_snapshot=settings.registry_index_snapshot or None,
                                 search_slots=settings.registry_search_slots),
        posters=PosterService(stations, settings.public_url),
        handsets=HandsetService(engine, clock, stations, settings.zone_for),
        targets=targets,
        analytics=WallboardService(incidents, dispatch, stations, clock, settings, noise=noise), noise=noise,
        volunteers=volunteers,
        cases=CaseService(engine, clock, stations, incidents, accounts, sealer, settings.zone_for, messages=messages,
                          track_url=f"{settings.public_url.rstrip('/')}/track"),
        merges=MergeService(engine, clock, settings, incidents, messages, stations),
        societies=societies,
        interop=InteropService(engine, clock, settings, incidents, stations, places, sealer),
    )
    container.help = HelpDesk(settings, clock, engine, container.intake, stations)
    container.cases.accused.registry = container.registry  # a known accused is linked through the registry's service
    # What a process keeps in memory is a cache of the database, refreshed by events from any process.
    bus.on("StationsImported", lambda _e: stations.reload())
    bus.on("HelplineReassigned", lambda _e: stations.reload())
    bus.on("StationsImported", lambda _e: places.reload())
    bus.on("ResponseTargetsChanged", lambda _e: targets.reload())
    bus.on("SocietyChanged", lambda _e: societies.reload())  # the coordinators intake recognises
    bus.on("UnitRosterChanged", dispatch.reload_rosters)
    for unit_event in ("UnitCreated", "UnitsMoved", "UnitDispatched", "UnitStatusChanged"):
        bus.on(unit_event, dispatch.apply_event)
    watch(container)
    return container


def watch(c: Container) -> None:
    """The metrics read from the database when Prometheus scrapes (`adapters.metrics`): what waits, not what a
    process did (the same figures on every node)."""
    m = c.metrics
    m.gauge("suraksha_outbox_waiting", "Events committed and not yet relayed to the bus, by outbox (the main "
            "database's events; the units' movement in the positions' store)",
            lambda: {(r.table.name,): r.waiting() for r in (c.relay, c.moves_relay) if r is not None}, ["outbox"])
    m.gauge("suraksha_outbound_messages", "Outbound messages: pending, due now (of the pending), failed (given up)",
            lambda: {(state,): n for state, n in c.messages.depths().items()}, ["state"])
    m.gauge("suraksha_timers_due", "Timers due and not yet fired, by timer",
            lambda: {("crew_acknowledgement",): c.dispatch.escalations_due(),
                     ("unassigned_alarm",): c.incidents.unassigned_alarms_due(),
                     ("case_clock",): c.cases.timers_due()}, ["timer"])
