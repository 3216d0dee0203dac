"""Which language a page is in: the URL first (`/hi/…`, `/mr/…`, `/en/…`, or `?lang=`), then the choice the
visitor made before (a cookie), then the browser's `Accept-Language`, else English.

A language prefix is taken off the path before anything else sees it (routing, the security headers), so
`/hi/directory` is the directory page in Hindi and every route exists in every language without being declared
three times. The API and the webhooks have no language prefix: clients use stable codes, not words.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from suraksha.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, supported

COOKIE = "suraksha_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
SCOPE_KEY = "suraksha.lang"  # the language the path's prefix named
NOT_PAGES = ("/api/", "/webhooks/", "/static/")


def split_prefix(path: str) -> tuple[str | None, str]:
    """'/hi/directory' -> ('hi', '/directory'); '/mr' -> ('mr', '/'); '/directory' -> (None, '/directory')."""
    for code in LANGUAGES:
        prefix = f"/{code}"
        if path == prefix or path.startswith(prefix + "/"):
            rest = path[len(prefix):] or "/"
            if rest.startswith(NOT_PAGES):
                return None, path
            return code, rest
    return None, path


class LanguagePrefixMiddleware:
    """Takes a language prefix off the path and remembers it in the scope (`SCOPE_KEY`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            code, rest = split_prefix(scope["path"])
            if code is not None:
                raw = scope.get("raw_path")
                if isinstance(raw, bytes):
                    raw = raw[len(code) + 1:] or b"/"
                scope = {**scope, "path": rest, "raw_path": raw, SCOPE_KEY: code}
        await self.app(scope, receive, send)


def from_accept_language(header: str | None) -> str:
    """The supported language the browser prefers most ('mr-IN,mr;q=0.9,en;q=0.8' -> 'mr'); English if none."""
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        if code not in LANGUAGES:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        q -= position / 1000  # equal weights: the first listed wins
        if q > best_q and q > 0:
            best, best_q = code, q
    return best


def choose(request: Request) -> tuple[str, bool]:
    """(language, whether the URL asked for it). Only a language the URL asked for is remembered."""
    prefixed = request.scope.get(SCOPE_KEY)
    if prefixed:
        return prefixed, True
    asked = request.query_params.get("lang", "")
    if asked and supported(asked) == asked.strip().lower().split("-")[0]:
        return supported(asked), True
    kept = request.cookies.get(COOKIE, "")
    if kept in LANGUAGES:
        return kept, False
    return from_accept_language(request.headers.get("accept-language")), False


def prefixed(lang: str, path: str) -> str:
    """A local path in a language: ('hi', '/directory') -> '/hi/directory'; English keeps the bare path."""
    return path if lang == DEFAULT_LANGUAGE else f"/{lang}{path}"


def switch_to(request: Request, code: str) -> str:
    """The address of this page in another language (the query kept, `lang=` dropped)."""
    path = request.url.path
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    return f"/{code}{path}" + (f"?{query}" if query else "")
