"""Typed settings: every option has an environment variable (see the README's configuration table)."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-key-change-me"
DEV_TWILIO_TOKEN = "dev-only-twilio-auth-token"


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

    twilio_auth_token: SecretStr = SecretStr(DEV_TWILIO_TOKEN)
    twilio_account_sid: str = "AC00000000000000000000000000000000"
    twilio_api_base: str = "https://api.twilio.com"
    sms_provider: Literal["console", "twilio"] = "console"
    sms_sender: str = ""

    tile_url: str = ""
    default_city: str = "mumbai"  # the control room that takes what no station's number or location claims
    time_zone: str = "Asia/Kolkata"  # pages and messages show times here
    city_time_zones: dict[str, str] = {}  # JSON, e.g. {"port-blair": "Asia/Kolkata"}: a city's own zone
    gap_distance_m: float = 2000.0
    followup_window_minutes: int = 30
    stale_position_minutes: int = 10
    # The timers a server process fires (escalation, the unassigned alarm, the deadline watch, handset reminders).
    # Off only where something else drives them: the test suite calls each step with its injected clock.
    run_timers: bool = True
    ack_timeout_seconds: int = Field(60, ge=10, le=3600)  # a dispatched crew that has not acknowledged is released
    unassigned_alarm_seconds: int = Field(30, ge=5, le=3600)  # a P1 without a unit this long alarms every console
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
    registry_files_dir: str = "var/registry-files"  # photos and prints of registered persons, by sha256
    registry_recent_years: int = 5  # the Nirbhaya squads' list: registered in the last N years
    upload_max_bytes: int = Field(50 * 1024 * 1024, gt=0)  # the largest body an upload route reads
    demo_password: SecretStr | None = None

    def zone_for(self, city: str | None) -> str:
        """The time zone a city's pages and messages use."""
        return self.city_time_zones.get(city or "", self.time_zone)

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
    def _refuse_defaults_in_production(self) -> Settings:
        if self.env != "production":
            return self
        if self.secret_key.get_secret_value() in ("", DEV_SECRET):
            raise ValueError("SURAKSHA_SECRET_KEY must be set to a real secret in production")
        if self.twilio_auth_token.get_secret_value() in ("", DEV_TWILIO_TOKEN):
            raise ValueError("SURAKSHA_TWILIO_AUTH_TOKEN must be set in production")
        return self
