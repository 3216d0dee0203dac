"""Use cases for staff accounts: create, authenticate, issue and resolve bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import Engine, delete, insert, select

from suraksha.accounts.model import check_password_strength
from suraksha.accounts.store import accounts, api_tokens
from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, InvalidInput, Unauthenticated

_hasher = PasswordHasher()


def _principal(row) -> Principal:
    return Principal(row.id, row.username, Role(row.role), ScopeKind(row.scope_kind), row.scope_value, row.unit_id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    def __init__(self, engine: Engine, clock: Clock, token_ttl_minutes: int = 720) -> None:
        self._engine, self._clock = engine, clock
        self._ttl = timedelta(minutes=token_ttl_minutes)

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

    def authenticate(self, username: str, password: str) -> Principal:
        with self._engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.username == username)).first()
        if row is None or row.disabled:
            _hasher.hash(password)  # same work either way: no timing hint that the name exists
            raise Unauthenticated("wrong username or password", code="bad_credentials")
        try:
            _hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            raise Unauthenticated("wrong username or password", code="bad_credentials") from None
        return _principal(row)

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
        reason = check_password_strength(password)
        if reason:
            raise InvalidInput(reason, code="weak_password")
        with self._engine.begin() as conn:
            done = conn.execute(accounts.update().where(accounts.c.username == username)
                                .values(password_hash=_hasher.hash(password))).rowcount
        if not done:
            raise InvalidInput(f"no account named {username!r}", code="account_not_found")

    def exists(self, username: str) -> bool:
        with self._engine.connect() as conn:
            return conn.execute(select(accounts.c.id).where(accounts.c.username == username)).first() is not None
