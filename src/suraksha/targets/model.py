"""Response-time targets (issue 10): the minutes within which a police vehicle should reach her, as data.

States set their own (Madhya Pradesh 5 minutes urban / 30 rural, Punjab 7-8, Maharashtra 10 urban / 15 rural);
a target names a state (or `*` for any), an area class (urban or rural), and optionally a priority and a
category. For an incident the most specific target that applies is chosen: its state before `*`, then a target
for its category before one for any category, then one for its priority before one for any priority. An incident
whose state has no target has no deadline (and the console says so), rather than one nobody promised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

ANY_STATE = "*"


class AreaClass(StrEnum):
    URBAN = "urban"
    RURAL = "rural"


@dataclass(frozen=True)
class Target:
    id: int
    state: str  # ISO 3166-2:IN code without "IN-" (MH, MP, PB), or "*"
    area_class: AreaClass
    priority: int | None  # None: any priority
    category: str | None  # None: any category
    minutes: int
    source: str  # where the figure comes from (a circular, an audit, a news report)

    def specificity(self) -> tuple[int, int, int]:
        return (self.state != ANY_STATE, self.category is not None, self.priority is not None)

    def applies(self, state: str | None, area_class: AreaClass, priority: int, category: str) -> bool:
        return (self.state in (ANY_STATE, state) and self.area_class is area_class
                and self.priority in (None, priority) and self.category in (None, category))


class TargetProblem(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def choose(targets: list[Target], state: str | None, area_class: AreaClass, priority: int,
           category: str) -> Target | None:
    """The most specific target for an incident, or None."""
    found = [t for t in targets if t.applies(state, area_class, priority, category)]
    return max(found, key=Target.specificity) if found else None


def deadline(received_at: datetime, target: Target | None) -> datetime | None:
    return None if target is None else received_at + timedelta(minutes=target.minutes)


def check(state: str, area_class: str, priority: int | None, category: str | None, minutes: int) -> None:
    if state != ANY_STATE and not (len(state) == 2 and state.isalpha() and state.isupper()):
        raise TargetProblem("state: a two-letter code such as MH, or * for any state", "invalid_state")
    try:
        AreaClass(area_class)
    except ValueError:
        raise TargetProblem("area class: urban or rural", "invalid_area_class") from None
    if priority is not None and not 1 <= priority <= 5:
        raise TargetProblem("priority: 1 to 5, or none for any", "invalid_priority")
    if not 1 <= minutes <= 24 * 60:
        raise TargetProblem("minutes: 1 to 1440", "invalid_minutes")
    if category is not None and not category.replace("_", "").isalpha():
        raise TargetProblem("category: a category code such as immediate_danger, or none for any",
                            "invalid_category")
