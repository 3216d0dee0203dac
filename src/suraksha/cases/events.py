"""Events of a case: scoped to the station that owns it, so the one scope rule feeds the live pages. They carry the
FIR's number and its pseudonymised facts, never her name, phone number or address, nor the FIR's substance."""

from __future__ import annotations

from dataclasses import dataclass

from suraksha.core.events import ScopedEvent
from suraksha.core.events import from_row as from_row  # each capability's events: filled from its row


@dataclass(frozen=True, kw_only=True)
class CaseEvent(ScopedEvent):
    fir_number: str


@dataclass(frozen=True, kw_only=True)
class CaseRegistered(CaseEvent):
    status: str
    deadline_at: str | None
    io_username: str | None
    by: str


@dataclass(frozen=True, kw_only=True)
class CaseUpdated(CaseEvent):
    """A step of the case: io_assigned, io_reassigned, delay_reason, charge_sheet, closure_report, e_fir_signed,
    e_fir_lapsed, identity_unsealed; forensic_requested, forensic_sent, forensic_received, forensic_result."""

    change: str
    status: str
    io_username: str | None
    by: str | None


@dataclass(frozen=True, kw_only=True)
class CaseTransferred(CaseEvent):
    """A zero FIR went to the station with jurisdiction; the old station's pages receive it too, and drop it."""

    from_station_id: int | None
    from_city: str | None
    from_state: str | None
    zero_fir_number: str
    by: str


@dataclass(frozen=True, kw_only=True)
class CaseDeadlineAlert(CaseEvent):
    """A set point of the investigation clock passed, or a trial adjourned more than twice (`point` adjourned_3 …,
    `days_left` and `deadline_at` then null): it goes to the accounts the point notifies (`model.alert_reaches`),
    within the case's scope."""

    point: str
    days_left: int | None
    deadline_at: str | None
    notify: tuple[str, ...]
    io_username: str | None
