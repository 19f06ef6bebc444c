"""The Nominate button: a modal with colleagues and a story, stored like a thread reply."""

from __future__ import annotations

import json
from typing import Any

from tests.fake_slack import TEAM
from tests.fakes import settle
from tests.slack.conftest import CHANNEL, MEMBER, NOMINEE, SlackWorld

STORY = "covered the on-call shift so a teammate could attend her graduation"


def press_nominate(world: SlackWorld, post: str, user: str = MEMBER) -> dict[str, Any]:
    """Click the post's button; returns the modal the bot opened."""
    message = world.fake.of("chat.postMessage")[0].params
    button = next(b for b in message["blocks"] if b["type"] == "actions")["elements"][0]
    response = world.interact(
        {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user},
            "channel": {"id": CHANNEL},
            "container": {"type": "message", "message_ts": post, "channel_id": CHANNEL},
            "trigger_id": "1234.5678.abcd",
            "actions": [{**button, "block_id": "x", "action_ts": "1.2"}],
        }
    )
    assert response.status_code == 200
    opened = world.fake.wait_for("views.open")[-1].params
    assert opened["trigger_id"] == "1234.5678.abcd"
    view = opened["view"]
    return view if isinstance(view, dict) else json.loads(view)


def submit(
    world: SlackWorld,
    view: dict[str, Any],
    users: list[str],
    story: str,
    *,
    view_id: str = "V1",
    criterion: str | None = None,
) -> Any:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": MEMBER},
        "view": {
            **view,
            "id": view_id,
            "state": {
                "values": {
                    "nominees": {
                        "nominees": {"type": "multi_users_select", "selected_users": users}
                    },
                    "story": {"story": {"type": "plain_text_input", "value": story}},
                }
                | (
                    {"criterion": {"criterion": {"selected_option": {"value": criterion}}}}
                    if criterion
                    else {}
                )
            },
        },
    }
    return world.interact(payload)


def test_the_modal_stores_the_case_and_posts_it_in_the_thread(world: SlackWorld):
    post = world.post_today()
    view = press_nominate(world, post)
    assert view["callback_id"] == "values_nomination"

    response = submit(world, view, [NOMINEE], STORY)

    assert response.status_code == 200 and response.text in ("", "null")
    assert world.evidence() == [(f"slack:{NOMINEE}", f"slack:{MEMBER}", STORY)]
    posts = world.fake.wait_for("chat.postMessage", 3)  # the post, the case, the DM
    in_thread = [c for c in posts if c.params.get("thread_ts") == post]
    assert len(in_thread) == 1 and STORY in in_thread[0].params["text"]
    assert any(c.params["channel"] == NOMINEE for c in posts)


def test_a_submitted_modal_twice_is_one_case(world: SlackWorld):
    post = world.post_today()
    view = press_nominate(world, post)

    submit(world, view, [NOMINEE], STORY)
    submit(world, view, [NOMINEE], STORY)

    assert len(world.evidence()) == 1


def test_a_private_channel_keeps_modal_cases_out_of_the_thread(world: SlackWorld):
    post = world.post_today(private_cases=True)
    view = press_nominate(world, post)

    submit(world, view, [NOMINEE], STORY)

    world.fake.wait_for("chat.postMessage", 2)
    settle(world.bot.work)
    assert len(world.evidence()) == 1
    assert not any(c.params.get("thread_ts") for c in world.fake.of("chat.postMessage"))


def test_a_bad_modal_shows_the_reason_on_the_field_and_stores_nothing(world: SlackWorld):
    post = world.post_today()
    view = press_nominate(world, post)

    yourself = submit(world, view, [MEMBER], STORY, view_id="V2").json()
    short = submit(world, view, [NOMINEE], "thanks!", view_id="V3").json()

    assert yourself["response_action"] == "errors" and "nominees" in yourself["errors"]
    assert "yourself" in yourself["errors"]["nominees"]
    assert "too short" in short["errors"]["story"]
    assert world.evidence() == []


def test_the_form_files_a_case_under_the_criterion_its_author_picks(world: SlackWorld):
    from bot.core.cycles import quarter_of

    post = world.post_today()
    view = press_nominate(world, post)
    menu = next(b for b in view["blocks"] if b["block_id"] == "criterion")
    assert menu["optional"] and any(o["value"] == "integrity:4" for o in menu["element"]["options"])

    submit(world, view, [NOMINEE], STORY, criterion="integrity:4")
    submit(world, view, [NOMINEE], STORY + " again", view_id="V2", criterion="no-such:9")

    cycle = quarter_of(world.clock.now().date())
    cases = world.repo.cases.listing(starts_on=cycle.starts_on, ends_on=cycle.ends_on)
    assert sorted((c.criterion_key, c.moved_from) for c in cases) == [
        ("customer-first:1", ""),  # an unknown choice: the day's
        ("integrity:4", "customer-first:1"),
    ]
    settle(world.bot.work)
    recorded = [c.params for c in world.fake.of("chat.postEphemeral")]
    assert any("Integrity" in str(p.get("text")) and "Undo" in json.dumps(p) for p in recorded)
