"""HTTP for incidents between control rooms: an incident as a NENA EIDO, a document taken in as an incident, the
audit of exports, and the partner agencies an administrator keeps (docs/interop.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from suraksha.core.auth import (
    ROLES_THAT_IMPORT_INCIDENTS,
    ROLES_THAT_KEEP_PARTNER_AGENCIES,
    ROLES_THAT_REVIEW_EXPORTS,
    ROLES_THAT_SEE_INCIDENTS,
    Principal,
)
from suraksha.http.deps import get_container, require_roles

router = APIRouter(prefix="/api/v1", tags=["interop"])
Staff = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_INCIDENTS))]
Importer = Annotated[Principal, Depends(require_roles(ROLES_THAT_IMPORT_INCIDENTS))]
Reviewer = Annotated[Principal, Depends(require_roles(ROLES_THAT_REVIEW_EXPORTS))]
Keeper = Annotated[Principal, Depends(require_roles(ROLES_THAT_KEEP_PARTNER_AGENCIES))]
AgencyId = Annotated[str, Path(min_length=1, max_length=128)]


class EidoDocument(BaseModel):
    """A NENA EIDO (NENA-STA-021.1b, JSON): the prologue's fields here, every component as NENA's schema says."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    id: str = Field(alias="$id", description="the incident's EIDO id (urn:emergency:uid:incidentid:…)")
    version: str = Field(alias="eidoVersion")
    last_update: str = Field(alias="lastUpdateTimeStamp")
    issuing_element: str = Field(alias="issuingElementIdentification")
    agencies: list[dict[str, Any]] = Field(alias="agencyComponent")


class EidoImported(BaseModel):
    tracking: str = Field(description="the incident in this control room (the same for the same document again)")
    status: str
    eido_id: str
    duplicate: bool = Field(description="true: this document was imported before; nothing new was written")


class EidoExport(BaseModel):
    at: str
    username: str
    to_agency: str | None
    victim_details: bool


class EidoExports(BaseModel):
    exports: list[EidoExport]


class PartnerAgencyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    may_receive_victim_details: bool = Field(False, description="her name, numbers and words may go to it")


class PartnerAgency(BaseModel):
    agency_id: str
    name: str
    may_receive_victim_details: bool
    updated_at: str
    updated_by: str


class PartnerAgencies(BaseModel):
    agency_id: str = Field(description="this control room's own agency id (SURAKSHA_AGENCY_ID)")
    partners: list[PartnerAgency]


class PartnerRemoved(BaseModel):
    removed: str


def _interop(request: Request):
    return get_container(request).interop


@router.get("/incidents/{tracking}/eido", response_model=EidoDocument, response_model_by_alias=True,
            summary="The incident as a NENA EIDO for another agency (audited; her details only to a partner allowed "
                    "them)")
def export_eido(request: Request, tracking: Annotated[str, Path(max_length=20)], principal: Staff,
                to: Annotated[str | None, Query(max_length=128, description="the receiving agency's id")] = None):
    return _interop(request).export(principal, tracking, to)


@router.get("/incidents/{tracking}/eido/exports", response_model=EidoExports,
            summary="Who sent this incident to which agency, when, with or without her details")
def list_exports(request: Request, tracking: Annotated[str, Path(max_length=20)], principal: Reviewer):
    return {"exports": _interop(request).exports(principal, tracking)}


@router.post("/eido", response_model=EidoImported, status_code=201,
             responses={200: {"model": EidoImported, "description": "imported before: the same incident"}},
             summary="Take another agency's EIDO in as an incident of this control room (idempotent by its $id)")
def import_eido(request: Request, response: Response, principal: Importer,
                document: Annotated[dict[str, Any], Body(description="a NENA EIDO (JSON)")]):
    done = _interop(request).import_document(principal, document)
    if done["duplicate"]:
        response.status_code = 200
    return done


@router.get("/partner-agencies", response_model=PartnerAgencies, summary="The agencies incidents are exchanged with")
def list_partners(request: Request, principal: Keeper):
    interop = _interop(request)
    return {"agency_id": interop.agency_id, "partners": interop.partners()}


@router.put("/partner-agencies/{agency_id}", response_model=PartnerAgency,
            summary="Add or change a partner agency (and whether her details may go to it)")
def keep_partner(request: Request, agency_id: AgencyId, body: PartnerAgencyIn, principal: Keeper):
    return _interop(request).keep_partner(principal.username, agency_id, body.name, body.may_receive_victim_details)


@router.delete("/partner-agencies/{agency_id}", response_model=PartnerRemoved, summary="Remove a partner agency")
def remove_partner(request: Request, agency_id: AgencyId, principal: Keeper):
    _interop(request).remove_partner(agency_id)
    return {"removed": agency_id}
