"""Events about response-time targets: every process reloads its cache of them."""

from __future__ import annotations

from dataclasses import dataclass

from suraksha.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ResponseTargetsChanged(DomainEvent):
    by: str
    what: str  # target | area_class
