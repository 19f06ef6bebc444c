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


def test_case_commands_take_a_case_number_and_the_rest_as_text() -> None:
    from bot.core.commands import Command

    assert parse_command("move c12 诚信 3") == Command("move", case=12, text="诚信 3")
    assert parse_command("hide c5 duplicate of c4") == Command(
        "hide", case=5, text="duplicate of c4"
    )
    assert parse_command("undo") == Command("undo")
    assert parse_command("record") == Command("record")
    assert parse_command("restore c3") == Command("restore", case=3)
    assert isinstance(parse_command("record c3 please"), CommandError)
    assert isinstance(parse_command("undo soon"), CommandError)
