"""Use cases for staff accounts: create, authenticate, issue and resolve bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import Engine, delete, insert, select

from suraksha.accounts.model import check_password_strength, locks_account, wait_after
from suraksha.accounts.store import accounts, api_tokens, sign_in_failures, web_sessions
from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, InvalidInput, NotFound, TooManyAttempts, Unauthenticated

_hasher = PasswordHasher()


def _principal(row) -> Principal:
    return Principal(row.id, row.username, Role(row.role), ScopeKind(row.scope_kind), row.scope_value, row.unit_id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    def __init__(self, engine: Engine, clock: Clock, token_ttl_minutes: int = 720, session_idle_minutes: int = 30,
                 session_max_hours: int = 12) -> None:
        self._engine, self._clock = engine, clock
        self._ttl = timedelta(minutes=token_ttl_minutes)
        self._idle = timedelta(minutes=session_idle_minutes)
        self._session_max = timedelta(hours=session_max_hours)

    def create_account(
        self, username: str, password: str, role: Role, scope_kind: ScopeKind, scope_value: str = "",
        *, is_demo: bool = False, unit_id: int | None = None,
    ) -> Principal:
        reason = check_password_strength(password)
        if reason:
            raise InvalidInput(reason, code="weak_password")
        with self._engine.begin() as conn:
            if conn.execute(select(accounts.c.id).where(accounts.c.username == username)).first():
                raise Conflict(f"an account named {username!r} exists", code="account_exists")
            new_id = conn.execute(insert(accounts).values(
                username=username, password_hash=_hasher.hash(password), role=role.value,
                scope_kind=scope_kind.value, scope_value=scope_value, is_demo=is_demo,
                unit_id=unit_id, created_at=self._clock.now(),
            ).returning(accounts.c.id)).scalar_one()
        return Principal(new_id, username, role, scope_kind, scope_value, unit_id)

    def authenticate(self, username: str, password: str, address: str = "") -> Principal:
        """The account, if the password is right. Throttled per account and per address before any hashing,
        so a flood of guesses costs the server a read, not an argon2 hash each."""
        keys = [f"account:{username[:64]}", *([f"address:{address[:64]}"] if address else [])]
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
        with self._engine.begin() as conn:
            conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key.in_(keys)))
        return _principal(row)

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
        q = (
            select(accounts, api_tokens.c.expires_at)
            .join(api_tokens, api_tokens.c.account_id == accounts.c.id)
            .where(api_tokens.c.token_hash == _token_hash(token))
        )
        with self._engine.connect() as conn:
            row = conn.execute(q).first()
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
