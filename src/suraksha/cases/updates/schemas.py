"""What the API says about her updates, an arrest and her case's public status (pydantic shapes only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field, field_validator


class VictimUpdateOut(BaseModel):
    id: int
    step: str = Field(examples=["fir_registered", "io_assigned", "io_reassigned", "arrest", "charge_sheet",
                                "closure_report", "hearing_date", "outcome", "progress"])
    channel: str = Field(examples=["sms", "none"])
    language: str
    status: str = Field(examples=["queued", "sent", "failed", "to_tell_in_person", "told_in_person"])
    at: str = Field(description="when the update was made (its message queued)")
    sent_at: str | None
    attempts: int | None
    error: str | None = Field(description="the provider's last answer, for a failed message")
    told_at: str | None = Field(description="when the IO recorded telling her in person")
    told_by: str | None
    told_note: str | None
    detail: dict[str, Any] = Field(description="a hearing's date and court, a disposal; never a name")
    case_code: str | None = Field(description="an FIR update to tell in person: her case code, to officers who act "
                                              "on the case, until it is told")


class ArrestOut(BaseModel):
    position: int
    arrested_at: str
    place: str
    recorded_by: str
    recorded_at: str


class ArrestIn(BaseModel):
    arrested_at: AwareDatetime = Field(description="when the accused was arrested, with its time zone")
    place: str = Field(max_length=300, description="where the accused was arrested")

    @field_validator("arrested_at")
    @classmethod
    def _plausible(cls, value: dt.datetime) -> dt.datetime:
        if not 1950 <= value.year <= 2100:
            raise ValueError("a time between 1950 and 2100")
        return value


class ToldInPerson(BaseModel):
    note: str = Field("", max_length=500, description="how and where she was told")


PRINTABLE = r"^[^\x00-\x1F\x7F]*$"  # what she may type: no control characters (PostgreSQL refuses a NUL)


class CaseStatusIn(BaseModel):
    fir_number: str = Field(max_length=32, pattern=PRINTABLE, description="the FIR number in her message")
    code: str = Field(max_length=32, pattern=PRINTABLE, description="the case code in her FIR message")


class NextHearing(BaseModel):
    on: str = Field(description="the hearing's date (YYYY-MM-DD, the city's local date)")
    court: str | None


class CaseStatusOut(BaseModel):
    """Her case as she may see it: nothing about her, nothing about the accused but that one was arrested."""

    fir_number: str
    stage: str = Field(examples=["under_investigation", "charge_sheeted", "in_court", "closure_report", "disposed"])
    station_name: str | None
    io_assigned: bool
    arrested: bool = Field(description="an accused has been arrested (no names)")
    next_hearing: NextHearing | None
    outcome: str | None = Field(examples=["conviction", "acquittal", "other"])
    last_update_at: str | None
