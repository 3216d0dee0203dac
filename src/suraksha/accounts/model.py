"""Staff accounts: password rules. Roles, scopes and the scope rule live in `suraksha.core.auth`."""

from __future__ import annotations

from enum import StrEnum

from suraksha.core.auth import ROLES_THAT_NEED_A_SECOND_FACTOR, Role

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


# Two-step sign-in: a time-based one-time code (RFC 6238: 6 digits, 30 s steps, one step of clock drift either
# way), each code accepted once; or one of ten single-use recovery codes given when the authenticator is set up.
TOTP_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt
SECOND_STEP_MINUTES = 5  # how long a right password waits for its code


def looks_like_totp(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def normalise_code(code: str) -> str:
    """What a person typed, as compared: no spaces or dashes, lower case."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


def format_recovery_code(raw: str) -> str:
    """Ten characters shown as two groups of five."""
    return f"{raw[:5]}-{raw[5:]}"


class SecondStep(StrEnum):
    """What a right password still needs before the person is signed in."""

    NONE = "none"  # the role does not need a second factor (or a demo account, which production refuses)
    SET_UP = "set_up"  # the role needs one and no authenticator is set up yet: set it up now
    CODE = "code"  # a code from the authenticator, or a recovery code


def second_step_for(role: Role, *, is_demo: bool, totp_enabled: bool) -> SecondStep:
    if is_demo or role not in ROLES_THAT_NEED_A_SECOND_FACTOR:
        return SecondStep.NONE
    return SecondStep.CODE if totp_enabled else SecondStep.SET_UP
