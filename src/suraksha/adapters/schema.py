"""Imports every capability's tables so that the metadata is complete (for migrations and tests)."""

from suraksha.accounts import store as _accounts  # noqa: F401
from suraksha.adapters import outbox as _outbox  # noqa: F401
from suraksha.dispatch import store as _dispatch  # noqa: F401
from suraksha.intake import store as _intake  # noqa: F401
from suraksha.messaging import store as _messaging  # noqa: F401
from suraksha.registry import store as _registry  # noqa: F401
from suraksha.stations import store as _stations  # noqa: F401
