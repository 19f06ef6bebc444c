"""LOG_LEVEL and LOG_FORMAT: one line per record, its timestamp first, in text or JSON."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime

import pytest

from bot.config import ConfigError, Settings
from bot.ops.logs import configure


@pytest.fixture
def restored():  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_text_lines_start_with_a_utc_timestamp_and_hold_one_record(restored):
    out = io.StringIO()
    configure("INFO", "text", out)
    logging.getLogger("values_bot.events").info("event platform=slack channel=%s", "C1")
    logging.getLogger("values_bot.events").debug("not at INFO")
    logging.getLogger("apscheduler.scheduler").info("Running job …")  # a chatty library

    [line] = out.getvalue().splitlines()
    stamp, level, rest = line.split(" ", 2)
    assert datetime.fromisoformat(stamp).utcoffset().total_seconds() == 0
    assert (level, rest) == ("INFO", "values_bot.events: event platform=slack channel=C1")


def test_json_lines_are_one_object_each_with_the_traceback_inside(restored):
    out = io.StringIO()
    configure("WARNING", "json", out)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bot.run").exception("failed")

    [line] = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["level"] == "ERROR" and record["message"] == "failed"
    assert "ValueError: boom" in record["exc"] and datetime.fromisoformat(record["ts"])


def test_unknown_levels_and_formats_are_reported_with_the_other_settings():
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"LOG_LEVEL": "LOUD", "LOG_FORMAT": "xml", "BOT_TICK_SECONDS": "0"})
    assert len(error.value.problems) == 3
    assert Settings.from_env({"LOG_LEVEL": "debug"}).log_level == "DEBUG"
