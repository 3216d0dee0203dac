"""POST /api/v1/sos: a panic button's alert from an app or a safety device, through its gateway's account (the role
`integration`, a bearer token). Answered once the alert is committed, with her tracking number and the incident's
status."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from suraksha.core.auth import ROLES_THAT_RAISE_SOS, Principal
from suraksha.core.errors import InvalidInput
from suraksha.core.phones import to_e164
from suraksha.http.deps import get_container, require_roles
from suraksha.intake.channels.panic_button.parse import Alert, to_contact

log = logging.getLogger("suraksha.intake.sos")
router = APIRouter(tags=["intake"])
Gateway = Annotated[Principal, Depends(require_roles(ROLES_THAT_RAISE_SOS))]
_PRINTABLE = r"^[A-Za-z0-9._:@-]+$"


class SosIn(BaseModel):
    device_id: str = Field(min_length=1, max_length=64, pattern=_PRINTABLE,
                           description="the device or app installation that raised it; the same id links her alerts")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100_000, description="the fix's radius, in metres")
    battery_pct: int | None = Field(None, ge=0, le=100)
    at: AwareDatetime = Field(description="when the device took the fix or the button was pressed (with its zone)")
    phone: str | None = Field(None, max_length=32, description="her number, when the app knows it: she is told by "
                                                                "SMS as the incident moves on")
    media: str | None = Field(None, max_length=500, pattern=r"^[^\x00-\x1f\x7f]+$",
                              description="a reference to what the device recorded (a URL or the app's media id)")
    language: Literal["en", "hi", "mr"] | None = Field(None, description="the app's language, for what she is told")


class SosOut(BaseModel):
    tracking: str = Field(description="her incident's tracking number (the same for each alert of one emergency)")
    status: str = Field(description="the incident's status: new, dispatched, acknowledged, en_route, on_scene …")
    message: str = Field(description="what to show her, in her language")
    joined: bool = Field(description="true when the alert joined her open incident (a repeat press, or she moved)")


@router.post("/api/v1/sos", response_model=SosOut, summary="A panic button's alert (apps and safety devices)")
async def sos(request: Request, body: SosIn, gateway: Gateway):
    c = get_container(request)
    phone = None
    if body.phone:
        try:
            phone = to_e164(body.phone)
        except InvalidInput:
            raise InvalidInput("phone is not a number we can write to", code="invalid_phone") from None
    if (body.at - c.clock.now()).total_seconds() > 300:
        raise InvalidInput("the alert's time is in the future: check the device's clock", code="invalid_time")
    alert = Alert(device_id=body.device_id, lat=body.lat, lon=body.lon, at=body.at.astimezone(UTC),
                  accuracy_m=body.accuracy_m, battery_pct=body.battery_pct, phone=phone, media=body.media,
                  language=body.language)
    ack = await c.intake.receive_async(to_contact(alert, gateway.username, c.clock.now()))
    log.info("sos from %s -> incident %s%s", gateway.username, ack.tracking,
             " (retry)" if ack.duplicate else " (joined)" if ack.joined else "")
    status = await run_in_threadpool(c.incidents.public_status, ack.tracking) or {"status": "new"}
    return {"tracking": ack.tracking, "status": status["status"], "message": ack.reply, "joined": ack.joined}
