import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.nominations import Mention, Nomination, Refusal, parse_nomination

STORY = "客户账号被盗后，他用其他凭证核实身份，帮客户绑定新号码"


def mention(text: str, name: str) -> Mention:
    start = text.index(f"@{name}")
    return Mention(f"console:{name}", start, start + len(name) + 1)


def parse(text: str, names: list[str], author: str = "console:alice", **kw) -> Nomination | Refusal:
    return parse_nomination(text, [mention(text, n) for n in names], author=author, **kw)


def test_a_mention_and_a_story_make_a_nomination():
    """The story is the text without the mentions."""
    assert Nomination(("console:bob",), STORY) == parse(f"@bob {STORY}", ["bob"])


def test_several_nominees_share_one_story():
    assert parse(f"@bob @dan {STORY}", ["bob", "dan"]).nominees == ("console:bob", "console:dan")


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (STORY, [], Refusal.NO_MENTION),
        (f"@alice {STORY}", ["alice"], Refusal.SELF),
        (f"@valuesbot {STORY}", ["valuesbot"], Refusal.BOT),
        ("@bob 好样的", ["bob"], Refusal.STORY_TOO_SHORT),
        ("@bob !!!!!!!!!!!!!!!!", ["bob"], Refusal.STORY_TOO_SHORT),
        ("@bob " + "很棒" * 20_000, ["bob"], Refusal.STORY_TOO_LONG),  # a 40,000-character story
        (
            "@bob \u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b",
            ["bob"],
            Refusal.STORY_TOO_SHORT,
        ),
    ],
)
def test_each_refusal_has_its_own_reason(text, names, expected):
    """Self, bot, no mention and a short story are refused, each for its own reason."""
    assert expected == parse(text, names, bots=frozenset({"console:valuesbot"}))


def test_naming_yourself_beside_a_colleague_records_the_colleague():
    """The author is left out (and told so); alone, they are refused."""
    result = parse(f"@bob @alice {STORY}", ["bob", "alice"])

    assert result == Nomination(("console:bob",), STORY, skipped_self=True)
    assert parse(f"@alice {STORY}", ["alice"]) == Refusal.SELF


@pytest.mark.parametrize(
    "text",
    [
        "@bob 能把今天会议的纪要发我吗？",
        "@bob can you send me the notes from today's meeting?",
        "@bob 能把今天会议的纪要和下周的排期一起发我吗",
        "@bob 这个客户的问题你那边处理完了吗？🙏🙏",
    ],
)
def test_a_question_is_not_a_nomination(text):
    assert parse(text, ["bob"]) == Refusal.QUESTION


@pytest.mark.parametrize(
    "text",
    [
        "@bob 👍👍👍👍👍👍👍👍👍👍👍👍",
        "@bob +1 +1 +1 +1 +1 +1",
        "@bob 🎉🎉 好棒 🎉🎉 🙌🏽🙌🏽🙌🏽 ❤️❤️❤️",
        "@bob 👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧 !!! ???. ...",
    ],
)
def test_emoji_punctuation_and_plus_ones_are_not_a_story(text):
    """Only letters, digits and ideographs count towards the minimum."""
    assert parse(text, ["bob"]) == Refusal.STORY_TOO_SHORT


def test_a_story_that_mentions_a_question_on_the_way_is_still_a_story():
    text = "@bob 客户问能不能当天恢复账号，他核实身份后半小时就帮客户找回了账号。"

    assert isinstance(parse(text, ["bob"]), Nomination)


def test_the_minimum_story_length_is_configurable():
    """Ten characters by default; a team can ask for more."""
    text = "@bob 帮客户找回了账号密码"

    assert isinstance(parse(text, ["bob"]), Nomination)
    assert parse(text, ["bob"], min_story=20) == Refusal.STORY_TOO_SHORT


def test_invisible_characters_are_dropped_from_the_story():
    """Zero-width and bidi controls and NUL bytes never reach storage."""
    text = f"@bob \u200b{STORY}\u202e\x00"

    assert parse(text, ["bob"]).story == STORY


@given(
    st.text(max_size=300), st.lists(st.tuples(st.integers(0, 300), st.integers(0, 30)), max_size=5)
)
def test_parsing_never_raises(text, spans):
    """Any text with any mention spans gives a nomination or a refusal."""
    mentions = [Mention(f"console:p{i}", s, s + n) for i, (s, n) in enumerate(spans)]

    result = parse_nomination(text, mentions, author="console:me")

    assert isinstance(result, Nomination | Refusal)
