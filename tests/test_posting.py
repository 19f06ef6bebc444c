"""Daily posts: due on workdays from the post time to the cut-off, exactly once per local date."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.app.posting import DailyPosts
from tests.fakes import shanghai


def subscribe(runtime, channel="C1", at="09:30"):
    return runtime.repo.subscriptions.save(
        platform="slack", workspace="T1", channel=channel, post_at=at, timezone="Asia/Shanghai",
        country="CN", days_off=frozenset(), now=runtime.clock.now(),
    )  # fmt: skip


class RecordingPoster:
    def __init__(self):
        self.sent = []

    def __call__(self, sub, post, criterion, workday):
        self.sent.append((sub.channel, post.local_date, criterion.key))
        return f"ts-{len(self.sent)}"


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (shanghai(2026, 11, 23, 9, 29), False),  # Monday, before the post time
        (shanghai(2026, 11, 23, 9, 30), True),
        (shanghai(2026, 11, 23, 11, 59), True),  # catching up after downtime
        (shanghai(2026, 11, 23, 12, 0), False),  # the cut-off: the day is skipped
        (shanghai(2026, 11, 21, 10, 0), False),  # Saturday
        (shanghai(2026, 10, 1, 10, 0), False),  # National Day
        (shanghai(2026, 10, 10, 10, 0), True),  # Saturday make-up workday
    ],
)
def test_a_subscription_is_due_on_workdays_between_post_time_and_cutoff(runtime, moment, due):
    assert due == runtime.posts.is_due(subscribe(runtime), moment)


def test_a_post_time_after_the_cutoff_still_gets_an_hour(runtime):
    sub = subscribe(runtime, at="15:00")

    assert runtime.posts.is_due(sub, shanghai(2026, 11, 23, 15, 30))
    assert not runtime.posts.is_due(sub, shanghai(2026, 11, 23, 16, 0))


def test_ticks_post_once_per_channel_per_day_and_move_on_the_next_day(runtime, clock):
    """Many ticks (and a second replica) still give exactly one post a channel a day."""
    subscribe(runtime, "C1")
    subscribe(runtime, "C2")
    poster = RecordingPoster()
    other = DailyPosts(runtime.repo, runtime.rubric, runtime.posts.calendars, clock, replica="b")
    for _ in range(3):
        runtime.posts.tick(lambda _p: poster)
        other.tick(lambda _p: poster)
    clock.set(shanghai(2026, 11, 24, 9, 45))
    runtime.posts.tick(lambda _p: poster)

    # Channels of one tick are delivered concurrently: their order within a day is not defined.
    assert [
        ("C1", datetime(2026, 11, 23).date(), "customer-first:1"),
        ("C2", datetime(2026, 11, 23).date(), "customer-first:1"),
        ("C1", datetime(2026, 11, 24).date(), "teamwork:1"),
        ("C2", datetime(2026, 11, 24).date(), "teamwork:1"),
    ] == sorted(poster.sent, key=lambda sent: (sent[1], sent[0]))


def test_a_restart_neither_skips_nor_repeats_the_rotation(runtime, clock):
    """A new process (new DailyPosts) picks up at the stored cursor."""
    subscribe(runtime)
    poster = RecordingPoster()
    shown = []
    for day in (23, 24, 25):
        clock.set(shanghai(2026, 11, day, 10, 0))
        fresh = DailyPosts(runtime.repo, runtime.rubric, runtime.posts.calendars, clock)
        fresh.tick(lambda _p: poster)
        fresh.tick(lambda _p: poster)
        shown.append(poster.sent[-1][2])

    assert shown == ["customer-first:1", "teamwork:1", "embrace-change:1"]
    assert len(poster.sent) == 3


def test_post_now_works_on_a_day_off_but_only_once(runtime):
    sub = subscribe(runtime)
    runtime.clock.set(shanghai(2026, 11, 21, 8, 0))  # Saturday, before any post time
    poster = RecordingPoster()

    first = runtime.posts.post_now(sub, poster)
    second = runtime.posts.post_now(sub, poster)

    assert (first.workday, first.post is not None, second.post) == (False, True, None)
    assert len(poster.sent) == 1


def test_a_failed_delivery_does_not_stop_the_other_channels(runtime):
    subscribe(runtime, "C1")
    subscribe(runtime, "C2")
    sent = []

    def flaky(sub, post, criterion, workday):
        if sub.channel == "C1":
            raise ConnectionError("platform down")
        sent.append(sub.channel)
        return "ts"

    runtime.posts.tick(lambda _p: flaky)

    assert sent == ["C2"]


def test_no_post_for_unsubscribed_channels(runtime):
    subscribe(runtime, "C1")
    runtime.repo.subscriptions.deactivate(platform="slack", workspace="T1", channel="C1")
    poster = RecordingPoster()

    runtime.posts.tick(lambda _p: poster)

    assert poster.sent == []
