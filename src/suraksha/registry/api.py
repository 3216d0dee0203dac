"""HTTP for the offender registry. Registry roles only (the station list also for that station's officers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field

from suraksha.accounts.model import ROLES_THAT_REVIEW_REGISTRY_AUDIT, ROLES_THAT_USE_REGISTRY, Principal
from suraksha.core.errors import InvalidInput
from suraksha.registry.rules import check_purpose
from suraksha.registry.service import actor_of, upload_scope
from suraksha.web.deps import CurrentPrincipal, get_container, require_roles

router = APIRouter(prefix="/api/v1", tags=["registry"])
Registry = Annotated[Principal, Depends(require_roles(ROLES_THAT_USE_REGISTRY))]
Supervisor = Annotated[Principal, Depends(require_roles(ROLES_THAT_REVIEW_REGISTRY_AUDIT))]
MAX_UPLOAD = 50 * 1024 * 1024


def _registry(request: Request):
    return get_container(request).registry


@router.post("/registry/imports", summary="Upload a state's CSV; bad rows are reported row by row")
async def import_csv(request: Request, principal: Registry, file: Annotated[UploadFile, File()],
                     state: Annotated[str, Form()] = ""):
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("the file is larger than 50 MB", code="file_too_large")
    report = _registry(request).import_csv(data, actor_of(principal), state or None, upload_scope(principal))
    return report.as_dict()


@router.get("/registry/search", summary="Search registered persons by name and details; a purpose is required")
def search(request: Request, principal: Registry, name: Annotated[str, Query(min_length=2, max_length=200)],
           purpose: str = "", purpose_text: str = "", father_name: str = "", sex: str = "", state: str = "",
           district: str = "", age_min: Annotated[int | None, Query(ge=0, le=120)] = None,
           age_max: Annotated[int | None, Query(ge=0, le=120)] = None,
           near_lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
           near_lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
           radius_km: Annotated[float, Query(gt=0, le=500)] = 5.0,
           limit: Annotated[int, Query(ge=1, le=50)] = 20):
    stated = check_purpose(purpose, purpose_text)
    near = (near_lat, near_lon, radius_km) if near_lat is not None and near_lon is not None else None
    results = _registry(request).search(principal, stated, name, father_name=father_name, sex=sex, state=state,
                                        district=district, age_min=age_min, age_max=age_max, near=near, limit=limit)
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


@router.post("/registry/linkage", summary="Registered persons who may be this suspect, with scores and reasons")
def linkage(request: Request, principal: Registry, body: Suspect):
    stated = check_purpose(body.purpose, body.purpose_text)
    suspect = body.model_dump(exclude={"purpose", "purpose_text", "limit"})
    return {"candidates": _registry(request).link_suspect(principal, stated, suspect, body.limit)}


@router.get("/registry/registrations/{registration_id}", summary="One registration in full (audited)")
def view(request: Request, principal: Registry, registration_id: int, purpose: str = "", purpose_text: str = ""):
    stated = check_purpose(purpose, purpose_text) if purpose else None
    return _registry(request).view(principal, registration_id, stated)


@router.post("/registry/registrations/{registration_id}/files", summary="Attach a photo or a fingerprint card")
async def attach_file(request: Request, principal: Registry, registration_id: int,
                      file: Annotated[UploadFile, File()], kind: Annotated[str, Form()] = "photo"):
    data = await file.read()
    return _registry(request).attach_file(principal, registration_id, kind, data,
                                          file.content_type or "application/octet-stream")


@router.get("/registry/alerts", summary="Movement alerts for your state's registry")
def alerts(request: Request, principal: Registry, unread: bool = False):
    return {"alerts": _registry(request).alerts(principal, unread)}


@router.post("/registry/alerts/{alert_id}/read", summary="Mark a movement alert read")
def mark_read(request: Request, principal: Registry, alert_id: int):
    _registry(request).mark_alert_read(principal, alert_id)
    return {"id": alert_id, "read": True}


@router.get("/registry/merges", summary="Proposed (or decided) merges of registrations into one person")
def merges(request: Request, principal: Registry, status: str = "proposed"):
    return {"merges": _registry(request).merges.list(status or None)}


@router.post("/registry/merges/{merge_id}/confirm", summary="Confirm: the two registrations are one person")
def confirm(request: Request, principal: Registry, merge_id: int):
    return _registry(request).decide_merge(principal, merge_id, True)


@router.post("/registry/merges/{merge_id}/reject", summary="Reject: two different persons")
def reject(request: Request, principal: Registry, merge_id: int):
    return _registry(request).decide_merge(principal, merge_id, False)


@router.post("/registry/merges/{merge_id}/unmerge", summary="Undo a confirmed merge")
def unmerge(request: Request, principal: Registry, merge_id: int):
    return _registry(request).unmerge(principal, merge_id)


@router.get("/registry/audit", summary="Who searched and viewed what, and why (supervisors)")
def audit(request: Request, principal: Supervisor, limit: int = 100, before_seq: int | None = None,
          action: str | None = None, actor: str | None = None):
    r = _registry(request)
    entries = r.audit_entries(principal, limit=limit, before_seq=before_seq, action=action, actor=actor)
    checked, bad = r.audit.verify()
    return {"entries": entries, "chain": {"entries": checked, "intact": bad is None, "first_bad_seq": bad}}


@router.get("/stations/{station_id}/registered-offenders",
            summary="Registered offenders living in a station's jurisdiction (no identity numbers)")
def registered_offenders(request: Request, principal: CurrentPrincipal, station_id: int,
                         years: Annotated[int | None, Query(ge=1, le=50)] = None):
    return _registry(request).station_offenders(principal, station_id, years)
