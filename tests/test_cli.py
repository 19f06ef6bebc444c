"""The `values-bot` command line, as an admin uses it from a shell."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.config import Settings
from bot.platforms.console.chat import Console
from bot.wiring import build
from storage.repository import open_repository

ROOT = Path(__file__).resolve().parents[1]
STORY = "客户账号被盗后，他用其他凭证核实身份，帮客户绑定新号码并找回账号"


@pytest.fixture
def nominated(sqlite_url):
    """alice nominated bob in #console today (real time: the CLI uses the system clock)."""
    from bot.app.clock import SystemClock

    clock = SystemClock()
    runtime = build(
        Settings(database_url=sqlite_url), clock=clock, repo=open_repository(sqlite_url)
    )
    console = Console(runtime.chat, io.StringIO(), posts=runtime.posts)
    console.start()
    console.handle_line("/as alice")
    console.handle_line(f"@bob {STORY}")
    runtime.close()
    return runtime.service.reading.cycle(None).id


def test_summary_json_has_one_object_per_person(cli, nominated):
    code, out, _ = cli("summary", "--format", "json")

    people = json.loads(out)
    assert code == 0
    assert [p["person"] for p in people] == ["console:bob"]
    assert people[0]["total"] == 1
    assert {k: people[0]["values"]["customer-first"][k] for k in ("cases", "ceiling")} == {
        "cases": 1,
        "ceiling": 2,
    }


def test_cli_reads_are_audited(cli, nominated):
    cli("summary", "--user", "console:bob")
    _, out, _ = cli("audit")

    assert "summary" in out and "console:bob" in out


def test_export_csv_starts_with_a_bom_and_holds_the_case_then_forget_removes_it(
    cli, nominated, tmp_path
):
    target = tmp_path / "cases.csv"

    code, _, err = cli("export", "--cycle", nominated, "--format", "csv", "--out", str(target))
    raw = target.read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    forget_code, forget_out, _ = cli("forget", "--user", "console:bob", "--yes")
    again, _, empty = cli(
        "export", "--cycle", nominated, "--format", "csv", "--out", str(target), "--force"
    )
    _, audit, _ = cli("audit")

    assert (code, forget_code) == (0, 0)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert [(r["nominee"], r["nominator"], r["value"], r["story"]) for r in rows] == [
        ("console:bob", "console:alice", "customer-first", STORY)
    ]
    assert "已删除关于其的 1 条案例" in forget_out
    assert "导出周期" in err and "的 1 个案例" in err and "values-bot.db" in err
    assert again == 0 and "还没有案例" in empty  # nothing left: said, and no file written
    assert "forget" in audit


def test_export_json_is_valid_json(cli, nominated):
    code, out, _ = cli("export", "--cycle", nominated, "--format", "json")

    assert code == 0
    assert [r["story"] for r in json.loads(out)] == [STORY]


def test_subscriptions_roles_and_cycles(cli):
    assert (
        cli(
            "subscribe",
            "--platform",
            "slack",
            "--channel",
            "C024BE91L",
            "--workspace",
            "T024BE7LG",
            "--at",
            "9:05",
            "--tz",
            "Europe/Berlin",
            "--country",
            "de",
        )[0]
        == 0
    )
    _, listing, _ = cli("subscriptions")
    assert "slack:C024BE91L" in listing and "at=09:05" in listing and "country=DE" in listing
    assert "workspace=T024BE7LG" in listing and "notify_nominees=on" in listing

    assert (
        cli("roles", "grant", "--role", "manager", "--user", "slack:U1", "--channel", "C024BE91L")[
            0
        ]
        == 0
    )
    assert cli("roles", "grant", "--role", "manager", "--user", "slack:U2")[0] == 2
    _, roles, _ = cli("roles", "list")
    assert "slack:U1\tmanager\tslack:C024BE91L" in roles

    assert (
        cli("cycles", "add", "--id", "2026H2", "--start", "2026-07-01", "--end", "2026-12-31")[0]
        == 0
    )
    code, _, err = cli(
        "cycles", "add", "--id", "2026H2", "--start", "2026-07-01", "--end", "2026-12-31"
    )
    assert (code, err.strip()) == (1, "周期「2026H2」已经存在。")
    assert "2026H2" in cli("cycles", "list")[1]

    assert cli("unsubscribe", "--platform", "slack", "--channel", "C024BE91L")[0] == 0
    assert "C024BE91L" not in cli("subscriptions")[1]


def test_post_is_at_most_once_a_day(cli):
    cli("subscribe", "--platform", "console", "--channel", "console")

    first = cli("post", "--platform", "console", "--channel", "console")
    second = cli("post", "--platform", "console", "--channel", "console")

    assert first[0] == 0 and "客户第一" in first[1]
    assert "已经发布过了" in second[1]


@pytest.mark.parametrize(
    "args",
    [
        ("summary", "--user", "bob"),
        ("subscribe", "--platform", "slack", "--channel", "C1", "--at", "25:00"),
        ("subscribe", "--platform", "slack", "--channel", "C1", "--tz", "Mars/Olympus"),
    ],
)
def test_bad_arguments_get_a_clear_message_and_change_nothing(cli, args):
    with pytest.raises(SystemExit) as exited:
        cli(*args)

    assert exited.value.code == 2
    assert cli("subscriptions")[1] == ""


def test_an_unknown_cycle_is_refused_politely(cli):
    assert cli("db", "upgrade")[0] == 0
    code, _, err = cli("summary", "--cycle", "nope")

    assert code == 1
    assert "没有叫「nope」的周期" in err


def test_bad_settings_are_all_reported_at_once(cli, monkeypatch):
    monkeypatch.setenv("BOT_LOCALE", "fr")
    monkeypatch.setenv("BOT_TIMEZONE", "Nowhere/Land")

    code, _, err = cli("subscriptions")

    assert code == 2
    assert "BOT_LOCALE" in err and "BOT_TIMEZONE" in err


def _subcommands(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found += _subcommands(sub, (*prefix, name))
    return found


@pytest.mark.parametrize("command", _subcommands(build_parser()))
def test_every_subcommand_has_help_and_a_readme_mention(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])

    assert exited.value.code == 0
    assert "usage: values-bot" in capsys.readouterr().out
    assert f"values-bot {' '.join(command)}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_running_without_a_platform_opens_the_console(sqlite_url, tmp_path):
    """`values-bot run` with no credentials starts the console chat (a real process)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DINGTALK_"))}
    env["DATABASE_URL"] = sqlite_url
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], input=f"/as alice\n@bob {STORY}\n/quit\n",
        capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "values-bot 控制台" in done.stdout
    assert "已记录 console:alice 对 console:bob 的提名" in done.stdout
