"""Retention: evidence of cycles closed longer ago than BOT_RETENTION_DAYS is deleted, audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.core.messages import Place
from bot.wiring import Runtime
from tests.fakes import add_case, shanghai

PLACE = Place("console", "default", "team")


def _case(runtime: Runtime, message: str, day: date) -> None:
    add_case(
        runtime.repo, PLACE, message=message, nominee="console:ann", nominator="console:bob",
        story=f"story {message}", day=day, now=runtime.clock.now(),
    )  # fmt: skip


def _stories(runtime: Runtime) -> list[str]:
    from storage.evidence import EvidenceFilter

    every = EvidenceFilter(starts_on=date(2000, 1, 1), ends_on=date(2100, 1, 1))
    return [r.story for r in runtime.repo.exports.records(every)]


def test_retention_deletes_closed_cycles_past_the_period_and_audits_it(runtime: Runtime, clock):
    _case(runtime, "old", date(2025, 11, 20))  # 2025Q4: closed 2025-12-31
    _case(runtime, "recent", date(2026, 2, 10))  # 2026Q1: closed less than 365 days ago
    runtime.service.reading.retention_days = 365
    clock.set(shanghai(2027, 1, 5, 3))

    through, removed = runtime.service.reading.apply_retention("cli:hr") or (None, 0)

    assert (through, removed) == (date(2025, 12, 31), 1)
    assert _stories(runtime) == ["story recent"]
    entry = runtime.repo.governance.audit_log(limit=1)[0]
    assert entry.action == "retention" and entry.actor == "cli:hr" and "1 cases" in entry.detail


def test_retention_off_keeps_everything(runtime: Runtime, clock):
    _case(runtime, "old", date(2020, 1, 6))
    clock.set(shanghai(2027, 1, 5, 3))

    assert runtime.service.reading.apply_retention() is None
    assert _stories(runtime) == ["story old"]


@pytest.mark.parametrize("raw", ["-1", "a year"])
def test_a_bad_retention_setting_is_named(raw: str):
    from bot.config import ConfigError, Settings

    with pytest.raises(ConfigError) as error:
        Settings.from_env({"BOT_RETENTION_DAYS": raw})
    assert "BOT_RETENTION_DAYS" in str(error.value)


def test_the_purge_command_reports_what_it_deleted(sqlite_url, monkeypatch, capsys):
    from bot.cli import main
    from bot.config import Settings
    from bot.wiring import opened

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BOT_LOCALE", "en")
    assert main(["purge"]) == 0
    assert "Retention is off" in capsys.readouterr().out

    monkeypatch.setenv("BOT_RETENTION_DAYS", "30")
    with opened(replace(Settings.from_env({"DATABASE_URL": sqlite_url}))) as rt:
        _case(rt, "ancient", date(2019, 5, 6))
    assert main(["purge"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 case deleted")
