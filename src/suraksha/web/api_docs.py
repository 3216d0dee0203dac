"""The API's description, served from assets shipped with the product (`static/vendor/swagger-ui`, `redoc`):
`/docs` and `/redoc` work without internet and under a Content-Security-Policy without inline script (each
page's settings are a JSON block read by a static script)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from suraksha.http.templates import templates

router = APIRouter(include_in_schema=False)
OPENAPI_URL = "/openapi.json"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"


def _page(request: Request, name: str, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"lang": "en", "title": request.app.title, **context})


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request):
    config = {"url": OPENAPI_URL, "dom_id": "#swagger-ui", "layout": "BaseLayout", "deepLinking": True,
              "showExtensions": True, "showCommonExtensions": True, "oauth2RedirectPath": OAUTH2_REDIRECT,
              "validatorUrl": None}  # no badge from an outside validator
    return _page(request, "api_swagger.html", config=config)


@router.get(OAUTH2_REDIRECT, response_class=HTMLResponse)
def swagger_ui_oauth2_redirect(request: Request):
    return _page(request, "api_oauth2_redirect.html")


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request):
    return _page(request, "api_redoc.html", spec_url=OPENAPI_URL)
