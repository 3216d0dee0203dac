"""HTTP for the offender registry. Registry roles only (the station list also for that station's officers).

Routes pass the caller and what was asked to the service, which checks the role, the stated purpose and the
scope and audits refusals as well as answers (so a wrong role is refused there, and audited, not here).
Every route that returns registry data takes `purpose` and `purpose_text` (query for GET, body for POST)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from pydantic import BaseModel, Field

from suraksha.core.auth import ROLES_THAT_REVIEW_REGISTRY_AUDIT, Principal
from suraksha.core.errors import InvalidInput
from suraksha.http.deps import CurrentPrincipal, get_container, require_roles
from suraksha.registry.audit import AuditFilters
from suraksha.stations.api import StationOut

router = APIRouter(prefix="/api/v1", tags=["registry"])
Registry = CurrentPrincipal  # the service refuses (and audits) other roles with 403 forbidden_role
Supervisor = Annotated[Principal, Depends(require_roles(ROLES_THAT_REVIEW_REGISTRY_AUDIT))]
MAX_UPLOAD = 50 * 1024 * 1024
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
PurposeParam = Annotated[str, Query(max_length=32, examples=["investigation", "staff_verification", "other"])]
PurposeTextParam = Annotated[str, Query(max_length=500)]


class RowProblemOut(BaseModel):
    row: int = Field(description="line in the file: the header is line 1")
    column: str
    problem: str


class RegistryImportReport(BaseModel):
    created: int
    updated: int
    unchanged: int
    rejected: int = Field(description="rows with at least one problem (not stored)")
    alerts: int = Field(description="movement alerts raised by changed addresses")
    problems: list[RowProblemOut]


class RegistrationSummary(BaseModel):
    """What a results list shows of a registration (never an identity number)."""

    registration_id: int
    person_id: int
    state: str
    record_id: str = Field(description="the registering state's own record id")
    district: str
    name: str
    aliases: list[str]
    father_name: str
    sex: str
    dob: str | None = Field(description="ISO date")
    age: int | None = Field(description="as recorded, when the date of birth is unknown")
    age_as_of: str | None = Field(description="ISO date the recorded age was true on")
    risk_tier: int
    registered_on: str = Field(description="ISO date")
    address: str = Field(description="the current address")
    address_state: str


class SearchHit(RegistrationSummary):
    score: float
    reasons: list[str]
    distance_km: float | None = Field(None, description="only when searching near a place: to the nearest address")


class SearchResults(BaseModel):
    results: list[SearchHit]


class LinkedRegistration(RegistrationSummary):
    score: float


class LinkedPerson(BaseModel):
    person_id: int
    score: float = Field(description="the best registration's score")
    reasons: list[str]
    registrations: list[LinkedRegistration]


class LinkageResult(BaseModel):
    candidates: list[LinkedPerson]


class AddressOut(BaseModel):
    address: str
    state: str
    district: str
    lat: float | None
    lon: float | None
    valid_from: str | None
    recorded_at: str


class ConvictionOut(BaseModel):
    act: str
    section: str
    court: str
    case_number: str
    conviction_date: str | None
    sentence: str


class RegistryFileOut(BaseModel):
    kind: str = Field(examples=["photo", "prints"])
    sha256: str
    content_type: str
    size: int


class OtherRegistration(BaseModel):
    registration_id: int
    state: str
    record_id: str


class RegistrationDetail(RegistrationSummary):
    purge_due: str | None = Field(description="ISO date; null: kept for life (tier 3)")
    addresses: list[AddressOut]
    convictions: list[ConvictionOut]
    marks: list[str]
    identity_kinds: list[str] = Field(description="which kinds of identity number are on file (never the numbers)")
    files: list[RegistryFileOut]
    other_registrations: list[OtherRegistration] = Field(description="the same person's registrations elsewhere")


class AttachedFile(BaseModel):
    sha256: str
    kind: str
    size: int


class AlertOut(BaseModel):
    id: int
    state: str = Field(description="whose registry officers see it")
    kind: str = Field(examples=["moved_address", "linked_suspect"])
    registration_id: int
    record_id: str
    from_state: str
    to_state: str
    created_at: str
    read: bool


class AlertList(BaseModel):
    alerts: list[AlertOut]


class AlertRead(BaseModel):
    id: int
    read: bool


class MergeOut(BaseModel):
    id: int
    status: str = Field(examples=["proposed", "confirmed", "rejected", "undone"])
    score: float
    left: RegistrationSummary | None
    right: RegistrationSummary | None
    decided_by: str
    decided_at: str | None
    proposed_at: str


class MergeList(BaseModel):
    merges: list[MergeOut]


class MergeDecision(BaseModel):
    id: int
    status: str = Field(examples=["confirmed", "rejected", "undone"])


class AuditEntry(BaseModel):
    seq: int
    at: str
    actor: str
    role: str
    action: str
    purpose: str
    purpose_text: str
    detail: dict[str, Any] = Field(description="what was searched, viewed or changed (differs by action)")
    hash: str
    prev_hash: str


class AuditChain(BaseModel):
    entries: int = Field(description="entries checked")
    intact: bool
    first_bad_seq: int | None


class FindingOut(BaseModel):
    code: str = Field(examples=["audit_cut_short", "checkpoint_signature_bad", "checkpoints_behind"])
    message: str


class CheckpointStatus(BaseModel):
    """The signed checkpoints of the chain's head kept outside the database, checked against the trail."""

    enabled: bool = Field(description="false: no checkpoint file is configured")
    verified: int = Field(description="checkpoints whose signature holds and whose entry is in the trail unchanged")
    newest_seq: int | None
    newest_at: str | None
    since_newest: int = Field(description="entries written after the newest checkpoint (the next one covers them)")
    problems: list[FindingOut] = Field(description="the trail or the file was tampered with (entries deleted, "
                                                   "rewritten, a checkpoint altered or removed)")
    warnings: list[FindingOut]


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    chain: AuditChain
    checkpoints: CheckpointStatus


class OffenderConviction(BaseModel):
    act: str
    section: str
    conviction_date: str | None


class StationOffender(BaseModel):
    registration_id: int
    state: str
    record_id: str
    name: str
    father_name: str
    sex: str
    age: int | None
    risk_tier: int
    registered_on: str
    address: str
    lat: float
    lon: float
    convictions: list[OffenderConviction]


class StationOffenders(BaseModel):
    station: StationOut
    years: int
    offenders: list[StationOffender]


def _registry(request: Request):
    return get_container(request).registry


@router.post("/registry/imports", response_model=RegistryImportReport,
             summary="Upload a state's CSV; bad rows are reported row by row")
async def import_csv(request: Request, principal: Registry, file: Annotated[UploadFile, File()],
                     state: Annotated[str, Form(max_length=60)] = ""):
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("the file is larger than 50 MB", code="file_too_large")
    report = _registry(request).upload(principal, data, state or None)
    return report.as_dict()


@router.get("/registry/search", response_model=SearchResults, response_model_exclude_unset=True,
            summary="Search registered persons by name and details; a purpose is required")
async def search(request: Request, principal: Registry, name: Annotated[str, Query(min_length=2, max_length=200)],
                 purpose: PurposeParam = "", purpose_text: PurposeTextParam = "",
                 father_name: Annotated[str, Query(max_length=200)] = "",
                 sex: Annotated[str, Query(max_length=12)] = "",
                 state: Annotated[str, Query(max_length=60)] = "",
                 district: Annotated[str, Query(max_length=120)] = "",
                 age_min: Annotated[int | None, Query(ge=0, le=120)] = None,
                 age_max: Annotated[int | None, Query(ge=0, le=120)] = None,
                 near_lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
                 near_lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
                 radius_km: Annotated[float, Query(gt=0, le=500)] = 5.0,
                 limit: Annotated[int, Query(ge=1, le=50)] = 20):
    # async: the search goes straight from the event loop to a search worker (one trip off the loop, not one for the
    # search and another for its response's validation), where the searches of the process wait in turn
    near = (near_lat, near_lon, radius_km) if near_lat is not None and near_lon is not None else None
    registry = _registry(request)
    results = await registry.index.searches.call(
        registry.search, principal, purpose, name, father_name=father_name, sex=sex, state=state, district=district,
        age_min=age_min, age_max=age_max, near=near, limit=limit, purpose_text=purpose_text)
    return {"results": results}


class Suspect(BaseModel):
    name: str = Field(min_length=2, max_length=200)
    father_name: str = Field("", max_length=200)
    age: int | None = Field(None, ge=0, le=120)
    sex: str = Field("", max_length=12)
    state: str = Field("", max_length=60)
    district: str = Field("", max_length=120)
    purpose: str = ""
    purpose_text: str = Field("", max_length=500)
    limit: int = Field(10, ge=1, le=50)


@router.post("/registry/linkage", response_model=LinkageResult,
             summary="Registered persons who may be this suspect, with scores and reasons")
async def linkage(request: Request, principal: Registry, body: Suspect):
    suspect = body.model_dump(exclude={"purpose", "purpose_text", "limit"})
    registry = _registry(request)
    return {"candidates": await registry.index.searches.call(registry.link_suspect, principal, body.purpose, suspect,
                                                             body.limit, purpose_text=body.purpose_text)}


@router.get("/registry/registrations/{registration_id}", response_model=RegistrationDetail,
            summary="One registration in full; a purpose is required (audited). Another state's reads as 404")
def view(request: Request, principal: Registry, registration_id: Id, purpose: PurposeParam = "",
         purpose_text: PurposeTextParam = ""):
    return _registry(request).view(principal, registration_id, purpose, purpose_text)


@router.post("/registry/registrations/{registration_id}/files", response_model=AttachedFile,
             summary="Attach a photo or a fingerprint card")
async def attach_file(request: Request, principal: Registry, registration_id: Id,
                      file: Annotated[UploadFile, File()], kind: Annotated[str, Form(max_length=16)] = "photo"):
    data = await file.read()
    return _registry(request).attach_file(principal, registration_id, kind, data,
                                          file.content_type or "application/octet-stream")


@router.get("/registry/alerts", response_model=AlertList,
            summary="Movement alerts for your state's registry; a purpose is required (audited)")
def alerts(request: Request, principal: Registry, unread: bool = False, purpose: PurposeParam = "",
           purpose_text: PurposeTextParam = ""):
    return {"alerts": _registry(request).alerts(principal, purpose, purpose_text, unread_only=unread)}


@router.post("/registry/alerts/{alert_id}/read", response_model=AlertRead, summary="Mark a movement alert read")
def mark_read(request: Request, principal: Registry, alert_id: Id):
    _registry(request).mark_alert_read(principal, alert_id)
    return {"id": alert_id, "read": True}


@router.get("/registry/merges", response_model=MergeList,
            summary="Proposed (or decided) merges within your scope; a purpose is required (audited)")
def merges(request: Request, principal: Registry, status: Annotated[str, Query(max_length=16)] = "proposed",
           purpose: PurposeParam = "", purpose_text: PurposeTextParam = ""):
    return {"merges": _registry(request).merge_list(principal, purpose, purpose_text, status or None)}


@router.post("/registry/merges/{merge_id}/confirm", response_model=MergeDecision,
             summary="Confirm: the two registrations are one person")
def confirm(request: Request, principal: Registry, merge_id: Id):
    return _registry(request).decide_merge(principal, merge_id, True)


@router.post("/registry/merges/{merge_id}/reject", response_model=MergeDecision,
             summary="Reject: two different persons")
def reject(request: Request, principal: Registry, merge_id: Id):
    return _registry(request).decide_merge(principal, merge_id, False)


@router.post("/registry/merges/{merge_id}/unmerge", response_model=MergeDecision, summary="Undo a confirmed merge")
def unmerge(request: Request, principal: Registry, merge_id: Id):
    return _registry(request).unmerge(principal, merge_id)


@router.get("/registry/audit", response_model=AuditPage, summary="Who searched and viewed what, and why (supervisors)")
def audit(request: Request, principal: Supervisor,
          limit: Annotated[int, Query(ge=-2**31, le=2**31 - 1, description="1 to 500 (clamped)")] = 100,
          before_seq: Annotated[int | None, Query(ge=-2**31, le=2**31 - 1)] = None,
          after_seq: Annotated[int | None, Query(ge=-2**31, le=2**31 - 1,
                                                 description="the page of entries just after this one")] = None,
          action: Annotated[str | None, Query(max_length=32)] = None,
          actor: Annotated[str | None, Query(max_length=64)] = None,
          purpose: Annotated[str | None, Query(max_length=32)] = None,
          since: Annotated[datetime | None, Query(description="entries at or after (no zone: UTC)")] = None,
          until: Annotated[datetime | None, Query(description="entries before (no zone: UTC)")] = None,
          registration_id: Annotated[int | None, Query(ge=1, le=2**31 - 1,
                                                       description="entries that concern this registration")] = None):
    r = _registry(request)
    filters = AuditFilters(action=action, actor=actor, purpose=purpose, since=utc(since), until=utc(until),
                           registrations=None if registration_id is None else frozenset({registration_id}))
    entries = r.audit_entries(principal, filters, limit, before_seq, after_seq)
    report = r.audit_report(principal)
    return {"entries": entries, "checkpoints": report.checkpoints.as_dict(),
            "chain": {"entries": report.entries, "intact": report.first_bad_seq is None,
                      "first_bad_seq": report.first_bad_seq}}


def utc(moment: datetime | None) -> datetime | None:
    """A time as UTC (one without a zone is taken as UTC); the ends of the calendar clamped, not an error."""
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if moment.year < 2 else datetime.max.replace(tzinfo=UTC)


@router.get("/stations/{station_id}/registered-offenders", response_model=StationOffenders,
            summary="Registered offenders living in a station's jurisdiction (no identity numbers); "
                    "a purpose is required (audited)")
def registered_offenders(request: Request, principal: CurrentPrincipal, station_id: Id,
                         years: Annotated[int | None, Query(ge=1, le=50)] = None, purpose: PurposeParam = "",
                         purpose_text: PurposeTextParam = ""):
    return _registry(request).station_offenders(principal, station_id, years, purpose, purpose_text)
