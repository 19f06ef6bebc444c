import pytest

from bot.core.commands import Command, CommandError, parse_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Command("help")),
        ("today", Command("today")),
        ("SUMMARY", Command("summary")),
        (
            "summary @console:bob cycle:2026Q4 value:teamwork",
            Command("summary", person="console:bob", cycle="2026Q4", value="teamwork"),
        ),
        ("summary #console:sales", Command("summary", channel="console:sales")),
        ("subscribe 9:30 Asia/Shanghai", Command("subscribe", time="09:30", zone="Asia/Shanghai")),
        ("me cycle:2026H2", Command("me", cycle="2026H2")),
        ("dance", CommandError("unknown_command", "dance")),
        ("summary please", CommandError("unknown_argument", "please")),
        ("me @console:bob", CommandError("unknown_argument", "@console:bob")),
        ("summary cycle:a cycle:b", CommandError("unknown_argument", "cycle:b")),
        ("subscribe 25:00", CommandError("unknown_argument", "25:00")),
    ],
)
def test_command_words(text, expected):
    """Known commands take their own arguments; anything else is named back to the user."""
    assert expected == parse_command(text)
