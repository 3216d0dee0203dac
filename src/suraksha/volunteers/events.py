"""Events about volunteers. None carries a name, a phone number or a place.

`VolunteerAlerted` is addressed to one volunteer's account: the live stream passes it to that account alone (its
page then fetches the alert through the API, where `model.volunteer_view` makes what it may see). Changes to a
volunteer's record are scoped to their station, like everything else the scope rule decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from suraksha.core.events import DomainEvent, ScopedEvent


@dataclass(frozen=True, kw_only=True)
class VolunteerAlerted(DomainEvent):
    volunteer_account_id: int
    alert_id: int


@dataclass(frozen=True, kw_only=True)
class VolunteerRecorded(ScopedEvent):
    """A volunteer applied, was verified, refused, suspended or reinstated, or went on or off duty."""

    volunteer_id: int
    change: str
    by: str
