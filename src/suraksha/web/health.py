"""Health for the load balancer and the orchestrator: `/healthz` (the process answers) and `/readyz` (it can do its
work: the database answers, and the event bus is connected when there is one). Neither needs a sign-in, and neither
says anything but these booleans (docs/deployment.md)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from suraksha.http.deps import get_container

router = APIRouter(tags=["operations"])
log = logging.getLogger(__name__)


class Liveness(BaseModel):
    status: str  # "alive"


class Readiness(BaseModel):
    status: str  # "ready" or "not_ready"
    database: bool
    bus: bool


@router.get("/healthz", summary="The process answers", response_model=Liveness)
def healthz() -> Liveness:
    return Liveness(status="alive")


@router.get("/readyz", summary="The node can take work: its database answers and its event bus is connected",
            response_model=Readiness, responses={503: {"model": Readiness, "description": "not ready"}})
def readyz(request: Request):
    c = get_container(request)
    try:
        with c.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = True
    except Exception:  # any failure to answer is "not ready"; the reason goes to the log, not to the caller
        log.warning("readiness: the database did not answer", exc_info=True)
        database = False
    bus = c.bus.reachable()
    ready = Readiness(status="ready" if database and bus else "not_ready", database=database, bus=bus)
    if not (database and bus):
        return JSONResponse(ready.model_dump(), status_code=503, headers={"Retry-After": "5"})
    return ready
