"""The daily fan-out: bounded concurrency, one post per channel, through 429s."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.platforms.slack.client import ChannelPacer
from tests.fake_slack import TEAM
from tests.fakes import shanghai
from tests.slack.conftest import SlackWorld


@pytest.mark.slow
def test_five_hundred_channels_get_exactly_one_post_each_under_rate_limits(world: SlackWorld):
    channels = [f"C{n:05d}" for n in range(500)]
    for channel in channels:
        world.subscribe(channel)
    world.fake.rate_limit_every = 25  # every 25th chat.postMessage answers 429
    world.fake.retry_after = 0
    world.clock.set(shanghai(2026, 11, 23, 9, 31))

    outcomes = world.runtime.posts.tick(world.bot.poster_for)
    again = world.runtime.posts.tick(world.bot.poster_for)

    assert len(world.fake.of("chat.postMessage")) > 500  # some were answered 429, then retried
    assert Counter({c: len(m) for c, m in world.fake.messages.items()}) == Counter(
        dict.fromkeys(channels, 1)
    )
    assert len(outcomes) == 500 and again == []
    for channel in channels[::50]:
        post = world.repo.posts.latest(platform="slack", workspace=TEAM, channel=channel)
        assert post is not None and post.status == "posted" and post.message_id


def test_the_fan_out_never_runs_more_posts_at_once_than_configured(world: SlackWorld):
    import threading

    for n in range(24):
        world.subscribe(f"C9{n:04d}")
    world.clock.set(shanghai(2026, 11, 23, 9, 31))
    world.fake.delay = 0.05
    active, peak, lock = 0, 0, threading.Lock()
    poster = world.bot.poster()

    def counting(*args):  # type: ignore[no-untyped-def]
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            return poster(*args)
        finally:
            with lock:
                active -= 1

    world.runtime.posts.concurrency = 4
    world.runtime.posts.tick(lambda platform: counting)

    assert peak == 4
    assert len(world.fake.messages) == 24


def test_the_pacer_keeps_one_channel_to_one_post_a_second():
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = ChannelPacer(1.0, clock=lambda: now[0], sleep=sleep)
    pacer.wait("C1")
    pacer.wait("C2")  # another channel does not wait
    pacer.wait("C1")
    pacer.wait("C1")
    now[0] += 5
    pacer.wait("C1")  # long after: no wait

    assert slept == [1.0, 2.0]


def test_a_channel_the_bot_is_not_in_releases_the_claim(world: SlackWorld):
    sub = world.subscribe("CNOTIN")
    original = world.fake.answer

    def refuse(method, params):  # type: ignore[no-untyped-def]
        if method == "chat.postMessage":
            return 200, {"ok": False, "error": "not_in_channel"}
        return original(method, params)

    world.fake.answer = refuse  # type: ignore[method-assign]
    try:
        world.runtime.posts.post_now(sub, world.bot.poster())
    except Exception as error:
        assert "not_in_channel" in str(error)
    world.fake.answer = original  # type: ignore[method-assign]

    outcome = world.runtime.posts.post_now(sub, world.bot.poster())

    assert outcome.post is not None  # released, so the day could be posted after the fix
    assert world.fake.messages["CNOTIN"] and len(world.fake.messages["CNOTIN"]) == 1
