"""`values-bot cases …` and `values-bot rubric check --database | migrate` (issue 14): the
operator moderates with an admin's rights, audited, and a pack switch is refused at start
until the stored cases are mapped."""

from __future__ import annotations

import io
import json

import pytest

from bot.app.clock import SystemClock
from bot.config import Settings
from bot.platforms.console.chat import Console
from bot.wiring import build
from storage.repository import open_repository
from tests.test_cli import STORY


@pytest.fixture
def case_number(sqlite_url) -> int:  # type: ignore[no-untyped-def]
    """alice nominated bob in #console today (the CLI reads with the system clock)."""
    runtime = build(
        Settings(database_url=sqlite_url), clock=SystemClock(), repo=open_repository(sqlite_url)
    )
    console = Console(runtime.chat, io.StringIO(), posts=runtime.posts)
    console.start()
    console.handle_line("/as alice")
    console.handle_line(f"@bob {STORY}")
    runtime.repo.people.remember({"console:bob": "Bob Li"}, now=runtime.clock.now())
    cycle = runtime.service.reading.cycle(None)
    number = runtime.repo.cases.listing(starts_on=cycle.starts_on, ends_on=cycle.ends_on)[0].id
    runtime.close()
    return number


def _repo(sqlite_url):  # type: ignore[no-untyped-def]
    return open_repository(sqlite_url)


def test_cases_list_shows_numbers_names_and_stories_and_is_audited(cli, case_number, sqlite_url):
    code, out, _ = cli("cases", "list", "--person", "console:bob")

    assert code == 0
    [line] = out.splitlines()
    assert line.startswith(f"c{case_number}\t") and "Bob Li (console:bob)" in line
    assert STORY in line and "customer-first:" in line
    assert any(e.action == "cases_list" for e in _repo(sqlite_url).governance.audit_log())


def test_hide_restore_and_move_from_the_shell(cli, case_number, sqlite_url):
    hidden = cli("cases", "hide", f"c{case_number}", "--reason", "duplicate of an older case")
    summary = json.loads(cli("summary", "--format", "json")[1] or "[]")
    listed = cli("cases", "list", "--state", "hidden")[1]

    assert hidden[0] == 0 and "从考核中隐藏" in hidden[1]
    assert all(p["person"] != "console:bob" or p["total"] == 0 for p in summary)
    assert "duplicate of an older case" in listed
    repo = _repo(sqlite_url)
    [notice] = repo.outbox.claim(("console",), now=SystemClock().now())
    assert notice.person == "console:alice" and notice.key == "case_hidden_notice"

    restored = cli("cases", "restore", f"c{case_number}")
    unknown = cli("cases", "move", f"c{case_number}", "--to", "happiness:9")
    moved = cli("cases", "move", f"c{case_number}", "--to", "integrity:3")
    missing = cli("cases", "hide", "c999999", "--reason", "x")

    assert restored[0] == 0 and unknown[0] == 1 and moved[0] == 0 and missing[0] == 1
    actions = [e.action for e in repo.governance.audit_log()]
    assert {"case_hide", "case_restore", "case_move"} <= set(actions)
    case = repo.cases.case(case_number)
    assert case is not None and (case.criterion_key, case.state) == ("integrity:3", "active")


def test_a_pack_switch_is_refused_at_start_until_the_cases_are_mapped(
    cli, case_number, sqlite_url, monkeypatch
):
    assert cli("rubric", "check", "--database")[0] == 0
    monkeypatch.setenv("BOT_RUBRIC", "jd-customer-first")  # also has a customer-first:1

    checked = cli("rubric", "check", "--database")
    started = cli("run")
    bad = cli("rubric", "migrate", "--map", "customer-first:1=nowhere:1")

    assert checked[0] == 1 and "customer-first:1" in checked[1] and "alibaba-six-vein" in checked[1]
    assert started[0] == 2 and "rubric migrate" in started[2], started
    assert bad[0] == 2
    key = _repo(sqlite_url).cases.case(case_number)
    assert key is not None and key.rubric_key == "alibaba-six-vein"  # nothing moved

    migrated = cli("rubric", "migrate", "--map", "customer-first:1=customer-first:2")

    assert migrated[0] == 0
    assert cli("rubric", "check", "--database")[0] == 0
    case = _repo(sqlite_url).cases.case(case_number)
    assert case is not None and (case.rubric_key, case.criterion_key) == (
        "jd-customer-first",
        "customer-first:2",
    )
    assert any(e.action == "rubric_migrate" for e in _repo(sqlite_url).governance.audit_log())
