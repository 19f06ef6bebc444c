"""Logging for values-bot: LOG_LEVEL and LOG_FORMAT (text or json), one line per record.

Every line starts with an ISO 8601 timestamp in UTC. The JSON format writes one object per line
(`ts`, `level`, `logger`, `message`, and `exc` with the traceback when there is one), which log
shippers read as is. Chatty libraries stay at WARNING unless LOG_LEVEL=DEBUG, so INFO shows the
bot's own event lines.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("text", "json")
QUIET = ("alembic", "apscheduler", "httpx", "httpcore", "uvicorn")  # and each platform's SDK


def _stamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{_stamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": _stamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(
    level: str = "WARNING",
    fmt: str = "text",
    stream: TextIO | None = None,
    *,
    quiet: tuple[str, ...] = (),
) -> None:
    """Send every record to stderr in `fmt`, from `level` up (replacing an earlier call's);
    the loggers in QUIET and `quiet` (the platforms' SDKs) stay at WARNING unless DEBUG."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.set_name("values-bot")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "values-bot"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in (*QUIET, *quiet):
        logging.getLogger(name).setLevel(level if level == "DEBUG" else "WARNING")
