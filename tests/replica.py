"""One values-bot replica for the fault tests: ticks the scheduler against a fake Slack.

Time is simulated but shared by every replica: now = --day at 09:31 (Shanghai) + the wall-clock
seconds since --anchor, so leases mean the same to all of them.

    python -m tests.replica --database URL --slack-api URL --day 2026-11-23 --anchor EPOCH
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta

from bot.app.posting import DailyPosts, Poster
from bot.config import Settings
from bot.platforms.slack.client import ChannelPacer, web_client
from bot.platforms.slack.poster import SlackPoster
from bot.platforms.slack.render import SlackRenderer
from bot.platforms.slack.settings import SlackSettings
from bot.wiring import build
from tests.fakes import shanghai

TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"


class SharedClock:
    def __init__(self, start: datetime, anchor: float) -> None:
        self.start, self.anchor = start, anchor

    def now(self) -> datetime:
        return (self.start + timedelta(seconds=time.time() - self.anchor)).astimezone(UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--slack-api", required=True)
    parser.add_argument("--day", type=date.fromisoformat, required=True)
    parser.add_argument("--anchor", type=float, required=True)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--every", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    day = args.day
    clock = SharedClock(shanghai(day.year, day.month, day.day, 9, 31), args.anchor)
    slack = SlackSettings(bot_token=TOKEN, api_url=args.slack_api)
    settings = Settings(database_url=args.database, locale="en", sections={"slack": slack})
    runtime = build(settings, clock=clock)
    posts = DailyPosts(
        runtime.repo,
        runtime.rubric,
        runtime.posts.calendars,
        clock,
        lease=timedelta(seconds=args.lease),
        concurrency=args.concurrency,
    )
    render = SlackRenderer(runtime.templates, runtime.rubric, min_story=settings.min_story)
    poster = SlackPoster(web_client(slack, for_posting=True), render, ChannelPacer(0.0))
    poster.sleep = lambda _seconds: None

    def poster_for(platform: str) -> Poster | None:
        return poster if platform == "slack" else None

    print("ready", flush=True)
    while True:
        posts.tick(poster_for)
        time.sleep(args.every)


if __name__ == "__main__":
    main()
