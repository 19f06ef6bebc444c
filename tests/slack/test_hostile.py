"""Hostile input through the real HTTP endpoints: never a 500, nothing stored wrongly.

Hypothesis builds signed bodies of every shape (arbitrary JSON, event payloads with fields of
the wrong type, interactivity payloads, slash commands with any text) and unsigned garbage.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.fakes import settle
from tests.slack.conftest import NOMINEE, SlackWorld, sample, signed_headers

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
NASTY = st.lists(
    st.sampled_from(
        list("ab <>@#|!^&*\\\"'")
        + ["\x00", "\u200b", "\u202e", "\u2066", "😀", "👨‍👩‍👧", "客户", "مرحبا", "\n"]
    ),
    max_size=40,
).map("".join)
HEADER = st.characters(min_codepoint=33, max_codepoint=126)  # what an HTTP header can carry
HYPOTHESIS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
EVENT_FIELDS = ["user", "text", "ts", "thread_ts", "channel", "subtype", "blocks", "message",
                "previous_message", "deleted_ts", "bot_id", "edited"]  # fmt: skip


def _post(world: SlackWorld, raw: str, kind: str = "application/json") -> int:
    return world.http.post(
        world.url, content=raw, headers=signed_headers(raw, kind=kind)
    ).status_code


@HYPOTHESIS
@given(body=JSON)
def test_signed_arbitrary_json_never_fails(world: SlackWorld, body: Any):
    assert _post(world, json.dumps(body)) < 500


@HYPOTHESIS
@given(changes=st.dictionaries(st.sampled_from(EVENT_FIELDS), JSON | NASTY, max_size=5),
       top=st.dictionaries(st.sampled_from(["team_id", "event_id", "type", "authorizations"]), JSON, max_size=2))  # fmt: skip
@example(changes={"ts": "\x00"}, top={})  # PostgreSQL refuses NUL in text: found by Hypothesis
@example(changes={"channel": "C111\x00"}, top={"team_id": "T\x00"})
def test_signed_events_with_fields_of_any_type_never_fail(world: SlackWorld, changes, top):
    body = copy.deepcopy(sample("event_thread_reply_in_channel.json"))
    body["event"].update(changes)
    body.update(top)
    before = world.evidence()

    assert _post(world, json.dumps(body)) < 500
    settle(world.bot.work)
    assert world.evidence() == before  # no daily post in C111 yet: nothing can be stored


@HYPOTHESIS
@given(payload=JSON, text=NASTY)
@example(payload={"view": []}, text="")  # Bolt's own logging read view.get: found by Hypothesis
@example(payload={"type": "block_actions", "actions": [None, 1]}, text="")
def test_signed_interactivity_and_commands_with_any_content_never_fail(
    world: SlackWorld, payload, text
):
    from urllib.parse import urlencode

    kind = "application/x-www-form-urlencoded"
    assert _post(world, urlencode({"payload": json.dumps(payload)}), kind) < 500
    assert world.command("U333", text).status_code < 500
    settle(world.bot.work)


@HYPOTHESIS
@given(
    raw=st.binary(max_size=200),
    stamp=st.text(HEADER, max_size=12),
    signature=st.text(HEADER, max_size=70),
)
def test_unsigned_garbage_is_refused_with_401(
    world: SlackWorld, raw: bytes, stamp: str, signature: str
):
    headers = {"x-slack-request-timestamp": stamp, "x-slack-signature": signature}
    response = world.http.post(world.url, content=raw, headers=headers)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("stayed\x00 late to fix the customer's order", "stayed late to fix the customer's order"),
        (
            "stayed\u200b late to fix the \u202ecustomer's order",
            "stayed late to fix the customer's order",
        ),
        ("ساعد العميل في الليل 😀 客户第一", "ساعد العميل في الليل 😀 客户第一"),
        (
            "👨‍👩‍👧 drove to the customer's site at night",
            "👨‍👩‍👧 drove to the customer's site at night",
        ),
    ],
)
def test_hostile_characters_are_cleaned_before_storing(world: SlackWorld, text: str, stored: str):
    thread = world.post_today()
    assert world.send_event(world.reply_event(thread, f"<@{NOMINEE}> {text}")).status_code == 200
    settle(world.bot.work)
    assert [story for _n, _a, story in world.evidence()] == [stored]


@pytest.mark.parametrize("field", ["ts", "user", "team_id"])
def test_a_reply_whose_ids_carry_a_nul_byte_is_ignored_not_a_500(world: SlackWorld, field: str):
    """PostgreSQL refuses NUL in text: such an id must never reach the database."""
    thread = world.post_today()
    body = world.reply_event(thread, f"<@{NOMINEE}> stayed late to fix the customer's order")
    target = body if field == "team_id" else body["event"]
    target[field] = target[field] + "\x00"

    assert world.send_event(body).status_code == 200
    settle(world.bot.work)
    assert world.evidence() == []


def test_a_forty_thousand_character_story_is_refused_clearly_and_not_stored(world: SlackWorld):
    thread = world.post_today()
    story = "客户第一" * 10_000
    assert world.send_event(world.reply_event(thread, f"<@{NOMINEE}> {story}")).status_code == 200
    settle(world.bot.work)

    assert world.evidence() == []
    [told] = world.fake.of("chat.postEphemeral")
    assert "longer than 4000 characters" in told.params["text"]
