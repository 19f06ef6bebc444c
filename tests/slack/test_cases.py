"""A case's buttons on Slack (issue 14): asked before a doubtful reply is recorded, [Undo] and
[Change criterion] under every recorded one, a better-fitting criterion offered; every click is
a signed block_actions payload, checked against the case's author."""

from __future__ import annotations

import json
from typing import Any

from tests.fake_slack import TEAM
from tests.slack.conftest import CHANNEL, MEMBER, NOMINEE, OTHER, SlackWorld, signed_headers

PRAISE = "answered the customer's midnight call and shipped the fix before dawn"
MIXED = "was late again to standup, but then stayed to help me fix the customer's broken export"
TEAMWORK = (
    "shared her debugging notes with the whole team and helped two colleagues fix their "
    "flaky tests without being asked"
)


def ephemerals(world: SlackWorld, count: int) -> list[dict[str, Any]]:
    return [c.params for c in world.fake.wait_for("chat.postEphemeral", count)]


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """action_id → element, for every element of the message's actions blocks."""
    blocks = message["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    found = {}
    for block in blocks:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            found[element["action_id"]] = element
    return found


def press(world: SlackWorld, user: str, element: dict[str, Any], option: int | None = None):
    action = {"action_id": element["action_id"], "block_id": "case", "action_ts": "1.2"}
    if option is None:
        action |= {"type": "button", "value": element["value"]}
    else:
        action |= {"type": "static_select", "selected_option": element["options"][option]}
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "values-test"},
        "user": {"id": user},
        "channel": {"id": CHANNEL},
        "container": {"type": "message", "channel_id": CHANNEL, "is_ephemeral": True},
        "api_app_id": "A111",
        "trigger_id": "111.222.xxx",
        "response_url": f"{world.fake.url}respond/case-{user}",
        "actions": [action],
    }
    return world.interact(payload)


def reply(world: SlackWorld, post: str, text: str, n: int = 1) -> dict[str, Any]:
    stamp = f"{world.clock.now().timestamp() + n:.6f}"
    body = world.reply_event(post, f"<@{NOMINEE}> {text}", ts=stamp)
    assert world.send_event(body).status_code == 200
    return body


def test_a_doubtful_reply_is_recorded_only_when_its_author_presses_record(world: SlackWorld):
    post = world.post_today()
    reply(world, post, MIXED)

    asked = ephemerals(world, 1)[-1]
    assert "Record it as a case" in asked["text"] and asked["user"] == MEMBER
    assert world.evidence() == []  # not counted while asked
    assert not world.fake.of("reactions.add")

    record = buttons(asked)["values_case_record"]
    refused = press(world, OTHER, record)  # somebody else's click changes nothing
    assert refused.status_code == 200
    answer = world.fake.wait_for("respond", 1)[-1].params
    assert "Only the author" in answer["text"] and world.evidence() == []

    press(world, MEMBER, record)
    recorded = world.fake.wait_for("respond", 2)[-1].params
    assert "Recorded" in recorded["text"] and recorded["replace_original"] in (True, "true")
    assert world.evidence() == [(f"slack:{NOMINEE}", f"slack:{MEMBER}", MIXED)]
    world.fake.wait_for("reactions.add", 1)
    dms = [c.params for c in world.fake.wait_for("chat.postMessage", 2)]  # the post, the DM
    assert any(d["channel"] == NOMINEE for d in dms)


def test_no_drops_a_doubtful_reply_for_good(world: SlackWorld):
    post = world.post_today()
    body = reply(world, post, MIXED)
    press(world, MEMBER, buttons(ephemerals(world, 1)[-1])["values_case_discard"])

    assert "not recorded" in world.fake.wait_for("respond", 1)[-1].params["text"]
    world.send_event(body, retry=1)  # Slack's retry of the same reply
    assert world.evidence() == []


def test_undo_withdraws_a_case_and_a_retry_does_not_bring_it_back(world: SlackWorld):
    post = world.post_today()
    body = reply(world, post, PRAISE)
    world.fake.wait_for("reactions.add", 1)
    confirmation = ephemerals(world, 1)[-1]
    assert "Recorded" in confirmation["text"]
    assert world.evidence() != []

    press(world, MEMBER, buttons(confirmation)["values_case_undo"])

    assert "Withdrawn" in world.fake.wait_for("respond", 1)[-1].params["text"]
    assert world.evidence() == []
    world.send_event(body, retry=2)
    assert world.evidence() == []
    audit = world.repo.governance.audit_log()
    assert any(e.action == "case_withdraw" and e.actor == f"slack:{MEMBER}" for e in audit)


def test_the_criterion_menu_moves_a_case_and_the_move_is_kept(world: SlackWorld):
    post = world.post_today()
    reply(world, post, PRAISE)
    menu = buttons(ephemerals(world, 1)[-1])["values_case_move"]
    option = next(
        i for i, o in enumerate(menu["options"]) if json.loads(o["value"])["k"] == "integrity:4"
    )

    press(world, MEMBER, menu, option)

    assert "Integrity" in world.fake.wait_for("respond", 1)[-1].params["text"]
    case = world.repo.cases.listing(starts_on=_start(world), ends_on=_end(world))[0]
    assert case.criterion_key == "integrity:4" and case.moved_from.startswith("customer-first:")
    assert any(e.action == "case_move" for e in world.repo.governance.audit_log())


def test_a_story_that_fits_another_value_gets_a_one_click_move(world: SlackWorld):
    post = world.post_today()  # a customer-first day
    reply(world, post, TEAMWORK)

    confirmation = ephemerals(world, 1)[-1]
    assert "reads more like Teamwork" in confirmation["text"]
    move_to = buttons(confirmation)["values_case_move_to"]
    press(world, MEMBER, move_to)

    world.fake.wait_for("respond", 1)
    case = world.repo.cases.listing(starts_on=_start(world), ends_on=_end(world))[0]
    assert case.criterion_key.startswith("teamwork:")


def test_a_forged_click_gets_401_and_changes_nothing(world: SlackWorld):
    post = world.post_today()
    reply(world, post, PRAISE)
    undo = buttons(ephemerals(world, 1)[-1])["values_case_undo"]
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": MEMBER},
        "channel": {"id": CHANNEL},
        "actions": [{"action_id": undo["action_id"], "value": undo["value"]}],
    }
    raw = "payload=" + json.dumps(payload)
    headers = signed_headers(raw, kind="application/x-www-form-urlencoded")
    headers["x-slack-signature"] = "v0=" + "0" * 64

    assert world.http.post(world.url, content=raw, headers=headers).status_code == 401
    assert world.evidence() != []


def test_a_click_with_a_hostile_value_is_ignored(world: SlackWorld):
    post = world.post_today()
    reply(world, post, PRAISE)
    for value in ("not json", '{"m": 5}', '{"m": "x\\u0000y"}', "[]", '{"m": "1", "k": ""}'):
        element = {"action_id": "values_case_move_to", "value": value}
        assert press(world, MEMBER, element).status_code == 200
    assert world.evidence() != []


def _start(world: SlackWorld):
    from bot.core.cycles import quarter_of

    return quarter_of(world.clock.now().date()).starts_on


def _end(world: SlackWorld):
    from bot.core.cycles import quarter_of

    return quarter_of(world.clock.now().date()).ends_on


def test_names_come_from_users_info_and_are_remembered(world: SlackWorld):
    world.fake.names |= {NOMINEE: "Wang Wu", MEMBER: "Li Si"}
    post = world.post_today()
    reply(world, post, PRAISE)
    world.fake.wait_for("chat.postEphemeral", 1)

    from tests.fakes import settle

    settle(world.bot.work)
    names = world.repo.people.names([f"slack:{NOMINEE}", f"slack:{MEMBER}"])
    assert names == {f"slack:{NOMINEE}": "Wang Wu", f"slack:{MEMBER}": "Li Si"}
