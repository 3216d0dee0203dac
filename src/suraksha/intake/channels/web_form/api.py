"""The public help form: `GET /help` (the page), `GET /api/v1/help/form` (a fresh form token for the page's script)
and `POST /api/v1/help` (her submission). No account: the form token, the proof of work, the honeypot, the minimum
fill time and the per-client rate limit keep machines off (docs/adr/0012). Answered once the submission is
committed, with her tracking number."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from suraksha.core.errors import InvalidInput
from suraksha.core.geo import Point
from suraksha.core.phones import to_e164
from suraksha.http import language
from suraksha.http.deps import client_address, get_container, optional_principal
from suraksha.http.templates import render
from suraksha.intake.channels.web_form.desk import HelpDesk
from suraksha.intake.channels.web_form.parse import HelpRequest
from suraksha.intake.model import parse_location
from suraksha.places import localities

log = logging.getLogger("suraksha.intake.web")
router = APIRouter(tags=["intake"])
TYPED_PLACE_ACCURACY_M = 2000.0  # a locality's post office stands for the place she typed: roughly there


class HelpFormOut(BaseModel):
    token: str = Field(description="the signed, short-lived form token: one submission")
    proof_bits: int = Field(description="the proof of work's difficulty: SHA-256 of `token:proof` starts with this "
                                        "many zero bits")
    min_fill_seconds: int = Field(description="the form may be sent this many seconds after the token was issued")


class HelpIn(BaseModel):
    token: str = Field(max_length=100, description="from the page or GET /api/v1/help/form")
    proof: str = Field(max_length=12, description="a decimal number: SHA-256(`token:proof`) starts with proof_bits "
                                                  "zero bits")
    website: str = Field("", max_length=200, description="leave empty (a field people never see)")
    kind: Literal["help_now", "report"] = Field(description="help_now: she needs help now (priority 1); report")
    what: str = Field("", max_length=2000, description="what happened, in her words (required for a report)")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100_000, description="her phone's fix's radius, in metres")
    place: str = Field("", max_length=200, description="a place she typed: a locality, a landmark, a PIN code")
    reach: Literal["call", "sms", "whatsapp", "none"] = Field(
        description="how to reach her: a call or an SMS or WhatsApp to `phone`, or none (nothing is ever sent)")
    phone: str = Field("", max_length=32, description="her number, unless reach is none")
    safe_time: str = Field("", max_length=100, description="when it is safe to reach her")
    language: Literal["en", "hi", "mr"] | None = Field(None, description="the page's language, for what she is told")


class HelpOut(BaseModel):
    tracking: str = Field(description="her tracking number (the same for a retry of one submission)")
    status: str = Field(description="the incident's status: new, dispatched, en_route, on_scene, closed")
    message: str = Field(description="what to show her, in her language")
    track_url: str = Field(description="the public progress page for her tracking number")
    joined: bool = Field(description="true when it joined her open incident (the same number, within 30 minutes)")
    contact: Literal["call", "sms", "whatsapp", "none"] = Field(description="how she will be reached")


def _desk(request: Request) -> HelpDesk:
    desk = get_container(request).help
    assert desk is not None  # wired by the composition root
    return desk


@router.get("/help", response_class=HTMLResponse, include_in_schema=False)
def help_page(request: Request):
    desk = _desk(request)
    return render(request, "help.html", principal=optional_principal(request), form_token=desk.new_token(),
                  proof_bits=desk.proof_bits, min_fill_seconds=desk.min_fill_seconds)


@router.get("/api/v1/help/form", response_model=HelpFormOut, summary="A fresh help form token (public)")
def help_form(request: Request):
    desk = _desk(request)
    return {"token": desk.new_token(), "proof_bits": desk.proof_bits, "min_fill_seconds": desk.min_fill_seconds}


@router.post("/api/v1/help", response_model=HelpOut,
             summary="Ask for help or report, without an account (the public help page)")
async def send_help(request: Request, body: HelpIn):
    desk = _desk(request)
    fields = body.model_dump(exclude={"token", "proof", "website"})
    her = _read(body, nonce="")  # the contents are checked before the form's checks: bad input stores nothing
    nonce = await run_in_threadpool(desk.admit, client_address(request), body.token, body.proof, body.website,
                                    fields)
    ack = await desk.send(replace(her, nonce=nonce))
    log.info("help form -> incident %s%s", ack.tracking, " (retry)" if ack.duplicate else
             " (joined)" if ack.joined else "")
    c = get_container(request)
    status = await run_in_threadpool(c.incidents.public_status, ack.tracking) or {"status": "new"}
    lang = body.language or "en"
    return {"tracking": ack.tracking, "status": status["status"], "message": ack.reply, "joined": ack.joined,
            "track_url": language.prefixed(lang, "/track") + f"?tracking={ack.tracking}", "contact": body.reach}


def _read(body: HelpIn, nonce: str) -> HelpRequest:
    """Her submission, checked: 422 with a stable code for what cannot be taken (nothing is stored)."""
    what = body.what.strip()
    if body.kind == "report" and not what:
        raise InvalidInput("say what happened", code="what_required")
    if (body.lat is None) != (body.lon is None) or any(
            v is not None and not math.isfinite(v) for v in (body.lat, body.lon, body.accuracy_m)):
        raise InvalidInput("a location needs both lat and lon", code="invalid_location")
    place = " ".join(body.place.split())
    location, accuracy = (Point(body.lon, body.lat), body.accuracy_m) if body.lat is not None and body.lon is not None \
        else _typed(place)
    phone = None
    if body.reach != "none":
        if not body.phone.strip():
            raise InvalidInput("give a number to reach you, or choose not to be contacted", code="phone_required")
        try:
            phone = to_e164(body.phone)
        except InvalidInput:
            raise InvalidInput("phone is not a number we can write to", code="invalid_phone") from None
    return HelpRequest(nonce=nonce, kind=body.kind, what=what, reach=body.reach, phone=phone,
                       safe_time=" ".join(body.safe_time.split()) or None, location=location, accuracy_m=accuracy,
                       place=place or None, language=body.language)


def _typed(place: str) -> tuple[Point | None, float | None]:
    """Where a typed place is: coordinates or a maps link in it, else the locality (post office) it names."""
    if not place:
        return None, None
    point = parse_location(place)
    if point is not None:
        return point, None
    found = localities.find(place, limit=1)
    return (Point(found[0].lon, found[0].lat), TYPED_PLACE_ACCURACY_M) if found else (None, None)
