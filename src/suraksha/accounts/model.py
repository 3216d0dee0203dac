"""Staff accounts: password rules. Roles, scopes and the scope rule live in `suraksha.core.auth`."""

from __future__ import annotations

MIN_PASSWORD_LENGTH = 10


def check_password_strength(password: str) -> str | None:
    """A reason the password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    return None
