"""`values-bot calendar` and `subscribe --workdays`, as an admin would run them."""

from __future__ import annotations

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def english(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_LOCALE", "en")
    monkeypatch.setenv("DATABASE_URL", sqlite_url)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def posting_days(out: str, month: str) -> list[int]:
    line = next(line for line in out.splitlines() if line.startswith(f"{month}:"))
    return [int(d) for d in line.split(":", 2)[2].split()]


def test_2027_skips_new_year_and_the_spring_festival_and_names_dates_to_check(capsys):
    code, out, _ = run(capsys, "calendar", "--year", "2027")

    assert code == 0
    assert 1 not in posting_days(out, "2027-01") and 4 in posting_days(out, "2027-01")
    assert not {5, 8, 9, 10} & set(posting_days(out, "2027-02"))
    assert "2027-01-01 Fri  skipped: public holiday (New Year's Day)" in out
    assert "2027-02-08 Mon  skipped: public holiday" in out
    assert "not known to the holidays package yet" in out and "2027-02-13 Sat" in out


def test_an_announced_year_shows_its_official_make_up_workdays(capsys):
    code, out, _ = run(capsys, "calendar", "--year", "2026")

    assert code == 0 and "not known" not in out
    assert "2026-02-14 Sat  posts: official make-up workday" in out
    assert 14 in posting_days(out, "2026-02")


def test_a_channels_calendar_has_its_company_workdays_and_days_off(capsys):
    assert (
        run(
            capsys,
            "subscribe", "--platform", "console", "--channel", "console",
            "--workdays", "2027-02-20", "--days-off", "2027-02-11",
        )[0]
        == 0
    )  # fmt: skip
    code, out, _ = run(capsys, "calendar", "--year", "2027", "--channel", "console")

    assert code == 0 and "· console:console" in out.splitlines()[0]
    assert "2027-02-20 Sat  posts: company make-up workday" in out
    assert "2027-02-11 Thu  skipped: company day off" in out
    assert 20 in posting_days(out, "2027-02") and 11 not in posting_days(out, "2027-02")


def test_an_unknown_country_or_channel_is_one_line(capsys):
    code, _, err = run(capsys, "calendar", "--year", "2027", "--country", "XX")
    assert code == 2 and err.count("\n") == 1 and "XX" in err
    run(capsys, "subscribe", "--platform", "console", "--channel", "console")
    code, _, err = run(capsys, "calendar", "--channel", "C0NOPE")
    assert code == 1 and "No subscribed channel C0NOPE" in err


def test_a_chat_subscription_in_another_countrys_time_zone_takes_its_calendar(runtime):
    from bot.platforms.console.chat import PLACE

    runtime.service.command(PLACE, "console:boss", "subscribe 09:30 Asia/Tokyo")
    tokyo = runtime.repo.subscriptions.get(platform="console", workspace="local", channel="console")
    runtime.service.command(PLACE, "console:boss", "subscribe 10:00")  # the zone stays, so does JP
    kept = runtime.repo.subscriptions.get(platform="console", workspace="local", channel="console")
    runtime.service.command(PLACE, "console:boss", "subscribe 09:30 Asia/Shanghai")
    back = runtime.repo.subscriptions.get(platform="console", workspace="local", channel="console")

    assert (tokyo.country, kept.country, back.country) == ("JP", "JP", "CN")
