"""Fakes shared by the tests: a clock you set by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self._now = now.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def shanghai(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def settle(work: object, timeout: float = 10.0) -> None:
    """Wait until a bot's background work (bot.adapters.background.Background) is all done."""
    import time

    deadline = time.monotonic() + timeout
    while work.pending() and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    assert not work.pending(), "the bot is still answering"  # type: ignore[attr-defined]
