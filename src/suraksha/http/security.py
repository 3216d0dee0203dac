"""Security headers on every response (pages, API, static files, errors): a pure ASGI middleware.

A Content-Security-Policy without inline script, no MIME sniffing, no referrer, a Permissions-Policy that denies
the powerful features (geolocation only on the page that asks for it), HSTS when the public URL is https, and
`Cache-Control: no-store` on every response that may carry personal data: everything except the public pages,
the public directory API, static files and the API description.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from suraksha.settings import Settings

HSTS = "max-age=63072000; includeSubDomains"
DENIED_FEATURES = ("accelerometer", "camera", "display-capture", "gyroscope", "magnetometer", "microphone", "midi",
                   "payment", "serial", "usb")
# directory.js asks for her position ("use my location"); responder.js sends the crew's to the control room
GEOLOCATION_PAGES = frozenset({"/directory", "/responder", "/help"})  # help.js: "use my location"
# Public and without personal data: the browser may cache these. Everything else is `no-store`.
PUBLIC_PAGES = frozenset({"/", "/directory"})
PUBLIC_API = frozenset({"/api/v1/jurisdiction", "/api/v1/stations", "/api/v1/stations.geojson"})
PUBLIC_STATION = re.compile(r"/api/v1/stations/[^/]+")
API_DOCS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def tile_source(tile_url: str) -> str | None:
    """The CSP source of a map tile URL template: 'https://{s}.tile.example.org/{z}/{x}/{y}.png' ->
    'https://*.tile.example.org'. None when there is no tile URL."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    labels = parts.netloc.split(".")
    if "{" in labels[0]:
        labels[0] = "*"  # a subdomain placeholder such as {s}: CSP allows a wildcard only there
    if any("{" in label or "}" in label for label in labels):
        return f"{parts.scheme}:"  # a placeholder elsewhere in the host: allow the scheme rather than break maps
    return f"{parts.scheme}://{'.'.join(labels)}"


def content_security_policy(tile_url: str = "") -> str:
    img = " ".join(s for s in ("'self'", "data:", tile_source(tile_url)) if s)
    return (f"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src {img}; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")


def docs_content_security_policy() -> str:
    """The API description pages: Swagger UI and ReDoc are shipped (web/static/vendor) and started by a static
    script, so no inline script and no outside host; ReDoc's search runs in a worker it makes from a blob."""
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'; object-src 'none'")


def permissions_policy(geolocation: bool) -> str:
    return ", ".join([*(f"{f}=()" for f in DENIED_FEATURES), "geolocation=(self)" if geolocation else "geolocation=()"])


def may_be_cached(method: str, path: str) -> bool:
    """Whether a response can carry no personal data: public pages and directory API, static files, API docs."""
    if path.startswith("/static/") or path in API_DOCS:
        return True
    if method not in ("GET", "HEAD"):
        return False
    return path in PUBLIC_PAGES or path in PUBLIC_API or PUBLIC_STATION.fullmatch(path) is not None


class SecurityHeadersMiddleware:
    """Adds the headers to the start of every HTTP response; replaces any the app set itself."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.csp = content_security_policy(settings.tile_url).encode()
        self.docs_csp = docs_content_security_policy().encode()
        self.hsts = settings.public_url.lower().startswith("https://")
        self.permissions = {flag: permissions_policy(flag).encode() for flag in (False, True)}

    def headers_for(self, method: str, path: str) -> list[tuple[bytes, bytes]]:
        docs = path in ("/docs", "/docs/oauth2-redirect", "/redoc")
        headers = [
            (b"content-security-policy", self.docs_csp if docs else self.csp),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"permissions-policy", self.permissions[path in GEOLOCATION_PAGES]),
            (b"x-frame-options", b"DENY"),
        ]
        if self.hsts:
            headers.append((b"strict-transport-security", HSTS.encode()))
        if not may_be_cached(method, path):
            headers.append((b"cache-control", b"no-store"))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ours = self.headers_for(scope["method"], scope["path"])
        names = {name for name, _ in ours}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + ours}
            await send(message)

        await self.app(scope, receive, send_with_headers)
