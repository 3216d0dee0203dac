"""JSON text, fast: orjson where it can, the standard library where orjson refuses.

Event payloads and tracks go into the database as JSON and come out again on every node, and a fleet's positions
make that thousands of objects a second (docs/benchmarks.md, positions beside intake). orjson does that work in a
fraction of the standard library's time. It is stricter, though: it refuses text with a lone surrogate (which
Python's `json` accepts from a request body), and reading, `NaN`; those few fall back to the standard library, so
nothing that was stored before is refused now. It writes a float `NaN` as `null` (valid JSON), where the standard
library wrote `NaN`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

_KEYS = orjson.OPT_NON_STR_KEYS  # as json.dumps: integer keys become strings


def dumps(value: Any) -> str:
    """As `json.dumps(value)`: what it cannot encode raises TypeError."""
    try:
        return orjson.dumps(value, option=_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def dumps_lenient(value: Any, default: Callable[[Any], Any] = str) -> str:
    """As `json.dumps(value, default=str)`: anything else is written as its text (the live stream's payloads)."""
    try:
        return orjson.dumps(value, default=default, option=_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, default=default)


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
