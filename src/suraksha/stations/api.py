"""HTTP for stations: the public directory and jurisdiction lookup, and admin changes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from pydantic import BaseModel, Field

from suraksha.core.auth import ROLES_THAT_MANAGE_STATIONS, Principal
from suraksha.core.errors import InvalidInput
from suraksha.http.deps import get_container, require_roles
from suraksha.stations.model import HelplineKind, Match

router = APIRouter(prefix="/api/v1", tags=["stations"])
Admin = Annotated[Principal, Depends(require_roles(ROLES_THAT_MANAGE_STATIONS))]
StationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
City = Annotated[str | None, Query(max_length=64)]
MAX_UPLOAD = 20 * 1024 * 1024


class StationOut(BaseModel):
    """A station as the public directory shows it."""

    id: int
    name: str
    city: str
    state: str | None = Field(description="ISO 3166-2:IN code of the state or union territory")
    women_helpline: str | None
    general_number: str | None
    name_hi: str | None = Field(None, description="the name in Hindi (Devanagari), where known")
    name_mr: str | None = Field(None, description="the name in Marathi (Devanagari), where known")


class AnchorPoint(BaseModel):
    """A GeoJSON Point inside the jurisdiction: [longitude, latitude]."""

    type: Literal["Point"]
    coordinates: list[float]


class StationDetail(StationOut):
    anchor: AnchorPoint


class JurisdictionOut(BaseModel):
    station: StationOut | None = Field(description="null outside every jurisdiction: the city control room takes it")
    match: Match = Field(description="inside one polygon, in an overlap, nearest within the gap distance, or none")
    distance_m: float


class StationList(BaseModel):
    stations: list[StationOut]


class StationFeature(BaseModel):
    type: Literal["Feature"]
    id: int
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon (WGS 84)")
    properties: StationOut


class StationFeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[StationFeature]


class HelplineChange(BaseModel):
    number: str
    kind: str = Field(examples=["women", "general"])
    from_station_id: int | None = Field(description="the station that held the number before, if any")
    to_station_id: int
    changed_by: str
    reason: str
    changed_at: str


class HelplineHistory(BaseModel):
    changes: list[HelplineChange]


class ImportedFeature(BaseModel):
    index: int
    name: str | None
    status: str = Field(examples=["imported", "repaired", "merged", "rejected"])
    reasons: list[str]


class ImportOverlap(BaseModel):
    stations: list[str]
    area_m2: int
    share_of_smaller: float


class GapLocation(BaseModel):
    lon: float
    lat: float


class ImportGap(BaseModel):
    area_m2: int
    at: GapLocation


class StationImportReport(BaseModel):
    city: str
    state: str
    created: int
    updated: int
    rejected: int
    features: list[ImportedFeature]
    overlaps: list[ImportOverlap]
    gaps: list[ImportGap]


@router.get("/jurisdiction", response_model=JurisdictionOut, summary="Which station covers this point? (public)")
def jurisdiction(request: Request, lat: Annotated[float, Query(ge=-90, le=90)],
                 lon: Annotated[float, Query(ge=-180, le=180)]):
    return get_container(request).stations.resolve(lon, lat).as_dict()


@router.get("/stations", response_model=StationList, summary="Find a station's women helpline by name (public)")
def list_stations(request: Request, q: Annotated[str, Query(max_length=200)] = "", city: City = None,
                  limit: Annotated[int, Query(ge=-2**31, le=2**31 - 1, description="1 to 200 (clamped)")] = 20):
    found = get_container(request).stations.search(q, city, min(max(limit, 1), 200))
    return {"stations": [s.as_public_dict() for s in found]}


@router.get("/stations.geojson", response_model=StationFeatureCollection,
            summary="Station jurisdictions as GeoJSON (public)")
def stations_geojson(request: Request, city: City = None):
    return get_container(request).stations.feature_collection(city)


@router.get("/stations/{station_id}", response_model=StationDetail,
            summary="One station with its jurisdiction (public)")
def get_station(request: Request, station_id: StationId):
    c = get_container(request)
    station = c.stations.get(station_id)
    anchor = {"type": "Point", "coordinates": [station.anchor.lon, station.anchor.lat]}
    return station.as_public_dict() | {"anchor": anchor}


class HelplineAssignment(BaseModel):
    kind: HelplineKind
    number: str = Field(min_length=3, max_length=32)
    reason: str = Field("", max_length=500)


@router.put("/stations/{station_id}/helplines", response_model=StationOut,
            summary="Assign a number to a station (moves it if held elsewhere)")
def assign_helpline(request: Request, station_id: StationId, body: HelplineAssignment, principal: Admin):
    ref = get_container(request).stations.assign_helpline(station_id, body.kind, body.number, principal.username,
                                                          body.reason)
    return ref.as_public_dict()


class WhatsAppLink(BaseModel):
    phone_number_id: str | None = Field(
        description="Meta's id of the WhatsApp Business number (`metadata.phone_number_id` in its deliveries), "
                    "6 to 20 digits; null unlinks", min_length=6, max_length=20, pattern=r"^\d+$")
    reason: str = Field("", max_length=500)


class WhatsAppLinkOut(BaseModel):
    station_id: int
    phone_number_id: str | None


@router.get("/stations/{station_id}/whatsapp", response_model=WhatsAppLinkOut,
            summary="The WhatsApp Business number linked to this station's women helpline")
def whatsapp_link(request: Request, station_id: StationId, principal: Admin):
    return {"station_id": station_id, "phone_number_id": get_container(request).stations.whatsapp_of(station_id)}


@router.put("/stations/{station_id}/whatsapp", response_model=WhatsAppLinkOut,
            summary="Link (or with null unlink) a WhatsApp Business number to this station's women helpline")
def link_whatsapp(request: Request, station_id: StationId, body: WhatsAppLink, principal: Admin):
    linked = get_container(request).stations.link_whatsapp(station_id, body.phone_number_id, principal.username,
                                                           body.reason)
    return {"station_id": station_id, "phone_number_id": linked}


@router.get("/stations/{station_id}/helpline-history", response_model=HelplineHistory,
            summary="Every change of this station's numbers")
def helpline_history(request: Request, station_id: StationId, principal: Admin):
    return {"changes": get_container(request).stations.helpline_history(station_id)}


@router.post("/stations/import", response_model=StationImportReport,
             summary="Import jurisdiction polygons from a GeoJSON file")
async def import_stations(request: Request, principal: Admin, file: UploadFile = File(...),
                          city: str = Form(..., max_length=64), name_property: str = Form("name", max_length=64),
                          state: str = Form("", max_length=60)):
    raw = await file.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise InvalidInput("the file is larger than 20 MB", code="file_too_large")
    report = get_container(request).stations.import_geojson(raw, city, name_property, principal.username,
                                                            state=state or None)
    return report.as_dict()
