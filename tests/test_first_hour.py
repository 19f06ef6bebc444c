"""A new admin's first hour: every bad setting or argument is one clear line, no traceback;
nothing is created by reading; cycles, roles, subscriptions and erasure check what they are told.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.test_cli import nominated  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent


def _run(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    import os

    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DINGTALK_", "BOT_"))
    } | {"BOT_LOCALE": "en"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=base | (env or {}), input=stdin,
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ("DATABASE_URL=nonsense", "DATABASE_URL should look like"),
        ("DATABASE_URL=mysql://u@127.0.0.1/db", "mysql is not supported"),
        (
            "DATABASE_URL=postgresql+psycopg2://u@127.0.0.1/test",
            "'postgresql+psycopg2' is not installed",
        ),
        (
            "DATABASE_URL=postgresql://u@127.0.0.1:1/test",
            "Cannot use the database postgresql+psycopg://u@127.0.0.1:1/test",
        ),
        (
            "DATABASE_URL=postgresql://nosuchrole:secret@127.0.0.1:5432/test",
            'role "nosuchrole" does not exist',
        ),
        ("BOT_RUBRIC=nope", "BOT_RUBRIC: no pack named 'nope'"),
        (
            "SLACK_APP_TOKEN=xapp-1-A0B1C2D3E4-5678",
            "SLACK_BOT_TOKEN is missing (SLACK_APP_TOKEN set)",
        ),
        ("DINGTALK_CLIENT_SECRET=s3cr3t-value-here", "DINGTALK_CLIENT_ID is missing"),
    ],
)
def test_a_bad_setting_is_one_line_and_no_traceback(setting: str, says: str, tmp_path: Path):
    name, _, value = setting.partition("=")
    env = {"XDG_DATA_HOME": str(tmp_path), name: value}
    done = _run("run", env=env)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr
    assert "secret" not in done.stderr  # a password in DATABASE_URL is never printed
    assert not (tmp_path / "values-bot").exists() or name != "BOT_RUBRIC"


def test_a_pack_saved_as_gbk_is_one_line(tmp_path: Path):
    pack = tmp_path / "gbk.yaml"
    source = (ROOT / "prompts/rubrics/jd-customer-first.yaml").read_text(encoding="utf-8")
    pack.write_bytes(source.encode("gbk"))
    done = _run("rubric", "check", str(pack))
    assert (
        done.returncode == 1 and "not UTF-8 text" in done.stderr and "Traceback" not in done.stderr
    )


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "--limit", "-5"),
        ("subscribe", "--platform", "slack", "--channel", ""),
        ("subscribe", "--platform", "slack", "--channel", "C0 1; DROP"),
        ("subscribe", "--platform", "console", "--channel", "console", "--country", "XX"),
        ("subscribe", "--platform", "console", "--channel", "console", "--workdays", "2027-02-30"),
    ],
)
def test_argparse_refuses_with_a_line_not_a_traceback(args, capsys):
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "error: argument" in err and "Traceback" not in err


def test_read_commands_never_create_a_database(tmp_path: Path):
    for args in (
        ("summary",),
        ("audit",),
        ("roles", "list"),
        ("cycles", "list"),
        ("subscriptions",),
    ):
        done = _run(*args, env={"XDG_DATA_HOME": str(tmp_path)})
        assert done.returncode == 1 and "No database at" in done.stderr, args
    assert not (tmp_path / "values-bot" / "values-bot.db").exists()


def test_output_piped_into_head_is_no_error():
    shown = subprocess.run(
        f"{sys.executable} -m bot rubric show | head -1", shell=True, capture_output=True,
        text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert shown.stdout.startswith("# ") and shown.stderr == ""


def test_version_loads_neither_sdk_nor_the_database():
    probe = (
        "import sys; from bot.entry import main; main(['--version']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('slack_sdk', 'slack_bolt', 'dingtalk_stream', 'sqlalchemy', 'holidays')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.splitlines() == ["values-bot 0.1.0", "[]"]
    offline = "import sys; from bot.cli import main; main(['rubric', 'check', 'jd-customer-first']); print(sorted(m for m in sys.modules if m.split('.')[0] in ('slack_sdk', 'slack_bolt', 'dingtalk_stream')))"
    done = subprocess.run([sys.executable, "-c", offline], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.splitlines()[-1] == "[]"


def test_roles_say_what_cannot_be(cli, monkeypatch):  # noqa: F811
    monkeypatch.setenv("BOT_LOCALE", "en")
    code, _, err = cli("roles", "grant", "--role", "admin", "--user", "slack:U1", "--channel", "C1")
    assert code == 2 and "An admin reads every channel" in err
    cli("roles", "grant", "--role", "manager", "--user", "slack:U1", "--channel", "slack:C1")
    code, _, err = cli(
        "roles", "revoke", "--role", "manager", "--user", "slack:U9", "--channel", "slack:C1"
    )
    assert code == 1 and "slack:U9 has no manager grant on slack:C1 to revoke" in err
    assert (
        cli("roles", "revoke", "--role", "manager", "--user", "slack:U1", "--channel", "slack:C1")[
            1
        ]
        == "revoked 1 grant\n"  # one language, and its plural
    )
    monkeypatch.setenv("BOT_LOCALE", "zh")
    cli("roles", "grant", "--role", "manager", "--user", "slack:U1", "--channel", "slack:C1")
    _, out, _ = cli("roles", "revoke", "--role", "manager", "--user", "slack:U1")
    assert out == "已撤销 1 项授权\n"


def test_a_channel_without_its_platform_is_found_or_the_platforms_named(cli, nominated):  # noqa: F811
    code, out, err = cli("summary", "--channel", "console")
    assert code == 0 and "console:bob" in out and "#console" in out
    assert "sqlite:///" in err  # the database read is named
    cli("subscribe", "--platform", "slack", "--channel", "console", "--workspace", "T1")
    code, _, err = cli("summary", "--channel", "console")
    assert code == 1 and "console:console or slack:console" in err
    code, _, err = cli("summary", "--channel", "C0NOPE")
    assert code == 1 and "没有订阅的频道 C0NOPE" in err


def test_forget_asks_first_and_says_an_unknown_person(cli, nominated):  # noqa: F811
    code, _, err = cli("forget", "--user", "console:bob")  # no terminal: no confirmation
    assert code == 1 and "没有删除任何内容" in err
    assert "console:bob" in cli("summary", "--format", "json")[1]
    code, _, err = cli("forget", "--user", "console:nobody", "--yes")
    assert code == 0 and (
        "Nothing stored names console:nobody" in err or "没有任何记录提到 console:nobody" in err
    )


def test_a_subscription_in_another_countrys_time_zone_takes_its_calendar(cli):  # noqa: F811
    cli("subscribe", "--platform", "console", "--channel", "console", "--tz", "Asia/Tokyo")
    assert "country=JP" in cli("subscriptions")[1]
    cli("subscribe", "--platform", "console", "--channel", "console", "--tz", "Asia/Shanghai")
    assert "country=CN" in cli("subscriptions")[1]


def test_cycles_edit_remove_and_an_explicit_current_one(cli, nominated):  # noqa: F811
    assert (
        cli(
            "cycles", "add", "--id", "团建日", "--start", nominated_day(), "--end", nominated_day()
        )[0]
        == 0
    )
    _, listed, _ = cli("cycles", "list")
    assert "(current quarter)" in listed  # a one-day cycle does not take over
    assert cli("cycles", "current", "--id", "团建日")[0] == 0
    assert "(current)" in cli("cycles", "list")[1].split("团建日")[1].splitlines()[0]
    assert cli("cycles", "current", "--quarter")[0] == 0
    assert cli("cycles", "edit", "--id", "团建日", "--end", "2099-01-01")[0] == 0
    cli("export", "--cycle", "团建日", "--format", "json")
    code, _, err = cli("cycles", "edit", "--id", "团建日", "--end", "2099-02-01")
    assert code == 1 and "已经导出过" in err
    assert cli("cycles", "remove", "--id", "团建日")[0] == 1
    assert (
        cli("cycles", "add", "--id", "2027H1", "--start", "2027-01-01", "--end", "2027-06-30")[0]
        == 0
    )
    assert cli("cycles", "remove", "--id", "2027h1")[0] == 0
    assert "2027H1" not in cli("cycles", "list")[1]
    assert cli("cycles", "remove", "--id", "nope")[0] == 1


def nominated_day() -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
