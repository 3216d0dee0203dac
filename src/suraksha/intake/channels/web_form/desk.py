"""The public help form's use cases: a fresh form, and a submission let in (docs/adr/0012) and made an incident.

Every check runs before anything is stored; a refused submission writes nothing. The token is taken for the
submission (`store.claim`) only once all checks passed, just before intake commits the contact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, TooManyAttempts
from suraksha.incidents.receiving import Ack
from suraksha.intake.channels.web_form import guard, store
from suraksha.intake.channels.web_form.parse import HelpRequest, to_contact
from suraksha.intake.service import IntakeService
from suraksha.stations.service import StationService

RATE_WINDOW_SECONDS = 600
FORGET_EVERY = 500  # submissions of a process between two clear-outs of the used tokens that can no longer return


class HelpDesk:
    def __init__(self, settings: Any, clock: Clock, engine: Engine, intake: IntakeService,
                 stations: StationService) -> None:
        self._settings, self._clock, self._engine = settings, clock, engine
        self._intake, self._stations = intake, stations
        self._key = guard.form_key(settings.secret_key.get_secret_value())
        self.rate = guard.RateLimit(settings.help_sends_per_10_minutes, RATE_WINDOW_SECONDS)
        self._taken = 0

    @property
    def proof_bits(self) -> int:
        return int(self._settings.help_proof_bits)

    @property
    def min_fill_seconds(self) -> int:
        return int(self._settings.help_min_fill_seconds)

    def new_token(self) -> str:
        return guard.issue(self._key, self._clock.now())

    def admit(self, address: str, token: str, proof: str, honeypot: str, fields: dict) -> str:
        """Every check, in order of cost; the submission's nonce when all pass. Nothing is stored by a refusal."""
        now = self._clock.now()
        wait = self.rate.hit(address or "unknown", now)
        if wait:
            raise TooManyAttempts(f"too many sends from here: try again in {wait} s, or call 112",
                                  retry_after=wait, code="too_many_sends")
        try:
            form = guard.check(self._key, token, now, self._settings.help_form_minutes * 60, self.min_fill_seconds)
        except guard.TokenProblem as problem:
            if problem.reason == "expired":
                raise Forbidden("the form has expired: open the page again", code="form_expired") from None
            if problem.reason == "too_fast":
                raise TooManyAttempts(f"sent too quickly: try again in {problem.wait} s", retry_after=problem.wait,
                                      code="too_fast") from None
            raise Forbidden("the form token is not one this service issued", code="bad_form_token") from None
        if not guard.proof_ok(token, proof, self.proof_bits):
            raise Forbidden("the page's check (proof of work) is missing or wrong: send again from the page",
                            code="bad_proof")
        if honeypot:
            raise InvalidInput("this form was filled by a machine", code="form_refused")
        if not store.claim(self._engine, form.nonce, guard.submission_digest(self._key, fields), now):
            raise Conflict("this form was already sent with other contents: open the page again", code="form_used")
        self._taken += 1
        if self._taken % FORGET_EVERY == 0:
            self.forget_old_tokens()
        return form.nonce

    async def send(self, r: HelpRequest) -> Ack:
        """Her submission, committed as a contact (a retry of it gets the same answer and stores nothing)."""
        whatsapp_from = self._whatsapp_number(r) if r.reach == "whatsapp" else None
        return await self._intake.receive_async(to_contact(r, self._clock.now(), whatsapp_from))

    def _whatsapp_number(self, r: HelpRequest) -> str | None:
        """The WhatsApp Business number she is written to from: the one of the station that covers where she is,
        else any station's of the city control room's city (else she is told by SMS)."""
        if r.location is not None:
            station = self._stations.resolve(r.location.lon, r.location.lat).station
            if station is not None and (linked := self._stations.whatsapp_of(station.id)):
                return linked
        for station in self._stations.all(self._settings.default_city):
            if linked := self._stations.whatsapp_of(station.id):
                return linked
        return None

    def forget_old_tokens(self) -> int:
        """Rows of tokens that can no longer come back (expired twice over)."""
        life = timedelta(minutes=self._settings.help_form_minutes)
        return store.forget_before(self._engine, self._clock.now() - 2 * life)
