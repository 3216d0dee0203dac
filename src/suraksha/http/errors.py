"""The one place that turns domain errors into HTTP answers: {"error": {"code", "message"}}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from suraksha.adapters.db_errors import database_unreachable
from suraksha.core.errors import SurakshaError, Unavailable
from suraksha.http.templates import render

log = logging.getLogger(__name__)
DATABASE_RETRY_AFTER_S = 5  # what a client is told to wait while the database is not answering


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/webhooks/")) and "text/html" in request.headers.get("accept", "")


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SurakshaError)
    async def domain_error(request: Request, exc: SurakshaError):
        if exc.status == 401 and _wants_html(request):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else None
        if exc.status in (403, 404, 503) and _wants_html(request):  # a person at a browser gets a page
            page = render(request, "error.html", status=exc.status, code=exc.code, message=exc.message,
                          http_status=exc.status)
            page.headers.update(headers or {})
            return page
        return JSONResponse(exc.as_dict(), status_code=exc.status, headers=headers)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError):
        """The database not answering is 503 with Retry-After (the provider or client tries again); any other
        database error is a fault in the code and stays a 500."""
        if not database_unreachable(exc):
            raise exc
        log.warning("database unavailable: 503 to %s %s (%s)", request.method, request.url.path,
                    _first_line(exc.orig or exc))
        return await domain_error(request, Unavailable("the database is not answering; try again shortly",
                                                       retry_after=DATABASE_RETRY_AFTER_S,
                                                       code="database_unavailable"))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        fields = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        body = {"error": {"code": "invalid_request", "message": "the request is not valid", "details": fields}}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse({"error": {"code": code, "message": str(exc.detail)}}, status_code=exc.status_code)
