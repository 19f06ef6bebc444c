"""Socket Mode envelopes reach the same handlers; managers from a Slack user group."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

from tests.slack.conftest import MEMBER, NOMINEE, SlackWorld, sample

STORY = "rebuilt the broken invoice export over the weekend for the finance team"


def envelope(world: SlackWorld, post: str, *, retry: int) -> SocketModeRequest:
    raw = sample("socket_envelope_message_user_mention_retry.json")
    stamp = f"{world.clock.now().timestamp() + 30:.6f}"
    raw["payload"]["event"] |= {
        "text": f"<@{NOMINEE}> {STORY}",
        "user": MEMBER,
        "ts": stamp,
        "thread_ts": post,
        "blocks": [],
    }
    raw["retry_attempt"] = retry
    request = SocketModeRequest.from_dict(raw)
    assert request is not None
    return request


def test_a_socket_mode_envelope_and_its_retry_store_one_case(world: SlackWorld):
    post = world.post_today()

    first = run_bolt_app(world.bot.app, envelope(world, post, retry=0))
    retried = run_bolt_app(world.bot.app, envelope(world, post, retry=1))

    assert (first.status, retried.status) == (200, 200)
    assert world.evidence() == [(f"slack:{NOMINEE}", f"slack:{MEMBER}", STORY)]


@pytest.fixture
def slack_extra() -> dict[str, Any]:
    return {"slack_manager_group": "S0MANAGERS"}


def test_members_of_the_manager_user_group_may_read_summaries(world: SlackWorld):
    world.fake.group_members = ["ULEAD"]
    post = world.post_today()
    world.send_event(world.reply_event(post, f"<@{NOMINEE}> {STORY}"))

    world.command("ULEAD", "summary")
    world.command("UOTHER", "summary")

    answers = world.fake.wait_for("respond", 2)
    texts = sorted(json.dumps(c.params, ensure_ascii=False) for c in answers)
    assert sum(STORY in t for t in texts) == 1
    assert sum("Only managers" in t for t in texts) == 1


def test_without_user_groups_the_bot_says_so_once_and_uses_configuration(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
):
    world.fake.group_members = None  # a free plan: plan_upgrade_required

    for _ in range(3):
        world.command("ULEAD", "summary")
    world.fake.wait_for("respond", 3)

    assert len(world.fake.of("usergroups.users.list")) == 1
    warnings = [r for r in caplog.records if "SLACK_MANAGER_GROUP" in r.getMessage()]
    assert len(warnings) == 1
    assert all("Only managers" in c.params["text"] for c in world.fake.responses())
