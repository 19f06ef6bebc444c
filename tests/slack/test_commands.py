"""/values commands: fast acknowledgements, answers through the response URL, paging, export."""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import load_workbook

from tests.fake_slack import TEAM
from tests.slack.conftest import ADMIN, CHANNEL, MANAGER, MEMBER, NOMINEE, OTHER, SlackWorld

STORY = "answered the customer's midnight call and shipped the fix before dawn"


def nominate(world: SlackWorld, post: str, nominee: str, n: int, user: str = MEMBER) -> None:
    stamp = f"{world.clock.now().timestamp() + n:.6f}"
    world.send_event(world.reply_event(post, f"<@{nominee}> {STORY} #{n}", ts=stamp, user=user))


def answer(world: SlackWorld, count: int = 1) -> dict[str, Any]:
    """The newest message sent through a response URL."""
    return world.fake.wait_for("respond", count)[-1].params


def test_help_and_today_are_answered_in_the_acknowledgement(world: SlackWorld):
    world.post_today()

    help_ = world.command(MEMBER, "help")
    today = world.command(MEMBER, "today")

    assert help_.status_code == 200 and help_.json()["response_type"] == "ephemeral"
    assert "/values summary" in help_.json()["text"]
    assert today.json()["blocks"][0]["type"] == "header"


def test_an_unknown_command_gets_a_friendly_answer(world: SlackWorld):
    response = world.command(MEMBER, "sumary")

    assert response.status_code == 200
    assert "don't know the command" in response.json()["text"]


def test_summary_from_a_member_is_refused_and_from_a_manager_is_an_ephemeral_summary(
    world: SlackWorld,
):
    post = world.post_today()
    nominate(world, post, NOMINEE, 1)

    refused = world.command(MEMBER, "summary")
    assert refused.status_code == 200 and refused.json()["response_type"] == "ephemeral"
    assert "Only managers and admins" in answer(world)["text"]

    world.command(MANAGER, f"summary <#{CHANNEL}|general>")
    summary = answer(world, 2)
    assert summary["response_type"] == "ephemeral"
    text = json.dumps(summary["blocks"], ensure_ascii=False)
    assert f"<@{NOMINEE}>" in text and STORY in text
    assert any(e.actor == f"slack:{MANAGER}" for e in world.repo.governance.audit_log())


def test_me_shows_what_was_said_about_you(world: SlackWorld):
    post = world.post_today()
    nominate(world, post, NOMINEE, 1)

    world.command(NOMINEE, "me")

    assert STORY in answer(world)["text"]


def test_a_large_summary_is_paged_with_buttons_not_cut(world: SlackWorld):
    post = world.post_today()
    people = [f"U{n:06d}" for n in range(60)]
    for n, person in enumerate(people):
        nominate(world, post, person, n + 1)

    world.command(ADMIN, "summary")
    first = answer(world)
    assert len(first["blocks"]) <= 50
    pager = [b for b in first["blocks"] if b["type"] == "actions"][-1]
    next_button = pager["elements"][-1]
    assert json.loads(next_button["value"])["p"] == 2

    seen = set()
    page, count = first, 1
    while True:
        seen |= {p for p in people if f"<@{p}>" in json.dumps(page["blocks"])}
        buttons = [
            e
            for b in page["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["text"]["text"].startswith("Next")
        ]
        if not buttons:
            break
        world.interact(click(world, ADMIN, buttons[0]))
        count += 1
        page = answer(world, count)
        assert page["replace_original"] is True and len(page["blocks"]) <= 50
    assert seen == set(people)


def test_a_page_button_is_authorised_again_for_whoever_clicks_it(world: SlackWorld):
    post = world.post_today()
    for n in range(60):
        nominate(world, post, f"U{n:06d}", n + 1)
    world.command(ADMIN, "summary")
    button = next(b for b in answer(world)["blocks"] if b["type"] == "actions")["elements"][-1]

    world.interact(click(world, MEMBER, button))

    assert "Only managers and admins" in answer(world, 2)["text"]


def click(world: SlackWorld, user: str, button: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "values-test"},
        "user": {"id": user},
        "channel": {"id": CHANNEL},
        "api_app_id": "A111",
        "trigger_id": "111.222.xxx",
        "response_url": f"{world.fake.url}respond/page",
        "actions": [{**button, "block_id": "pager", "action_ts": "1700000000.1"}],
    }


def test_subscribe_and_unsubscribe_in_a_channel_are_for_admins(world: SlackWorld):
    refused = world.command(MEMBER, "subscribe 10:15", channel="C777")
    assert "Only admins" in refused.json()["text"]
    assert world.repo.subscriptions.get(platform="slack", workspace=TEAM, channel="C777") is None

    done = world.command(ADMIN, "subscribe 10:15 Europe/Berlin", channel="C777")
    assert "10:15" in done.json()["text"]
    sub = world.repo.subscriptions.get(platform="slack", workspace=TEAM, channel="C777")
    assert sub is not None and (sub.post_at, sub.timezone) == ("10:15", "Europe/Berlin")

    world.command(ADMIN, "unsubscribe", channel="C777")
    sub = world.repo.subscriptions.get(platform="slack", workspace=TEAM, channel="C777")
    assert sub is not None and not sub.active


def test_export_sends_a_spreadsheet_to_the_admins_direct_messages(world: SlackWorld):
    post = world.post_today()
    nominate(world, post, NOMINEE, 1)

    world.command(ADMIN, "export cycle:2026Q4")

    assert "direct messages" in answer(world)["text"]
    opened = world.fake.of("conversations.open")[0]
    assert opened.params["users"] == ADMIN
    complete = world.fake.of("files.completeUploadExternal")[0]
    assert complete.params["channel_id"] == "D" + ADMIN[1:]
    upload = world.fake.of("upload")[0].params["body"]
    book = load_workbook(io.BytesIO(upload))
    header = [c.value for c in book.worksheets[0][1]]
    rows = [
        dict(zip(header, (c.value for c in r), strict=True))
        for r in book.worksheets[0].iter_rows(min_row=2)
    ]
    assert [r["Story"] for r in rows] == [f"{STORY} #1"]
    assert complete.params["files"] and "xlsx" in complete.params["files"]
    assert any(e.action == "export" for e in world.repo.governance.audit_log())


def test_export_is_a_managers_own_channels_and_refused_to_a_member(world: SlackWorld):
    post = world.post_today()
    nominate(world, post, NOMINEE, 1)

    world.command(MEMBER, "export")
    assert "Only managers" in answer(world)["text"]

    world.command(MANAGER, "export")
    complete = world.fake.wait_for("files.completeUploadExternal", 1)[-1]
    assert complete.params["files"] and "xlsx" in complete.params["files"]
    entry = next(e for e in world.repo.governance.audit_log() if e.action == "export")
    assert entry.actor == f"slack:{MANAGER}" and entry.scope.startswith("all")


def test_a_mention_in_summary_arguments_is_understood(world: SlackWorld):
    post = world.post_today()
    nominate(world, post, NOMINEE, 1)
    nominate(world, post, OTHER, 2)

    world.command(ADMIN, f"summary <@{OTHER}|li>")

    blocks = json.dumps(answer(world)["blocks"])
    assert f"<@{OTHER}>" in blocks and f"<@{NOMINEE}>" not in blocks


def test_values_web_answers_a_sign_in_link_only_to_whoever_asked(world: SlackWorld):
    world.runtime.service.signin.public_url = "https://values.example.com"

    acknowledged = world.command(MEMBER, "web")

    said = answer(world)
    assert acknowledged.json()["response_type"] == "ephemeral"
    assert said["response_type"] == "ephemeral"
    assert "https://values.example.com/app/signin?t=" in said["text"]
    assert world.fake.of("chat.postMessage") == []  # nothing in the channel
