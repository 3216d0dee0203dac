"""HTTP for posters: a station's A4 poster as a PDF, for anyone (the directory links to it)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from suraksha.http.deps import get_container
from suraksha.posters.model import file_stem

router = APIRouter(tags=["posters"])
StationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Language = Annotated[Literal["en", "hi", "mr"], Query(description="the poster's language: English, Hindi or Marathi")]
_ERROR = {"application/json": {"schema": {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}}}


@router.get(
    "/stations/{station_id}/poster.pdf", response_class=Response,
    summary="A station's women-helpline poster: A4 PDF, fonts embedded (public)",
    responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                     "description": "the poster"},
               404: {"content": _ERROR, "description": "no such station (code station_not_found)"},
               409: {"content": _ERROR, "description": "the station has no women-helpline number yet "
                                                       "(code no_women_helpline)"}},
)
def station_poster(request: Request, station_id: StationId, lang: Language = "en") -> Response:
    posters = get_container(request).posters
    pdf = posters.pdf(station_id, lang)
    name = f"{file_stem(posters.station(station_id))}-poster-{lang}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})
