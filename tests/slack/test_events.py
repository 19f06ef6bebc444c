"""Thread replies, edits, deletes and retries through the real /slack/events endpoint."""

from __future__ import annotations

import copy
import json

from tests.fake_slack import BOT_ID, TEAM
from tests.fakes import settle
from tests.slack.conftest import (
    CHANNEL,
    MEMBER,
    NOMINEE,
    OTHER,
    SlackWorld,
    delete_event,
    edit_event,
    sample,
)

STORY = "stayed late on Friday to call the customer back and fixed their order"


def test_the_daily_post_is_block_kit_with_its_post_key_and_a_nominate_button(world: SlackWorld):
    world.post_today()

    call = world.fake.of("chat.postMessage")[0]
    blocks = call.params["blocks"]
    assert call.params["channel"] == CHANNEL
    assert blocks[0]["type"] == "header" and "level" in blocks[0]["text"]["text"]
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["values_nominate"]
    metadata = call.params["metadata"]
    assert metadata["event_type"] == "values_daily_post"
    assert metadata["event_payload"]["post_key"] == f"slack:{TEAM}:{CHANNEL}:2026-11-23"
    words = json.dumps(blocks, ensure_ascii=False)
    assert "Key meaning" in words and "Scoring" in words and "To nominate" in words
    assert call.params["text"].startswith("📌")  # the plain-text fallback


def test_a_thread_reply_naming_a_colleague_is_evidence_and_gets_a_reaction(world: SlackWorld):
    post = world.post_today()
    event = world.reply_event(post, f"<@{NOMINEE}> {STORY}")

    response = world.send_event(event)

    assert response.status_code == 200
    assert world.evidence() == [(f"slack:{NOMINEE}", f"slack:{MEMBER}", STORY)]
    reaction = world.fake.wait_for("reactions.add")[0]
    assert reaction.params["timestamp"] == event["event"]["ts"]
    assert reaction.params["channel"] == CHANNEL
    dm = world.fake.wait_for("chat.postMessage", 2)[1]  # the post, then the nominee's DM
    assert dm.params["channel"] == NOMINEE and STORY in dm.params["text"]


def test_the_same_event_again_with_a_retry_header_adds_nothing(world: SlackWorld):
    post = world.post_today()
    event = world.reply_event(post, f"<@{NOMINEE}> {STORY}")
    assert world.send_event(event).status_code == 200
    world.fake.wait_for("reactions.add")

    assert world.send_event(event, retry=1).status_code == 200
    assert world.send_event(event).status_code == 200

    assert len(world.evidence()) == 1
    settle(world.bot.work)  # let any answer in flight finish
    assert len(world.fake.of("reactions.add")) == 1


def test_legacy_mentions_rich_text_and_several_nominees(world: SlackWorld):
    post = world.post_today()
    event = world.reply_event(post, f"<@{NOMINEE}|wang> &amp; <@{OTHER}> {STORY}")
    event["event"]["blocks"] = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "user", "user_id": NOMINEE},
                        {"type": "user", "user_id": "W999"},
                    ],
                }
            ],
        }
    ]

    world.send_event(event)

    stored = world.evidence()
    assert sorted(n for n, _, _ in stored) == [f"slack:{OTHER}", f"slack:{NOMINEE}", "slack:W999"]
    assert {s for _, _, s in stored} == {f"& {STORY}"}


def test_an_edit_changes_the_story_and_a_delete_retracts_it(world: SlackWorld):
    post = world.post_today()
    reply = world.reply_event(post, f"<@{NOMINEE}> {STORY}")
    world.send_event(reply)
    ts = reply["event"]["ts"]

    text = f"<@{NOMINEE}> {STORY}, and wrote the customer a handwritten note"
    assert world.send_event(edit_event(CHANNEL, ts, post, MEMBER, text)).status_code == 200
    assert world.evidence()[0][2].endswith("handwritten note")

    assert world.send_event(delete_event(CHANNEL, ts)).status_code == 200
    assert world.evidence() == []

    assert world.send_event(reply, retry=2).status_code == 200  # a late retry of the original
    assert world.evidence() == []


def test_a_thread_broadcast_counts_once(world: SlackWorld):
    post = world.post_today()
    broadcast = copy.deepcopy(sample("event_thread_broadcast.json"))
    stamp = f"{world.clock.now().timestamp() + 90:.6f}"
    broadcast["event"] |= {
        "text": f"<@{NOMINEE}> {STORY}",
        "user": MEMBER,
        "ts": stamp,
        "thread_ts": post,
        "channel": CHANNEL,
    }
    broadcast["event"]["root"]["ts"] = post
    plain = world.reply_event(post, f"<@{NOMINEE}> {STORY}", ts=stamp)

    world.send_event(broadcast)
    world.send_event(plain)

    assert len(world.evidence()) == 1


def test_other_messages_are_acknowledged_and_ignored_quietly(world: SlackWorld):
    post = world.post_today()
    top_level = world.reply_event(post, f"<@{NOMINEE}> {STORY}")
    top_level["event"].pop("thread_ts")
    elsewhere = world.reply_event("1700000000.999999", f"<@{NOMINEE}> {STORY}")
    from_bot = world.reply_event(post, f"<@{NOMINEE}> {STORY}")
    from_bot["event"]["bot_id"] = BOT_ID
    joined = world.reply_event(post, "has joined the channel")
    joined["event"]["subtype"] = "channel_join"
    mention = sample("socket_envelope_app_mention.json")["payload"]

    for body in (top_level, elsewhere, from_bot, joined, mention):
        assert world.send_event(body).status_code == 200

    assert world.evidence() == []
    settle(world.bot.work)
    assert world.fake.of("chat.postEphemeral") == []
    assert world.fake.of("reactions.add") == []


def test_a_refusal_is_an_ephemeral_message_in_the_thread(world: SlackWorld):
    post = world.post_today()

    world.send_event(world.reply_event(post, f"<@{MEMBER}> {STORY}"))  # themselves
    world.send_event(world.reply_event(post, f"<@{NOMINEE}> great"))  # too short

    calls = world.fake.wait_for("chat.postEphemeral", 2)
    assert {c.params["user"] for c in calls} == {MEMBER}
    assert {c.params["thread_ts"] for c in calls} == {post}
    texts = " ".join(c.params["text"] for c in calls)
    assert "can't nominate yourself" in texts and "too short" in texts
    assert world.evidence() == []


def test_nominating_a_bot_is_refused(world: SlackWorld):
    post = world.post_today()
    world.fake.bots.add("UHELPERBOT")

    world.send_event(world.reply_event(post, f"<@UHELPERBOT> {STORY}"))

    assert world.evidence() == []
    assert "Bots can't" in world.fake.wait_for("chat.postEphemeral")[0].params["text"]


def test_no_direct_message_when_the_channel_turns_it_off(world: SlackWorld):
    post = world.post_today(notify_nominees=False)

    world.send_event(world.reply_event(post, f"<@{NOMINEE}> {STORY}"))

    world.fake.wait_for("reactions.add")
    settle(world.bot.work)
    assert [c.params["channel"] for c in world.fake.of("chat.postMessage")] == [CHANNEL]
