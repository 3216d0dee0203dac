"""HTTP for stations: the public directory and jurisdiction lookup, and admin changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field

from suraksha.accounts.model import ROLES_THAT_MANAGE_STATIONS, Principal
from suraksha.core.errors import InvalidInput
from suraksha.stations.model import HelplineKind
from suraksha.web.deps import get_container, require_roles

router = APIRouter(prefix="/api/v1", tags=["stations"])
Admin = Annotated[Principal, Depends(require_roles(ROLES_THAT_MANAGE_STATIONS))]
MAX_UPLOAD = 20 * 1024 * 1024


@router.get("/jurisdiction", summary="Which station covers this point? (public)")
def jurisdiction(request: Request, lat: Annotated[float, Query(ge=-90, le=90)],
                 lon: Annotated[float, Query(ge=-180, le=180)]):
    return get_container(request).stations.resolve(lon, lat).as_dict()


@router.get("/stations", summary="Find a station's women helpline by name (public)")
def list_stations(request: Request, q: str = "", city: str | None = None, limit: int = 20):
    found = get_container(request).stations.search(q, city, min(max(limit, 1), 200))
    return {"stations": [s.as_public_dict() for s in found]}


@router.get("/stations.geojson", summary="Station jurisdictions as GeoJSON (public)")
def stations_geojson(request: Request, city: str | None = None):
    return get_container(request).stations.feature_collection(city)


@router.get("/stations/{station_id}", summary="One station with its jurisdiction (public)")
def get_station(request: Request, station_id: int):
    c = get_container(request)
    station = c.stations.get(station_id)
    anchor = {"type": "Point", "coordinates": [station.anchor.lon, station.anchor.lat]}
    return station.as_public_dict() | {"anchor": anchor}


class HelplineAssignment(BaseModel):
    kind: HelplineKind
    number: str = Field(min_length=3, max_length=32)
    reason: str = Field("", max_length=500)


@router.put("/stations/{station_id}/helplines", summary="Assign a number to a station (moves it if held elsewhere)")
def assign_helpline(request: Request, station_id: int, body: HelplineAssignment, principal: Admin):
    ref = get_container(request).stations.assign_helpline(station_id, body.kind, body.number, principal.username,
                                                          body.reason)
    return ref.as_public_dict()


@router.get("/stations/{station_id}/helpline-history", summary="Every change of this station's numbers")
def helpline_history(request: Request, station_id: int, principal: Admin):
    return {"changes": get_container(request).stations.helpline_history(station_id)}


@router.post("/stations/import", summary="Import jurisdiction polygons from a GeoJSON file")
async def import_stations(request: Request, principal: Admin, file: UploadFile = File(...),
                          city: str = Form(...), name_property: str = Form("name")):
    raw = await file.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise InvalidInput("the file is larger than 20 MB", code="file_too_large")
    report = get_container(request).stations.import_geojson(raw, city, name_property, principal.username)
    return report.as_dict()
