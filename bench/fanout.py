"""Fan-out: 2,000 daily posts against a fake Slack answering in 150 ms, with occasional 429s.

The bound: with C posts in flight, N posts of L seconds each take N*L/C; every 429 holds its
worker for Retry-After plus the client's jitter (0.5 s on average), so the bound adds
n429*(Retry-After + 0.5)/C. Target: the measured tick within 1.25x of that bound.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bench.common import SECRET, TOKEN
from bot.config import Settings
from bot.platforms.slack.app import SlackBot
from bot.platforms.slack.settings import SlackSettings
from bot.wiring import build
from tests.fake_slack import TEAM, FakeSlack
from tests.fakes import FakeClock, shanghai

POSTS = 2_000
LATENCY = 0.150
RATE_LIMIT_EVERY = 100  # one chat.postMessage in a hundred answers 429
RETRY_AFTER = 1
CONCURRENCY = 16


def run(tmp_db: str) -> dict[str, Any]:
    fake = FakeSlack().start()
    try:
        settings = Settings(
            database_url=f"sqlite:///{tmp_db}",
            locale="en",
            sections={
                "slack": SlackSettings(bot_token=TOKEN, signing_secret=SECRET, api_url=fake.api_url)
            },
            fanout_concurrency=CONCURRENCY,
        )
        clock = FakeClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
        runtime = build(settings, clock=clock)
        bot = SlackBot(runtime.chat, settings.section("slack"))
        for n in range(POSTS):
            runtime.repo.subscriptions.save(
                platform="slack", workspace=TEAM, channel=f"C{n:05d}", post_at="09:30",
                timezone="Asia/Shanghai", country="CN", days_off=frozenset(), now=clock.now(),
            )  # fmt: skip
        clock.set(shanghai(2026, 11, 23, 9, 31))
        fake.delay = LATENCY
        fake.rate_limit_every = RATE_LIMIT_EVERY
        fake.retry_after = RETRY_AFTER
        start = time.perf_counter()
        outcomes = runtime.posts.tick(bot.poster_for)
        seconds = time.perf_counter() - start
        calls = len(fake.of("chat.postMessage"))
        limited = calls - sum(len(m) for m in fake.messages.values())
        per_channel = Counter(len(m) for m in fake.messages.values())
        bound = (POSTS * LATENCY + limited * (RETRY_AFTER + 0.5)) / CONCURRENCY
        bot.close()
        runtime.close()
    finally:
        fake.stop()
    return {
        "fanout_s": seconds,
        "fanout_bound_s": bound,
        "fanout_ratio": seconds / bound,
        "fanout_posted": len(outcomes),
        "fanout_429s": limited,
        "fanout_once_each": per_channel == Counter({1: POSTS}),
        "fanout_concurrency": CONCURRENCY,
    }


if __name__ == "__main__":
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(run(f"{folder}/fanout.db"), indent=2))
