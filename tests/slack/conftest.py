"""The Slack harness: the real Bolt app behind the real HTTP endpoint, a fake Slack Web API.

Requests are signed exactly as Slack signs them and built from the sample payloads in
../shared/design/samples/slack/ (copied into tests/slack/samples/ so a clone runs alone).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.cli.run import web_app
from bot.config import Settings
from bot.core.model import Subscription
from bot.core.permissions import Role
from bot.platforms.slack.app import SlackBot
from bot.platforms.slack.settings import SlackSettings
from bot.wiring import Runtime, build
from storage.repository import Repository
from tests.fake_slack import TEAM, FakeSlack
from tests.fakes import FakeClock
from tests.serving import served

SAMPLES = Path(__file__).parent / "samples"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
CHANNEL = "C111"
ADMIN, MANAGER, MEMBER, NOMINEE, OTHER = "UADMIN", "UMANAGER", "U333", "W222", "U444"


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def edit_event(channel: str, ts: str, thread_ts: str, user: str, text: str) -> dict[str, Any]:
    """A message_changed event, from the sample's shape, for a reply in a thread."""
    body = sample("event_message_changed.json")
    body["team_id"] = TEAM
    body["event"]["channel"] = channel
    body["event"]["message"] |= {"user": user, "ts": ts, "thread_ts": thread_ts, "text": text}
    body["event"]["message"].pop("blocks")
    body["event"]["previous_message"] |= {"user": user, "ts": ts, "thread_ts": thread_ts}
    return body


def delete_event(channel: str, ts: str) -> dict[str, Any]:
    """A message_deleted event, from the sample's shape."""
    body = sample("event_message_deleted.json")
    body["team_id"] = TEAM
    body["event"] |= {"channel": channel, "deleted_ts": ts}
    body["event"]["previous_message"]["ts"] = ts
    return body


def signed_headers(
    body: str, *, secret: str = SECRET, age: int = 0, kind: str = "application/json"
) -> dict[str, str]:
    stamp = str(int(time.time()) - age)
    return {
        "content-type": kind,
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": SignatureVerifier(secret).generate_signature(
            timestamp=stamp, body=body
        ),
    }


@dataclass
class SlackWorld:
    fake: FakeSlack
    runtime: Runtime
    bot: SlackBot
    url: str
    http: httpx.Client
    clock: FakeClock

    @property
    def repo(self) -> Repository:
        return self.runtime.repo

    # ---- sending what Slack sends -----------------------------------------------------------

    def send_event(self, body: dict[str, Any], *, retry: int | None = None) -> httpx.Response:
        raw = json.dumps(body)
        headers = signed_headers(raw)
        if retry is not None:
            headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        return self.http.post(self.url, content=raw, headers=headers)

    def send_form(self, fields: dict[str, str]) -> httpx.Response:
        raw = urlencode(fields)
        kind = "application/x-www-form-urlencoded"
        return self.http.post(self.url, content=raw, headers=signed_headers(raw, kind=kind))

    def command(self, user: str, text: str, *, channel: str = CHANNEL) -> httpx.Response:
        """/values TEXT by `user`, from the sample slash-command body with our fields."""
        fields = dict(parse_qsl(sample("slash_command_form_body.json")["body"]))
        fields |= {
            "command": "/values",
            "text": text,
            "user_id": user,
            "channel_id": channel,
            "team_id": TEAM,
            "response_url": f"{self.fake.url}respond/{user}-{time.monotonic_ns()}",
        }
        return self.send_form(fields)

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        return self.send_form({"payload": json.dumps(payload)})

    # ---- the day's post ---------------------------------------------------------------------

    def subscribe(self, channel: str = CHANNEL, **switches: bool) -> Subscription:
        return self.repo.subscriptions.save(
            platform="slack",
            workspace=TEAM,
            channel=channel,
            post_at="09:30",
            timezone="Asia/Shanghai",
            country="CN",
            days_off=frozenset(),
            now=self.clock.now(),
            **switches,
        )

    def post_today(self, channel: str = CHANNEL, **switches: bool) -> str:
        """Subscribe and post; returns the post's ts (the thread replies go under)."""
        sub = self.subscribe(channel, **switches)
        outcome = self.runtime.posts.post_now(sub, self.bot.poster())
        assert outcome.post is not None
        post = self.repo.posts.on_date(
            platform="slack", workspace=TEAM, channel=channel, local_date=outcome.local_date
        )
        assert post is not None and post.message_id
        return post.message_id

    def reply_event(
        self, thread_ts: str, text: str, *, user: str = MEMBER, ts: str | None = None
    ) -> dict[str, Any]:
        """A thread reply, from the sample event_thread_reply_in_channel.json shape."""
        body = copy.deepcopy(sample("event_thread_reply_in_channel.json"))
        stamp = ts or f"{self.clock.now().timestamp() + 60:.6f}"
        body["event"] |= {
            "user": user,
            "text": text,
            "ts": stamp,
            "event_ts": stamp,
            "thread_ts": thread_ts,
            "channel": CHANNEL,
        }
        body["event_id"] = f"Ev{stamp.replace('.', '')}"
        return body

    def evidence(self) -> list[tuple[str, str, str]]:
        """(nominee, nominator, story) of every active case, oldest first."""
        from bot.core.cycles import quarter_of
        from storage.evidence import EvidenceFilter

        cycle = quarter_of(self.clock.now().date())
        records = self.repo.exports.records(
            EvidenceFilter(starts_on=cycle.starts_on, ends_on=cycle.ends_on)
        )
        return [(r.nominee, r.nominator, r.story) for r in records]


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def slack_settings(fake: FakeSlack, database_url: str, **extra: Any) -> Settings:
    slack = {k.removeprefix("slack_"): extra.pop(k) for k in list(extra) if k.startswith("slack_")}
    return Settings(
        database_url=database_url,
        locale="en",
        admins=frozenset({f"slack:{ADMIN}"}),
        sections={
            "slack": SlackSettings(
                bot_token=TOKEN, signing_secret=SECRET, api_url=fake.api_url, **slack
            )
        },
        **extra,
    )


@pytest.fixture
def slack_extra() -> dict[str, Any]:
    """Override in a test module to change the Settings."""
    return {}


@contextmanager
def slack_world(
    fake_slack: FakeSlack, repo: Repository, clock: FakeClock, **extra: Any
) -> Iterator[SlackWorld]:
    """The bot, served over HTTP, on this repository; closed on exit."""
    settings = slack_settings(fake_slack, "sqlite://", **extra)
    runtime = build(settings, clock=clock, repo=repo)
    bot = SlackBot(runtime.chat, settings.section("slack"))
    bot.pacer.interval = 0.0  # one post per channel per second is checked on its own
    runtime.repo.governance.grant(
        person=f"slack:{MANAGER}",
        role=Role.MANAGER,
        channel=f"slack:{CHANNEL}",
        by="test",
        now=clock.now(),
    )
    app = web_app(runtime, [bot])
    try:
        with served(app) as base, httpx.Client(timeout=10) as client:
            yield SlackWorld(
                fake=fake_slack,
                runtime=runtime,
                bot=bot,
                url=f"{base}/slack/events",
                http=client,
                clock=clock,
            )
    finally:
        bot.close()


@pytest.fixture
def world(
    fake_slack: FakeSlack, repo: Repository, clock: FakeClock, slack_extra: dict[str, Any]
) -> Iterator[SlackWorld]:
    with slack_world(fake_slack, repo, clock, **slack_extra) as built:
        yield built
