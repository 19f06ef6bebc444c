"""Reading Slack payloads: mentions in every form, and no exception on anything hostile."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.nominations import parse_nomination
from bot.platforms.slack.translate import (
    click,
    command_words,
    incoming,
    submission,
    text_and_mentions,
)


def test_mentions_in_every_form_and_slack_escapes():
    text, mentions = text_and_mentions("<@U1AB> &amp; <@W2CD|li> fixed it &lt;fast&gt;")

    assert text == "<@U1AB> & <@W2CD> fixed it <fast>"
    assert [m.person for m in mentions] == ["slack:U1AB", "slack:W2CD"]
    assert [text[m.start : m.end] for m in mentions] == ["<@U1AB>", "<@W2CD>"]


def test_command_words_write_people_and_channels_for_the_core():
    assert command_words("summary <@U123|wang> <#C456|general> cycle:2026Q4") == (
        "summary @slack:U123 #slack:C456 cycle:2026Q4"
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
event_keys = st.sampled_from(
    [
        "type",
        "subtype",
        "channel",
        "user",
        "ts",
        "thread_ts",
        "text",
        "blocks",
        "message",
        "previous_message",
        "deleted_ts",
        "bot_id",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    event=st.dictionaries(event_keys, json_values, max_size=10),
    team=json_values,
)
def test_any_event_shape_translates_or_is_ignored_without_an_exception(
    event: dict[str, Any], team: Any
):
    event.setdefault("type", "message")
    found = incoming({"team_id": team, "event": event})
    if found is not None:
        parse_nomination(found.text, found.mentions, author=found.author)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_keeps_mention_spans_inside_the_text(text: str):
    cleaned, mentions = text_and_mentions(text)
    for mention in mentions:
        assert 0 <= mention.start <= mention.end <= len(cleaned)
    command_words(text)


@settings(max_examples=200, deadline=None)
@given(
    body=st.dictionaries(
        st.sampled_from(
            ["actions", "channel", "user", "container", "view", "team", "trigger_id", "message"]
        ),
        json_values,
        max_size=8,
    )
)
def test_any_button_or_form_payload_is_read_or_refused_without_an_exception(body: dict[str, Any]):
    click(body)
    submission(body)
