"""A crash after Slack delivered an event and before it was stored loses nothing.

values-bot stores before it acknowledges (process_before_response, R7): a real `values-bot run
--http` process is killed (SIGKILL) while its store waits on a database write lock, Slack gets
no acknowledgement, and its redelivery to the restarted bot stores the case exactly once.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time

import httpx
import pytest

from tests.fake_slack import TEAM, FakeSlack
from tests.serving import bot_process, running_bot
from tests.slack.conftest import MEMBER, NOMINEE, sample, signed_headers
from tests.slack.test_done_when import CHANNEL, STORY, cli, env  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow  # a real process killed and restarted


def test_a_bot_killed_before_storing_never_acknowledged_and_the_redelivery_is_stored_once(
    env: dict[str, str],  # noqa: F811
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
):
    cli(capsys, "subscribe", "--platform", "slack", "--channel", CHANNEL, "--at", "09:30")
    assert cli(capsys, "post", "--platform", "slack", "--channel", CHANNEL)[0] == 0
    post_ts = fake_slack.messages[CHANNEL][0]["ts"]
    reply = sample("event_thread_reply_in_channel.json")
    stamp = f"{time.time():.6f}"
    reply["team_id"] = TEAM
    reply["event"] |= {
        "user": MEMBER, "text": f"<@{NOMINEE}> {STORY}", "ts": stamp, "thread_ts": post_ts,
        "channel": CHANNEL,
    }  # fmt: skip
    raw = json.dumps(reply)
    database = env["DATABASE_URL"].removeprefix("sqlite:///")

    outcome: list[object] = []
    with running_bot(env) as (base, process):
        blocker = sqlite3.connect(database, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")  # the store will wait on this lock

        def deliver() -> None:
            try:
                outcome.append(
                    httpx.post(f"{base}/slack/events", content=raw, headers=signed_headers(raw))
                )
            except httpx.TransportError as error:
                outcome.append(error)

        sender = threading.Thread(target=deliver)
        sender.start()
        time.sleep(1.0)  # the bot has the event and is storing it…
        process.send_signal(signal.SIGKILL)  # …and dies
        process.wait()
        sender.join(10)
        blocker.execute("COMMIT")
        blocker.close()

    assert len(outcome) == 1 and isinstance(outcome[0], httpx.TransportError)  # never acked
    code, out = cli(capsys, "summary", "--format", "json")
    assert [c for p in json.loads(out) for c in p["newest"]] == []

    with bot_process(env) as base:  # restarted; Slack delivers the event again
        headers = signed_headers(raw) | {
            "x-slack-retry-num": "1",
            "x-slack-retry-reason": "http_timeout",
        }
        assert httpx.post(f"{base}/slack/events", content=raw, headers=headers).status_code == 200
        again = httpx.post(f"{base}/slack/events", content=raw, headers=headers)
        assert again.status_code == 200

    code, out = cli(capsys, "summary", "--format", "json")
    assert [c["story"] for p in json.loads(out) for c in p["newest"]] == [STORY]
