"""Log lines: text by default, one JSON object a line with DOORSTEP_LOG_FORMAT=json.

Every line written while a request is served carries that request's id (a context variable set
by server/ops/requests.py). What is logged is chosen so that no password, token or resident's
personal data reaches a line: request lines name the route's template, not the path, and the
SQL parameters that database errors quote are cut from tracebacks.
"""

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

request_id: ContextVar[str | None] = ContextVar("doorstep_request_id", default=None)

# SQLAlchemy quotes the bound values of a failed statement: residents' names, phones, notes.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\]\n?", re.DOTALL)
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"


def scrub(text: str) -> str:
    return _SQL_PARAMETERS.sub("[parameters hidden]\n", text)


class _RequestContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "event", "logger", "request_id"?, …fields}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "event": scrub(record.getMessage()),
            "logger": record.name,
        }
        rid = getattr(record, "request_id", None)
        if rid and rid != "-":
            line["request_id"] = rid
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(_TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        text = super().format(record)
        if fields:
            text += " " + " ".join(f"{key}={value}" for key, value in fields.items())
        return scrub(text)


def make_handler(stream: TextIO, log_format: str = "text") -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.addFilter(_RequestContext())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    return handler


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    """Send every logger (ours and uvicorn's) through one stderr handler of the chosen format."""
    root = logging.getLogger()
    root.handlers[:] = [make_handler(sys.stderr, log_format)]
    root.setLevel(level)
    logging.captureWarnings(True)  # a library's warning is a log line too, in the same format
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # Our own request line replaces uvicorn's, which prints the raw path and query.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
