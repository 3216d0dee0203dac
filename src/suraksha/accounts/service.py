"""Use cases for staff accounts: create, authenticate, issue and resolve bearer tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from suraksha.accounts.model import (
    RECOVERY_ALPHABET,
    RECOVERY_CODE_COUNT,
    TOTP_DRIFT_STEPS,
    SecondStep,
    check_password_strength,
    format_recovery_code,
    locks_account,
    looks_like_totp,
    normalise_code,
    second_step_for,
    wait_after,
)
from suraksha.accounts.store import accounts, api_tokens, recovery_codes, sign_in_failures, web_sessions
from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyAttempts, Unauthenticated
from suraksha.core.privacy import Sealer

_hasher = PasswordHasher()


def _principal(row) -> Principal:
    return Principal(row.id, row.username, Role(row.role), ScopeKind(row.scope_kind), row.scope_value, row.unit_id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# an API token's account (every request with a bearer token asks it): built once
_BY_TOKEN = (select(accounts, api_tokens.c.expires_at).join(api_tokens, api_tokens.c.account_id == accounts.c.id)
             .where(api_tokens.c.token_hash == bindparam("token_hash")))


ISSUER = "Suraksha"


@dataclass(frozen=True)
class AuthenticatorSetUp:
    """What a person scans or types into an authenticator app."""

    secret: str  # base32
    uri: str  # otpauth://totp/...


def _throttle_keys(username: str, address: str) -> list[str]:
    return [f"account:{username[:64]}", *([f"address:{address[:64]}"] if address else [])]


class AccountService:
    def __init__(self, engine: Engine, clock: Clock, sealer: Sealer, token_ttl_minutes: int = 720,
                 session_idle_minutes: int = 30, session_max_hours: int = 12) -> None:
        self._engine, self._clock, self._sealer = engine, clock, sealer
        self._ttl = timedelta(minutes=token_ttl_minutes)
        self._idle = timedelta(minutes=session_idle_minutes)
        self._session_max = timedelta(hours=session_max_hours)

    def create_account(
        self, username: str, password: str, role: Role, scope_kind: ScopeKind, scope_value: str = "",
        *, is_demo: bool = False, unit_id: int | None = None, conn: Connection | None = None,
    ) -> Principal:
        """A new account; in the caller's transaction when `conn` is given (a volunteer's, created as they are
        verified: both or neither)."""
        reason = check_password_strength(password)
        if reason:
            raise InvalidInput(reason, code="weak_password")
        if conn is None:
            with self._engine.begin() as own:
                return self.create_account(username, password, role, scope_kind, scope_value, is_demo=is_demo,
                                           unit_id=unit_id, conn=own)
        if conn.execute(select(accounts.c.id).where(accounts.c.username == username)).first():
            raise Conflict(f"an account named {username!r} exists", code="account_exists")
        new_id = conn.execute(insert(accounts).values(
            username=username, password_hash=_hasher.hash(password), role=role.value,
            scope_kind=scope_kind.value, scope_value=scope_value, is_demo=is_demo,
            unit_id=unit_id, created_at=self._clock.now(),
        ).returning(accounts.c.id)).scalar_one()
        return Principal(new_id, username, role, scope_kind, scope_value, unit_id)

    def set_disabled(self, conn: Connection, account_id: int, disabled: bool) -> None:
        """Disable an account (every session and bearer token ends at once) or enable it again, in the caller's
        transaction (a volunteer suspended or reinstated)."""
        conn.execute(update(accounts).where(accounts.c.id == account_id).values(disabled=disabled))
        if disabled:
            self._revoke_all(conn, account_id)

    def authenticate(self, username: str, password: str, address: str = "") -> Principal:
        """The account, if the password is right. Throttled per account and per address before any hashing,
        so a flood of guesses costs the server a read, not an argon2 hash each. When the account still needs a
        second step (`second_step`), its failure count stands until that step succeeds too: a known password
        does not reset the count of wrong codes."""
        keys = _throttle_keys(username, address)
        self._check_throttle(keys)
        with self._engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.username == username)).first()
        if row is None or row.disabled:
            _hasher.hash(password)  # same work either way: no timing hint that the name exists
            self._failed(keys)
            raise Unauthenticated("wrong username or password", code="bad_credentials")
        try:
            _hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            self._failed(keys)
            raise Unauthenticated("wrong username or password", code="bad_credentials") from None
        if self._second_step_of(row) is SecondStep.NONE:
            self._succeeded(keys)
        return _principal(row)

    def _succeeded(self, keys: list[str]) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key.in_(keys)))

    # two-step sign-in ----------------------------------------------------------------------------------
    @staticmethod
    def _second_step_of(row) -> SecondStep:
        return second_step_for(Role(row.role), is_demo=row.is_demo, totp_enabled=row.totp_enabled_at is not None)

    def _row(self, account_id: int):
        with self._engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        if row is None or row.disabled:
            raise Unauthenticated("sign in again", code="unauthenticated")
        return row

    def second_step(self, account_id: int) -> SecondStep:
        """What a person who gave the right password must still do: nothing, set up an authenticator, or give
        a code."""
        return self._second_step_of(self._row(account_id))

    def sign_in_for_token(self, username: str, password: str, code: str, address: str = "") -> Principal:
        """The API's sign-in: the password, and the one-time code when the role needs one."""
        principal = self.authenticate(username, password, address)
        step = self.second_step(principal.account_id)
        if step is SecondStep.SET_UP:
            raise Forbidden("this account must set up two-step sign-in: sign in on the web once to do it",
                            code="second_factor_not_set_up")
        if step is SecondStep.CODE:
            if not code:
                raise Unauthenticated("this account needs a one-time code from its authenticator (the `otp` field)",
                                      code="second_factor_required")
            return self.verify_second_factor(principal.account_id, code, address)
        return principal

    def begin_authenticator_set_up(self, account_id: int) -> AuthenticatorSetUp:
        """A new secret for the account's authenticator (the same one until it is confirmed)."""
        row = self._row(account_id)
        if row.totp_enabled_at is not None:
            raise Conflict("two-step sign-in is already set up for this account", code="second_factor_set_up")
        if row.totp_secret_sealed:
            secret = self._sealer.unseal(row.totp_secret_sealed)
        else:
            secret = pyotp.random_base32()
            with self._engine.begin() as conn:
                conn.execute(accounts.update().where(accounts.c.id == account_id)
                             .values(totp_secret_sealed=self._sealer.seal(secret)))
        uri = pyotp.TOTP(secret).provisioning_uri(name=row.username, issuer_name=ISSUER)
        return AuthenticatorSetUp(secret, uri)

    def confirm_authenticator(self, account_id: int, code: str, address: str = "") -> list[str]:
        """The first code from the new authenticator turns two-step sign-in on; returns the recovery codes,
        shown once."""
        row = self._row(account_id)
        keys = _throttle_keys(row.username, address)
        self._check_throttle(keys)
        if row.totp_enabled_at is not None or not row.totp_secret_sealed:
            raise Conflict("there is no authenticator waiting to be confirmed", code="no_set_up_pending")
        step = self._totp_step(self._sealer.unseal(row.totp_secret_sealed), normalise_code(code))
        if step is None:
            self._failed(keys)
            raise Unauthenticated("that code is not right: check the authenticator's clock and try the next code",
                                  code="wrong_code")
        with self._engine.begin() as conn:
            conn.execute(accounts.update().where(accounts.c.id == account_id)
                         .values(totp_enabled_at=self._clock.now(), totp_last_step=step))
            codes = self._replace_recovery_codes(conn, account_id)
        self._succeeded(keys)
        return codes

    def verify_second_factor(self, account_id: int, code: str, address: str = "") -> Principal:
        """A code from the authenticator (each accepted once) or an unused recovery code."""
        row = self._row(account_id)
        keys = _throttle_keys(row.username, address)
        self._check_throttle(keys)
        typed = normalise_code(code)
        if row.totp_enabled_at is None or not typed:
            self._failed(keys)
            raise Unauthenticated("that code is not right", code="wrong_code")
        now = self._clock.now()
        with self._engine.begin() as conn:
            if looks_like_totp(typed):
                step = self._totp_step(self._sealer.unseal(row.totp_secret_sealed), typed)
                # Accepted once: the step must be later than the last one used (RFC 6238 section 5.2).
                ok = step is not None and conn.execute(
                    accounts.update().where(accounts.c.id == account_id)
                    .where((accounts.c.totp_last_step.is_(None)) | (accounts.c.totp_last_step < step))
                    .values(totp_last_step=step)).rowcount == 1
            else:
                ok = conn.execute(
                    recovery_codes.update().where(recovery_codes.c.account_id == account_id)
                    .where(recovery_codes.c.code_hash == self._recovery_hash(typed))
                    .where(recovery_codes.c.used_at.is_(None)).values(used_at=now)).rowcount == 1
        if not ok:
            self._failed(keys)
            raise Unauthenticated("that code is not right, or it has been used already", code="wrong_code")
        self._succeeded(keys)
        return _principal(row)

    def _totp_step(self, secret: str, code: str) -> int | None:
        """The 30 s step whose code this is, within the allowed drift; None when it matches none."""
        totp, now = pyotp.TOTP(secret), self._clock.now()
        current = totp.timecode(now)
        for offset in range(-TOTP_DRIFT_STEPS, TOTP_DRIFT_STEPS + 1):
            if hmac.compare_digest(totp.generate_otp(current + offset), code):
                return current + offset
        return None

    def _recovery_hash(self, typed: str) -> str:
        return self._sealer.fingerprint("recovery-code:" + typed)

    def _replace_recovery_codes(self, conn, account_id: int) -> list[str]:
        now = self._clock.now()
        raw = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
        conn.execute(delete(recovery_codes).where(recovery_codes.c.account_id == account_id))
        conn.execute(insert(recovery_codes), [{"account_id": account_id, "code_hash": self._recovery_hash(r),
                                               "created_at": now} for r in raw])
        return [format_recovery_code(r) for r in raw]

    def new_recovery_codes(self, account_id: int) -> list[str]:
        """Fresh recovery codes for a signed-in person; the old ones stop working."""
        if self._row(account_id).totp_enabled_at is None:
            raise Conflict("set up two-step sign-in first", code="second_factor_not_set_up")
        with self._engine.begin() as conn:
            return self._replace_recovery_codes(conn, account_id)

    def second_factor_status(self, account_id: int) -> tuple[SecondStep, object, int]:
        """(what a sign-in needs, when the authenticator was set up or None, recovery codes left)."""
        row = self._row(account_id)
        with self._engine.connect() as conn:
            left = len(conn.execute(select(recovery_codes.c.id).where(recovery_codes.c.account_id == account_id)
                                    .where(recovery_codes.c.used_at.is_(None))).all())
        return self._second_step_of(row), row.totp_enabled_at, left

    def reset_second_factor(self, username: str) -> int:
        """An administrator removes a lost authenticator: the account sets up a new one at its next sign-in.
        Every session and token of the account ends; returns how many."""
        with self._engine.begin() as conn:
            account_id = conn.execute(select(accounts.c.id).where(accounts.c.username == username)).scalar()
            if account_id is None:
                raise NotFound(f"no account named {username!r}", code="account_not_found")
            conn.execute(accounts.update().where(accounts.c.id == account_id)
                         .values(totp_secret_sealed=None, totp_enabled_at=None, totp_last_step=None))
            conn.execute(delete(recovery_codes).where(recovery_codes.c.account_id == account_id))
            return self._revoke_all(conn, account_id)

    def _check_throttle(self, keys: list[str]) -> None:
        now = self._clock.now()
        with self._engine.connect() as conn:
            rows = conn.execute(select(sign_in_failures).where(sign_in_failures.c.key.in_(keys))).all()
        for r in rows:
            if r.locked:
                raise TooManyAttempts("this account is locked after repeated wrong passwords: an administrator "
                                      "must unlock it", retry_after=None, code="account_locked")
            if r.blocked_until is not None and r.blocked_until > now:
                wait = max(1, int((r.blocked_until - now).total_seconds() + 0.999))
                raise TooManyAttempts(f"too many wrong passwords: try again in {wait} s", retry_after=wait)

    def _failed(self, keys: list[str]) -> None:
        now = self._clock.now()
        with self._engine.begin() as conn:
            known = {r.key: r.failures for r in conn.execute(
                select(sign_in_failures.c.key, sign_in_failures.c.failures).where(sign_in_failures.c.key.in_(keys)))}
            for key in keys:
                failures = known.get(key, 0) + 1
                values = {"failures": failures, "last_failure_at": now,
                          "blocked_until": now + timedelta(seconds=wait_after(failures)),
                          "locked": key.startswith("account:") and locks_account(failures)}
                if key in known:
                    conn.execute(sign_in_failures.update().where(sign_in_failures.c.key == key).values(**values))
                else:
                    conn.execute(insert(sign_in_failures).values(key=key, **values))

    def unlock(self, username: str) -> None:
        """An administrator lifts an account's lock (and its wait)."""
        if not self.exists(username):
            raise NotFound(f"no account named {username!r}", code="account_not_found")
        with self._engine.begin() as conn:
            conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key == f"account:{username}"))

    def issue_token(self, principal: Principal) -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        with self._engine.begin() as conn:
            conn.execute(delete(api_tokens).where(api_tokens.c.expires_at < now))
            conn.execute(insert(api_tokens).values(
                token_hash=_token_hash(token), account_id=principal.account_id,
                expires_at=now + self._ttl, created_at=now,
            ))
        return token, int(self._ttl.total_seconds())

    def principal_for_token(self, token: str) -> Principal:
        with self._engine.connect() as conn:
            row = conn.execute(_BY_TOKEN, {"token_hash": _token_hash(token)}).first()
        if row is None or row.expires_at <= self._clock.now() or row.disabled:
            raise Unauthenticated("the token is unknown or expired", code="bad_token")
        return _principal(row)

    def principal_by_id(self, account_id: int) -> Principal | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return None if row is None or row.disabled else _principal(row)

    def unit_of(self, account_id: int) -> int | None:
        with self._engine.connect() as conn:
            return conn.execute(select(accounts.c.unit_id).where(accounts.c.id == account_id)).scalar()

    def crew_unit(self, username: str, unit_id: int | None) -> None:
        """Put a responder's account on a unit's crew (None: on no unit)."""
        with self._engine.begin() as conn:
            responder = (accounts.c.username == username, accounts.c.role == Role.RESPONDER.value)
            done = conn.execute(update(accounts).where(*responder).values(unit_id=unit_id)).rowcount
        if not done:
            raise NotFound(f"no responder account {username!r}", code="account_not_found")

    def crew_of(self, unit_id: int) -> list[dict]:
        """The responder accounts on a unit's crew: username and the station scope they belong to."""
        q = (select(accounts.c.username, accounts.c.scope_kind, accounts.c.scope_value)
             .where(accounts.c.role == Role.RESPONDER.value, accounts.c.unit_id == unit_id)
             .order_by(accounts.c.username))
        with self._engine.connect() as conn:
            return [{"username": r.username, "scope_kind": r.scope_kind, "scope_value": r.scope_value}
                    for r in conn.execute(q)]

    def responders(self) -> list[Principal]:
        """Every enabled responder account (to choose a crew from)."""
        q = select(accounts).where(accounts.c.role == Role.RESPONDER.value, accounts.c.disabled.is_(False)) \
            .order_by(accounts.c.username)
        with self._engine.connect() as conn:
            return [_principal(r) for r in conn.execute(q)]

    def with_role(self, role: Role) -> list[Principal]:
        """Every enabled account of a role, by username (a case's investigating officer is chosen from these)."""
        q = select(accounts).where(accounts.c.role == role.value, accounts.c.disabled.is_(False)) \
            .order_by(accounts.c.username)
        with self._engine.connect() as conn:
            return [_principal(r) for r in conn.execute(q)]

    def responder(self, username: str) -> Principal:
        """A responder's account, to put on a crew (NotFound for anything else)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.username == username,
                                                      accounts.c.role == Role.RESPONDER.value)).first()
        if row is None:
            raise NotFound(f"no responder account {username!r}", code="account_not_found")
        return _principal(row)

    def crewed_units(self) -> set[int]:
        """The units that a person (an enabled responder account) crews."""
        q = select(accounts.c.unit_id).where(accounts.c.role == Role.RESPONDER.value, accounts.c.unit_id.is_not(None),
                                             accounts.c.disabled.is_(False))
        with self._engine.connect() as conn:
            return set(conn.execute(q).scalars())

    def demo_accounts_exist(self) -> bool:
        with self._engine.connect() as conn:
            return conn.execute(select(accounts.c.id).where(accounts.c.is_demo.is_(True)).limit(1)).first() is not None

    def set_password(self, username: str, password: str) -> None:
        """A new password ends every session and bearer token of the account."""
        reason = check_password_strength(password)
        if reason:
            raise InvalidInput(reason, code="weak_password")
        with self._engine.begin() as conn:
            account_id = conn.execute(select(accounts.c.id).where(accounts.c.username == username)).scalar()
            if account_id is None:
                raise InvalidInput(f"no account named {username!r}", code="account_not_found")
            conn.execute(accounts.update().where(accounts.c.id == account_id)
                         .values(password_hash=_hasher.hash(password)))
            self._revoke_all(conn, account_id)

    # web sessions: on the server, so that they can end -------------------------------------------------
    def start_session(self, principal: Principal) -> str:
        """A new session for a signed-in person; returns the random id the cookie carries."""
        session_id = secrets.token_urlsafe(32)
        now = self._clock.now()
        with self._engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
            conn.execute(insert(web_sessions).values(id_hash=_token_hash(session_id), account_id=principal.account_id,
                                                     created_at=now, last_seen_at=now,
                                                     expires_at=now + self._session_max))
        return session_id

    def principal_for_session(self, session_id: str) -> Principal | None:
        """The session's account while the session lives: not ended, not idle too long, not past its end."""
        now = self._clock.now()
        q = (select(accounts, web_sessions.c.last_seen_at, web_sessions.c.expires_at)
             .join(web_sessions, web_sessions.c.account_id == accounts.c.id)
             .where(web_sessions.c.id_hash == _token_hash(session_id)))
        with self._engine.begin() as conn:
            row = conn.execute(q).first()
            if row is None or row.disabled or row.expires_at <= now or now - row.last_seen_at > self._idle:
                return None
            if now - row.last_seen_at > timedelta(minutes=1):  # one write a minute, not one a request
                conn.execute(web_sessions.update().where(web_sessions.c.id_hash == _token_hash(session_id))
                             .values(last_seen_at=now))
        return _principal(row)

    def end_session(self, session_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == _token_hash(session_id)))

    def revoke(self, username: str) -> int:
        """An administrator ends every session and bearer token of an account; how many ended."""
        with self._engine.begin() as conn:
            account_id = conn.execute(select(accounts.c.id).where(accounts.c.username == username)).scalar()
            if account_id is None:
                raise NotFound(f"no account named {username!r}", code="account_not_found")
            return self._revoke_all(conn, account_id)

    @staticmethod
    def _revoke_all(conn, account_id: int) -> int:
        ended = conn.execute(delete(web_sessions).where(web_sessions.c.account_id == account_id)).rowcount
        return ended + conn.execute(delete(api_tokens).where(api_tokens.c.account_id == account_id)).rowcount

    def exists(self, username: str) -> bool:
        with self._engine.connect() as conn:
            return conn.execute(select(accounts.c.id).where(accounts.c.username == username)).first() is not None
