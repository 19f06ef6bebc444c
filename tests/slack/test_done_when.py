"""Issue 3's "done when", as a new user would try it: the bot running with --http.

A real `values-bot run --http` process, the fake Slack Web API as SLACK_API_URL, the CLI for the
admin's steps and signed requests for what Slack would send.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest

from bot.cli import main
from tests.fake_slack import TEAM, FakeSlack
from tests.serving import bot_process
from tests.slack.conftest import (
    ADMIN,
    MANAGER,
    MEMBER,
    NOMINEE,
    SECRET,
    TOKEN,
    delete_event,
    edit_event,
    sample,
    signed_headers,
)

CHANNEL = "C0DONE"
STORY = "drove two hours to replace the customer's broken scanner before their launch"


@pytest.fixture
def env(fake_slack: FakeSlack, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "DATABASE_URL": sqlite_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "BOT_ADMINS": f"slack:{ADMIN}",
        "BOT_LOCALE": "en",
        "BOT_TICK_SECONDS": "86400",  # the admin posts by hand here
    }
    for name in ("SLACK_APP_TOKEN", "DINGTALK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[str]:
    with bot_process(env) as base:
        yield f"{base}/slack/events"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_the_done_when_day(server: str, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]):
    http = httpx.Client(timeout=10)

    def send(body: dict, **extra: str) -> httpx.Response:  # type: ignore[type-arg]
        raw = json.dumps(body)
        return http.post(server, content=raw, headers=signed_headers(raw) | extra)

    def command(user: str, text: str) -> dict:  # type: ignore[type-arg]
        fields = {
            "team_id": TEAM,
            "channel_id": CHANNEL,
            "user_id": user,
            "command": "/values",
            "text": text,
            "response_url": f"{fake_slack.url}respond/{user}",
            "trigger_id": "1.2.3",
        }
        raw = urlencode(fields)
        kind = "application/x-www-form-urlencoded"
        answered = len(fake_slack.responses())
        response = http.post(server, content=raw, headers=signed_headers(raw, kind=kind))
        assert response.status_code == 200
        return fake_slack.wait_for("respond", answered + 1)[-1].params

    # an admin subscribes a channel; `values-bot post` puts the Block Kit post there
    assert (
        cli(capsys, "subscribe", "--platform", "slack", "--channel", CHANNEL, "--at", "09:30")[0]
        == 0
    )
    assert cli(capsys, "post", "--platform", "slack", "--channel", CHANNEL)[0] == 0
    posted = fake_slack.of("chat.postMessage")[0].params
    assert posted["channel"] == CHANNEL and posted["blocks"][0]["type"] == "header"
    post_ts = fake_slack.messages[CHANNEL][0]["ts"]

    # a signed thread reply mentioning a colleague gets a reaction and shows in the summary
    reply = sample("event_thread_reply_in_channel.json")
    stamp = f"{time.time():.6f}"
    reply["team_id"] = TEAM
    reply["event"] |= {
        "user": MEMBER,
        "text": f"<@{NOMINEE}> {STORY}",
        "ts": stamp,
        "thread_ts": post_ts,
        "channel": CHANNEL,
    }
    assert send(reply).status_code == 200
    assert fake_slack.wait_for("reactions.add")[0].params["timestamp"] == stamp

    def cases() -> list[dict]:  # type: ignore[type-arg]
        code, out = cli(capsys, "summary", "--format", "json")
        assert code == 0
        return [c for p in json.loads(out) for c in p["newest"]]

    assert [c["story"] for c in cases()] == [STORY]

    # the same event again with X-Slack-Retry-Num: 1 adds nothing
    assert (
        send(
            reply, **{"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
        ).status_code
        == 200
    )
    assert len(cases()) == 1

    # an edit changes the story and a delete removes it
    edited = f"<@{NOMINEE}> {STORY}, twice"
    assert send(edit_event(CHANNEL, stamp, post_ts, MEMBER, edited)).status_code == 200
    assert [c["story"] for c in cases()] == [f"{STORY}, twice"]
    assert send(delete_event(CHANNEL, stamp)).status_code == 200
    assert cases() == []

    # a forged signature gets 401 and stores nothing
    forged = json.dumps(reply)
    headers = signed_headers(forged, secret="forged")
    assert http.post(server, content=forged, headers=headers).status_code == 401
    assert cases() == []

    # /values summary from a member is refused; from a manager it is an ephemeral summary
    assert send(reply | {"event": reply["event"] | {"ts": f"{time.time():.6f}"}}).status_code == 200
    assert "Only managers" in command(MEMBER, "summary")["text"]
    granted = cli(
        capsys,
        "roles",
        "grant",
        "--role",
        "manager",
        "--user",
        f"slack:{MANAGER}",
        "--channel",
        CHANNEL,
    )
    assert granted[0] == 0
    answer = command(MANAGER, "summary")
    assert answer["response_type"] == "ephemeral" and STORY in json.dumps(answer["blocks"])
