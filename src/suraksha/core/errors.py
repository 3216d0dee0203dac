"""One error tree. Every error has a stable `code`; the HTTP edge maps it to a status and JSON."""

from __future__ import annotations

from typing import Any


class SurakshaError(Exception):
    """Base of every domain error. `code` is stable: clients script against it."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class InvalidInput(SurakshaError):
    code = "invalid_input"
    status = 422


class NotFound(SurakshaError):
    code = "not_found"
    status = 404


class Unauthenticated(SurakshaError):
    code = "unauthenticated"
    status = 401


class Forbidden(SurakshaError):
    code = "forbidden"
    status = 403


class BadDelivery(SurakshaError):
    """A provider's delivery that is not in the provider's documented shape (after its signature passed)."""

    code = "invalid_webhook"
    status = 400


class BadSignature(SurakshaError):
    code = "bad_signature"
    status = 403


class TooManyAttempts(SurakshaError):
    """Slow down: `retry_after` seconds (None: locked until an administrator lifts it)."""

    code = "too_many_attempts"
    status = 429

    def __init__(self, message: str, *, retry_after: int | None, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class Unavailable(SurakshaError):
    """Something the request needs is not answering or not ready (the database, an index being built): try again
    after `retry_after` seconds. A provider's retry of a webhook is safe: a message stored just before the answer
    was lost is recognised."""

    code = "unavailable"
    status = 503

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class Conflict(SurakshaError):
    code = "conflict"
    status = 409


class ConfigurationError(SurakshaError):
    code = "configuration_error"
    status = 500
