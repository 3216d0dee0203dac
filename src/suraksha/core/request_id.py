"""The request id: one per HTTP request, taken from the caller's `X-Request-ID` (a load balancer's) when it is a
plausible one, else made here; every log line written while the request is served carries it, and the response
gives it back, so that one request can be followed across the proxy's and every node's logs."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

current: ContextVar[str | None] = ContextVar("request_id", default=None)
_PLAUSIBLE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")  # nothing a log reader could be misled by, nothing personal


def accept(given: str | None) -> str:
    """The caller's id if plausible, else a new one."""
    return given if given and _PLAUSIBLE.match(given) else uuid.uuid4().hex
