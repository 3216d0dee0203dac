"""Operations: health for the load balancer and the orchestrator, `/healthz` (the process answers) and `/readyz` (it
can do its work: the database answers, and the event bus is connected when there is one), neither needing a sign-in
nor saying anything but these booleans; and `/metrics` for Prometheus, behind a token of its own
(`SURAKSHA_METRICS_TOKEN`: a scraper is not a person with an account) (docs/deployment.md)."""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import text

from suraksha.adapters.metrics import CONTENT_TYPE
from suraksha.core.errors import BadSignature, NotFound
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


@router.get("/metrics", summary="Prometheus metrics: intake, queue depths, timers due (Bearer SURAKSHA_METRICS_TOKEN)",
            response_class=Response, responses={200: {"content": {CONTENT_TYPE: {}},
                                                      "description": "Prometheus' text exposition format"}})
def metrics(request: Request, authorization: str = Header("", include_in_schema=False)):
    c = get_container(request)
    token = c.settings.metrics_token.get_secret_value()
    if not token:
        raise NotFound("metrics are off: set SURAKSHA_METRICS_TOKEN", code="metrics_off")
    given = authorization.removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise BadSignature("the metrics token is missing or wrong", code="bad_metrics_token")
    return Response(c.metrics.render(), media_type=CONTENT_TYPE)
