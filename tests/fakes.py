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
    """Wait until a bot's background work (bot.app.background.Background) is all done."""
    import time

    deadline = time.monotonic() + timeout
    while work.pending() and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    assert not work.pending(), "the bot is still answering"  # type: ignore[attr-defined]


def add_case(
    repo: object, place: object, *, message: str, nominee: str, nominator: str, story: str,
    day: object, now: datetime,
) -> None:  # fmt: skip
    """Store one case as the bot would: the channel subscribed, the day's post, the evidence."""
    sub = repo.subscriptions.save(  # type: ignore[attr-defined]
        platform=place.platform, workspace=place.workspace, channel=place.channel,  # type: ignore[attr-defined]
        post_at="09:30", timezone="Asia/Shanghai", country="CN", days_off=frozenset(), now=now,
    )  # fmt: skip
    repo.posts.claim(  # type: ignore[attr-defined]
        subscription_id=sub.id, local_date=day, pick=lambda _c: "customer-first:1",
        claimed_by="test", lease_until=now,
    )  # fmt: skip
    post = repo.posts.on_date(  # type: ignore[attr-defined]
        platform=place.platform, workspace=place.workspace, channel=place.channel,  # type: ignore[attr-defined]
        local_date=day,
    )  # fmt: skip
    assert post is not None
    repo.evidence.record(  # type: ignore[attr-defined]
        place=place, message_id=message, nominees=[nominee], nominator=nominator,
        daily_post_id=post.id, criterion_key="customer-first:1", story=story, link="",
        nominated_on=day, now=now,
    )  # fmt: skip
