"""Staff accounts: password rules. Roles, scopes and the scope rule live in `suraksha.core.auth`."""

from __future__ import annotations

MIN_PASSWORD_LENGTH = 10


def check_password_strength(password: str) -> str | None:
    """A reason the password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    return None


# Sign-in that resists guessing: after a few failures each further try waits longer, and an account that keeps
# failing is locked until an administrator lifts the lock. Addresses are slowed the same way, never locked.
FREE_FAILURES = 5  # failures allowed before any wait
MAX_WAIT_SECONDS = 15 * 60
LOCK_AFTER_FAILURES = 20  # consecutive failures on one account


def wait_after(failures: int) -> int:
    """Seconds to wait before the next try after this many consecutive failures: 0, then 1, 2, 4 … 900."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES), MAX_WAIT_SECONDS)


def locks_account(failures: int) -> bool:
    return failures >= LOCK_AFTER_FAILURES
