"""Events about housing societies. None carries a coordinator's number or name.

`SocietyChanged` refreshes every node's coordinator lookup (`SocietyService.reload`, wired in the composition root)
and is scoped to the society's station like everything the scope rule decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from suraksha.core.events import ScopedEvent


@dataclass(frozen=True, kw_only=True)
class SocietyChanged(ScopedEvent):
    """A society was registered, edited, deactivated or reactivated, or a coordinator added or removed."""

    society_id: int
    change: str  # registered | edited | deactivated | reactivated | coordinator_added | coordinator_removed
    by: str
