"""HTTP for the case dashboards: `GET /api/v1/case-dashboard` (JSON), in the principal's area. Counts and days only."""

from __future__ import annotations

from typing import Annotated, Literal, cast, get_args

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from suraksha.cases.dashboards.service import Filters
from suraksha.core.auth import ROLES_THAT_SEE_CASES, Principal
from suraksha.http.deps import get_container, require_roles

router = APIRouter(prefix="/api/v1", tags=["cases"])
Reader = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_CASES))]
Month = Annotated[str | None, Query(max_length=7, pattern=r"^\d{4}-\d{2}$", examples=["2026-01"])]
OffenceClass = Literal["rape", "pocso", "other_sexual", "other"]


def query(from_month: Month = None, to_month: Month = None,
          state: Annotated[str | None, Query(max_length=2, pattern=r"^[A-Za-z]{2}$")] = None,
          city: Annotated[str | None, Query(max_length=64)] = None,
          station_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
          offence_class: Annotated[str | None, Query(max_length=12, pattern=r"^(rape|pocso|other_sexual|other)$",
                                                     examples=list(get_args(OffenceClass)))] = None) -> Filters:
    return Filters(from_month, to_month, state, city, station_id, cast(OffenceClass | None, offence_class))


Chosen = Annotated[Filters, Depends(query)]


class Period(BaseModel):
    from_: str = Field(alias="from", examples=["2025-12"])
    to: str = Field(examples=["2026-11"])


class CaseAgeCount(BaseModel):
    bucket: Literal["0_30", "31_45", "46_60", "over_60"]
    count: int


class ReasonCount(BaseModel):
    reason: str = Field(description="a category of delay (cases.model.DelayCategory) or none_recorded")
    count: int


class Totals(BaseModel):
    registered: int = Field(description="FIRs put on record in the period")
    with_deadline: int
    open: int = Field(description="of them, under investigation now")
    over_deadline: int = Field(description="under investigation past the deadline's day")
    decided: int = Field(description="with a deadline whose outcome is known: a report filed, or the deadline passed")
    within_deadline: int
    late_reports: int
    breaches: int = Field(description="late reports + open past the deadline")
    share_within: float | None = Field(description="within_deadline / decided (0 to 1)")
    charge_sheets: int
    closures: int
    median_days_to_charge_sheet: float | None
    mean_days_to_report: float | None
    open_by_age: list[CaseAgeCount]
    breach_reasons: dict[str, int]
    forensic_requests: int
    forensic_results: int
    forensic_mean_days: float | None = Field(description="mean days from a sample sent to its result")
    forensic_on_time_share: float | None
    forensic_overdue_cases: int = Field(description="cases with a sample past its due day without a result")
    court_cases: int
    court_pending: int
    disposed: int
    disposed_conviction: int
    disposed_acquittal: int
    disposed_other: int
    disposal_rate: float | None
    conviction_rate: float | None
    hearings: int
    adjournments: int


class MonthFigures(BaseModel):
    month: str
    registered: int
    charge_sheets: int
    closures: int
    within_deadline: int
    late_reports: int
    share_within: float | None


class AreaFigures(BaseModel):
    key: str
    name: str
    rank: int = Field(description="1: the highest share completed within the deadline")
    registered: int
    open: int
    over_deadline: int
    decided: int
    within_deadline: int
    late_reports: int
    breaches: int
    share_within: float | None
    median_days_to_charge_sheet: float | None
    forensic_mean_days: float | None
    forensic_overdue_cases: int
    court_cases: int
    court_pending: int
    disposal_rate: float | None
    conviction_rate: float | None


class BestPractice(BaseModel):
    key: str
    name: str
    share_within: float | None
    decided: int
    median_days_to_charge_sheet: float | None
    forensic_mean_days: float | None
    forensic_on_time_share: float | None


class AppliedFilters(BaseModel):
    state: str | None
    city: str | None
    station_id: int | None
    offence_class: str | None


class Dashboard(BaseModel):
    generated_at: str
    today: str
    level: Literal["national", "state", "district", "station"]
    breakdown_by: Literal["state", "district", "station"]
    period: Period
    filters: AppliedFilters
    totals: Totals
    breaches_by_reason: list[ReasonCount]
    months: list[MonthFigures]
    areas: list[AreaFigures] = Field(description="the breakdown, best first")
    best_practice: BestPractice | None = Field(description="the best performer, set beside each area's figures")


@router.get("/case-dashboard", response_model=Dashboard,
            summary="The case dashboard of your area: open cases by age, share within the deadline, breaches and "
                    "their reasons, forensic turnaround, court pendency and disposal, the trend by month")
def case_dashboard(request: Request, principal: Reader, chosen: Chosen):
    return get_container(request).cases.dashboards.dashboard(principal, chosen)
