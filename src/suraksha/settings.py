"""Typed settings: every option has an environment variable (see the README's configuration table)."""

from __future__ import annotations

import os
import re
import socket
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-key-change-me"
DEV_TWILIO_TOKEN = "dev-only-twilio-auth-token"
SEAL_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")  # as `core.privacy` writes it into each sealed value
SEAL_KEY_MIN_LENGTH = 16


def parse_key_ring(text: str) -> list[tuple[str, str]]:
    """'2026b=…,2026a=…' -> [("2026b", "…"), ("2026a", "…")], newest first; refuses a malformed ring (ValueError):
    an id that is not 1-16 letters, digits, '-' or '_', an id given twice, or a secret shorter than 16 characters."""
    ring: list[tuple[str, str]] = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        key_id, sep, secret = (x.strip() for x in part.partition("="))
        if not sep or not SEAL_KEY_ID.match(key_id):
            raise ValueError("each sealing key is written id=secret, the id 1-16 letters, digits, '-' or '_'")
        if len(secret) < SEAL_KEY_MIN_LENGTH:
            raise ValueError(f"sealing key {key_id!r} is shorter than {SEAL_KEY_MIN_LENGTH} characters")
        if any(key_id == known for known, _ in ring):
            raise ValueError(f"sealing key {key_id!r} is given twice")
        ring.append((key_id, secret))
    return ring


class Settings(BaseSettings):
    """Runtime configuration. Secrets are `SecretStr` and may come from files in SURAKSHA_SECRETS_DIR."""

    model_config = SettingsConfigDict(
        env_prefix="SURAKSHA_",
        secrets_dir=os.environ.get("SURAKSHA_SECRETS_DIR") or None,
        extra="ignore",
    )

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/suraksha.db"
    public_url: str = ""  # empty: http://HOST:PORT
    port: int = Field(8000, validation_alias=AliasChoices("PORT", "SURAKSHA_PORT"))
    host: str = "127.0.0.1"
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    # The ring of keys that seal victims' details (`id=secret`, newest first, comma-separated); empty: the key
    # derived from the secret key seals. New values take the newest key; any key in the ring opens (core.privacy).
    seal_keys: SecretStr = SecretStr("")

    twilio_auth_token: SecretStr = SecretStr(DEV_TWILIO_TOKEN)
    twilio_account_sid: str = "AC00000000000000000000000000000000"
    twilio_api_base: str = "https://api.twilio.com"
    sms_provider: Literal["console", "twilio"] = "console"
    sms_sender: str = ""
    # WhatsApp Business Cloud API (issue 9): the app secret signs Meta's deliveries (X-Hub-Signature-256), the verify
    # token answers Meta's subscription handshake, the access token sends. Empty secret or token: the webhook
    # refuses every delivery (403). `whatsapp_provider` console logs the answers instead of sending them.
    whatsapp_app_secret: SecretStr = SecretStr("")
    whatsapp_verify_token: SecretStr = SecretStr("")
    whatsapp_access_token: SecretStr = SecretStr("")
    whatsapp_provider: Literal["console", "cloud"] = "console"
    whatsapp_api_base: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v21.0"
    # the approved template a message to her goes as outside WhatsApp's 24-hour window (one body parameter: the words)
    whatsapp_template: str = "suraksha_update"
    # A sender's claim on a message it is sending: longer than any provider call (Twilio's 10 s timeout, twice when
    # an attempt in doubt is looked up first). A sender that dies mid-send leaves the message to another after this.
    outbound_claim_seconds: int = Field(120, ge=30, le=3600)

    # The public help form (`/help`, docs/adr/0012): how long its signed token lives, the fewest seconds a person
    # takes to fill it, the proof of work's difficulty (leading zero bits of SHA-256: 2^bits hashes on her phone),
    # and how many sends one client address may make in ten minutes (many women share a carrier's address).
    help_form_minutes: int = Field(120, ge=5, le=24 * 60)
    help_min_fill_seconds: int = Field(3, ge=0, le=120)
    help_proof_bits: int = Field(14, ge=0, le=24)
    help_sends_per_10_minutes: int = Field(30, ge=1, le=10_000)

    tile_url: str = ""
    default_city: str = "mumbai"  # the control room that takes what no station's number or location claims
    # This control room's agency id in EIDO documents (incidents between control rooms, docs/interop.md); empty:
    # "<default_city>.police.suraksha"
    agency_id: str = Field("", max_length=128, pattern=r"^([A-Za-z0-9][A-Za-z0-9._:@-]*)?$")
    time_zone: str = "Asia/Kolkata"  # pages and messages show times here
    city_time_zones: dict[str, str] = {}  # JSON, e.g. {"port-blair": "Asia/Kolkata"}: a city's own zone
    gap_distance_m: float = 2000.0
    followup_window_minutes: int = 30
    # One incident per emergency: open incidents from different senders this close in place and time are suggested
    # to the call-taker as the same emergency (docs/adr/0013-one-incident-per-emergency.md).
    merge_radius_m: float = Field(500.0, gt=0, le=10_000)
    merge_window_minutes: int = Field(30, ge=1, le=24 * 60)
    stale_position_minutes: int = 10
    # Positions of many units: every unit's fixes of the last N minutes are kept, and each response's track (where
    # its unit was when sent, then its fixes until it ended) for N days after; the rest is pruned (a timer).
    position_history_minutes: int = Field(10, ge=1, le=24 * 60)
    track_retention_days: int = Field(90, ge=1, le=3660)
    # Fixes arriving together are written together, at most one flush this often (0: each request on its own), by
    # the writer thread of the positions' store (on SQLite the file `<database>-positions.db` beside the database).
    position_flush_seconds: float = Field(1.0, ge=0, le=10)
    # The timers a server process fires (escalation, the unassigned alarm, the deadline watch, volunteer call-outs,
    # handset reminders).
    # Off only where something else drives them: the test suite calls each step with its injected clock.
    run_timers: bool = True
    # Whether this process sends the messages due to her and to others (SMS, WhatsApp), retrying failures: every
    # process may, a claim makes exactly one send each. Off only where something else sends them: the test suite
    # calls the step (`deliver_due`) itself, so that no background send races a test's own.
    send_messages: bool = True
    # Whether this process relays the outbox to its live consoles. Off on a node that only takes the fleet's positions
    # (a position gateway behind the load balancer, docs/dispatch.md): the nodes serving consoles relay its events.
    relay_outbox: bool = True
    # The event bus. Empty: in this process only (one node). `nats://host:4222`: a NATS JetStream stream, so that
    # every node's caches and consoles see every node's events (several app nodes, docs/deployment.md).
    bus_url: str = ""
    bus_stream: str = Field("SURAKSHA_EVENTS", pattern=r"^[A-Za-z0-9_-]{1,64}$")  # its subjects: `<stream>.<type>`
    # `GET /metrics` (Prometheus) answers only with `Authorization: Bearer <this>`; empty: the route is off (404).
    metrics_token: SecretStr = SecretStr("")
    # FastAPI's own OpenTelemetry spans, metrics and logs, for a deployment that configures OpenTelemetry providers
    # (e.g. `opentelemetry-instrument`). Off: no request asks whether any provider is configured.
    opentelemetry: bool = False
    bus_replicas: int = Field(1, ge=1, le=5)  # copies of the stream on a NATS cluster (3 on a cluster of three)
    # This process's name among the nodes (the relay's lease, its consumer on the bus); unique per process. Empty:
    # the host's name and the process id.
    node_name: str = ""
    ack_timeout_seconds: int = Field(60, ge=10, le=3600)  # a dispatched crew that has not acknowledged is released
    unassigned_alarm_seconds: int = Field(30, ge=5, le=3600)  # a P1 without a unit this long alarms every console
    # Volunteers near an SOS (the 112 India app's SHOUT): how far from her they are alerted, how many at most (the
    # nearest first), and how long an alert may be accepted.
    volunteer_radius_metres: int = Field(1000, ge=50, le=20000)
    volunteer_max_alerts: int = Field(5, ge=1, le=100)
    volunteer_alert_minutes: int = Field(10, ge=1, le=120)
    road_factor: float = 1.4
    routing_url: str = ""  # an OSRM-compatible routing server for road travel times; empty: straight line
    routing_timeout_seconds: float = Field(1.0, gt=0)  # then the straight line stands in
    station_refresh_seconds: float = 2.0
    outbox_poll_seconds: float = 0.25
    token_ttl_minutes: int = 720
    session_idle_minutes: int = 30  # a web session unused this long ends
    session_max_hours: int = 12  # a web session ends this long after sign-in, however active
    intake_batch_max: int = 64
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object a line, for a log collector
    # The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks,
    # comma-separated, or "*"): sign-in throttling counts failures per her address, not the proxy's.
    forwarded_allow_ips: str = "127.0.0.1"
    registry_files_dir: str = "var/registry-files"  # photos and prints of registered persons, by sha256
    registry_recent_years: int = 5  # the Nirbhaya squads' list: registered in the last N years
    registry_index_snapshot: str = ""  # the search index saved here after each build and loaded at start; empty: off
    registry_search_slots: int = Field(0, ge=0)  # search workers per process, served in turn (0: one per CPU)
    # Signed checkpoints of the registry audit chain's head, kept apart from the database (an append-only JSON-lines
    # file; empty: none are written), signed with HMAC-SHA256 under their own key (empty: one derived from the
    # secret key), one per period while the trail grows (`suraksha registry verify-audit` checks them).
    audit_checkpoint_path: str = "var/registry-audit-checkpoints.jsonl"
    audit_checkpoint_key: SecretStr = SecretStr("")
    audit_checkpoint_minutes: int = Field(5, ge=1, le=1440)
    upload_max_bytes: int = Field(50 * 1024 * 1024, gt=0)  # the largest body an upload route reads
    demo_password: SecretStr | None = None

    def seal_key_ring(self) -> list[tuple[str, str]]:
        """The sealing keys, newest first (`parse_key_ring`), for `core.privacy.Sealer`."""
        return parse_key_ring(self.seal_keys.get_secret_value())

    def zone_for(self, city: str | None) -> str:
        """The time zone a city's pages and messages use."""
        return self.city_time_zones.get(city or "", self.time_zone)

    @property
    def node(self) -> str:
        """This process's name among the nodes (`node_name`, or the host and process id)."""
        return self.node_name or f"{socket.gethostname()}-{os.getpid()}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def cookies_secure(self) -> bool:
        return self.public_url.startswith("https://")

    @model_validator(mode="after")
    def _default_public_url(self) -> Settings:
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        return self

    @model_validator(mode="after")
    def _check_seal_keys(self) -> Settings:
        self.seal_key_ring()  # a malformed ring stops start-up (ValueError names the problem)
        return self

    @model_validator(mode="after")
    def _refuse_defaults_in_production(self) -> Settings:
        if self.env != "production":
            return self
        if self.secret_key.get_secret_value() in ("", DEV_SECRET):
            raise ValueError("SURAKSHA_SECRET_KEY must be set to a real secret in production")
        if any(secret in (DEV_SECRET, self.secret_key.get_secret_value()) for _, secret in self.seal_key_ring()):
            raise ValueError("a sealing key in SURAKSHA_SEAL_KEYS must be its own secret")
        if self.twilio_auth_token.get_secret_value() in ("", DEV_TWILIO_TOKEN):
            raise ValueError("SURAKSHA_TWILIO_AUTH_TOKEN must be set in production")
        if self.whatsapp_provider == "cloud" and not (self.whatsapp_app_secret.get_secret_value()
                                                      and self.whatsapp_access_token.get_secret_value()):
            raise ValueError("SURAKSHA_WHATSAPP_APP_SECRET and SURAKSHA_WHATSAPP_ACCESS_TOKEN must be set to use "
                             "WhatsApp's Cloud API")
        return self
