"""Reading robot messages: the sample payloads, mentions, commands, and hostile shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.platforms.dingtalk.render import PART_BYTES, DingTalkRenderer, escape, pack, size
from bot.platforms.dingtalk.translate import command_words, message
from tests.dingtalk.conftest import sample

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def read(payload: Any) -> Any:
    return message(payload, robot_code="dingRobot", now=NOW)


def test_the_documented_http_callback_reads_as_a_group_message() -> None:
    msg = read(sample("http_callback_group_at_message.json"))
    assert msg.group and msg.author == "dingtalk:user123" and msg.author_name == "杨xx"
    assert msg.text == " 你好" and msg.place.channel == "xxx" and msg.place.workspace == "dingRobot"
    assert [m.person for m in msg.mentions] == ["dingtalk:xxx"]  # its one atUser is not the robot
    assert msg.session_webhook.startswith("https://oapi.dingtalk.com/robot/sendBySession")
    assert msg.at == datetime.fromtimestamp(1613630252.678, UTC)


def test_the_robot_is_dropped_from_at_users_in_the_stream_frame() -> None:
    data = json.loads(sample("stream_frame_group_at_message.json")["data"])
    data["senderStaffId"] = "16650698"  # the documented frame redacts it with ***
    msg = read(data)
    # its only atUser is the robot (redacted differently from chatbotUserId) without a staffId
    assert msg.mentions == [] and msg.group
    assert msg.at == NOW  # the doc's typo `createA`: no createAt, so "now"


def test_the_captured_one_to_one_frame_and_rich_text() -> None:
    direct = read(json.loads(sample("stream_frame_1to1_text_captured.json")["data"]))
    assert not direct.group and direct.text == "?" and direct.author_name == "张三"
    rich = sample("callback_1to1_richtext.json")
    rich["senderStaffId"] = "042297"
    msg = read(rich)
    assert (
        msg.kind == "richText"
        and msg.text == "这个问题示例图如下： 通过以上示意图可以明白完整的交互流程"
    )


def base(text: str, at: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "conversationId": "cid1",
        "senderStaffId": "s1",
        "msgId": "m1",
        "chatbotUserId": "robot",
        "msgtype": "text",
        "conversationType": "2",
        "text": {"content": text},
        "atUsers": [{"dingtalkId": "robot"}, *at],
    }


def test_commands_are_recognised_by_their_first_word() -> None:
    def words(text: str, *staff: str) -> str | None:
        at = [{"dingtalkId": f"d{s}", "staffId": s} for s in staff]
        return command_words(read(base(text, at)))

    assert words(" summary @张三 cycle:2026Q4", "z1") == "summary @dingtalk:z1 cycle:2026Q4"
    assert words(" /values 汇总") == "summary"
    assert words(" 订阅 09:30") == "subscribe 09:30"
    assert words(" ") == "help"
    assert words(" @张三 summary of what he did for the customer", "z1") is None
    assert words(" 今天客户夸了我们", "z1") is None
    assert words(" summary @外部人") == "summary"  # an @name with no staffId is dropped


def test_people_outside_the_organisation_are_not_nominated() -> None:
    msg = read(base(" @外部 帮了大忙", [{"dingtalkId": "dX"}]))
    assert msg.mentions == []


junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = ["conversationId", "senderStaffId", "msgId", "msgtype", "text", "content", "atUsers",
        "chatbotUserId", "createAt", "sessionWebhookExpiredTime", "conversationType", "senderNick"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), junk, max_size=12))
def test_no_payload_shape_raises(payload: dict[str, Any]) -> None:
    msg = read(payload)
    if msg is not None:
        command_words(msg)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.lists(st.text(min_size=1, max_size=8), max_size=4))
def test_any_text_and_mentions_are_read_without_error(text: str, staff: list[str]) -> None:
    at = [{"dingtalkId": f"d{n}", "staffId": s} for n, s in enumerate(staff)]
    msg = read(base(text, at))
    assert msg is not None
    assert {m.person for m in msg.mentions} <= {f"dingtalk:{s}" for s in staff}
    command_words(msg)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=3000), min_size=1, max_size=12))
def test_packing_never_loses_text_nor_exceeds_the_limit(parts: list[str]) -> None:
    chunks = pack(parts, PART_BYTES)
    assert all(size(c) <= PART_BYTES for c in chunks)
    squeeze = "".join("".join(chunks).split())
    assert squeeze == "".join("".join(parts).split())


def test_people_s_words_cannot_inject_markdown() -> None:
    assert escape("**bold** [x](http://evil) # h <font>") == (
        "\\*\\*bold\\*\\* \\[x\\](http://evil) \\# h ‹font›"
    )


def test_every_criterion_renders_within_the_limit(rubric: Any) -> None:
    from bot.words.templates import Templates

    for locale in ("zh", "en"):
        render = DingTalkRenderer(Templates(locale), rubric, min_story=10)
        for criterion in rubric.criteria:
            post = render.daily_post(criterion)
            assert size(json.dumps(post.param(), ensure_ascii=False)) < 15_000
            assert "|" not in post.text.replace("\\|", "")
