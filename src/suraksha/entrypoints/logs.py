"""How a server process writes its logs (`SURAKSHA_LOG_FORMAT`): `text` for a person at a terminal, `json` (one JSON
object a line, python-json-logger) for a log collector. Every line carries the node's name and, while a request is
served, its request id (`core.request_id`). Logs never contain her phone number or her words: the code logs ids,
tracking numbers and counts only (docs/deployment.md)."""

from __future__ import annotations

import logging

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from suraksha.core import request_id

TEXT = "%(asctime)s %(levelname)s %(name)s [%(node)s %(request_id)s]: %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(node)s %(request_id)s %(message)s"  # and "time": ISO 8601, UTC
QUIET = ("alembic", "httpx", "httpcore", "nats")


class Context(logging.Filter):
    """Adds `node` and `request_id` ("-" outside a request) to every record."""

    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node

    def filter(self, record: logging.LogRecord) -> bool:
        record.node = self.node
        record.request_id = request_id.current.get() or "-"
        return True


def formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger"}, timestamp="time",
                             reserved_attrs=[*RESERVED_ATTRS, "color_message"])  # uvicorn's terminal colours
    return logging.Formatter(TEXT)


def configure(level: str, fmt: str, node: str) -> None:
    """The root logger's one handler (standard error), with the format and the context; uvicorn's loggers pass
    through it (the server is started with `log_config=None`)."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(fmt))
    handler.addFilter(Context(node))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
