"""Exports as a real spreadsheet (xlsx, with openpyxl): what HR opens and works with.

Two sheets: every case (names beside ids, value and level names, the criterion's title, dates
in the cycle's time zone) and the totals per person and value with the evidence ceiling.
Headers are in the bot's locale. Ids stay text (Excel would turn `1793586302.518114` into a
number), levels are numbers, and no text cell can run as a formula: a cell that begins with
`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (and openpyxl is told it is a
string, not a formula).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from io import BytesIO
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.core.model import EvidenceRecord
from bot.core.rubric import Rubric
from bot.core.summaries import Summary
from bot.words.templates import Templates
from storage.exports import defused

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CASE_COLUMNS = (
    "cycle", "date", "nominee", "nominee_name", "nominator", "nominator_name", "value", "level",
    "criterion", "story", "platform", "channel", "message", "link", "recorded", "updated",
)  # fmt: skip


class Book:
    """One workbook being written, row by row (openpyxl's write-only mode: constant memory)."""

    def __init__(self, templates: Templates, rubric: Rubric, zone: str) -> None:
        self.t, self.rubric, self.zone = templates, rubric, ZoneInfo(zone)
        self.zone_name = zone
        self.book = Workbook(write_only=True)
        self.bold = Font(bold=True)

    def sheet(self, key: str, columns: Iterable[str]) -> WriteOnlyWorksheet:
        sheet: WriteOnlyWorksheet = self.book.create_sheet(self.t.render(f"xlsx_sheet_{key}"))
        sheet.freeze_panes = "A2"
        self.row(sheet, columns, header=True)
        return sheet

    def row(self, sheet: WriteOnlyWorksheet, cells: Iterable[Any], *, header: bool = False) -> None:
        sheet.append([self._cell(sheet, value, header) for value in cells])

    def _cell(self, sheet: WriteOnlyWorksheet, value: Any, header: bool) -> Cell:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=defused(value))
            cell.data_type = "s"  # text, never a formula
        else:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
        if header:
            cell.font = self.bold
        return cell

    def header(self, key: str) -> str:
        return self.t.render(f"xlsx_col_{key}", zone=self.zone_name)

    def local(self, moment: str) -> datetime | str:
        """An ISO moment (UTC) as a date-time in the cycle's time zone, for a spreadsheet cell."""
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            return moment
        return parsed.astimezone(self.zone).replace(tzinfo=None, microsecond=0)

    def save(self, out: IO[bytes]) -> None:
        self.book.save(out)


def write_cases(
    book: Book,
    cycle_id: str,
    records: Iterable[EvidenceRecord],
    names: Mapping[str, str],
    *,
    sheet: str = "cases",
) -> int:
    locale = book.t.locale
    cases = book.sheet(sheet, (book.header(c) for c in CASE_COLUMNS))
    count = 0
    for r in records:
        criterion = book.rubric.criterion(r.criterion_key)
        value = book.rubric.value(criterion.value_key) if criterion else None
        value_key, _, level = r.criterion_key.partition(":")
        book.row(
            cases,
            [
                cycle_id,
                _day(r.nominated_on),
                r.nominee,
                names.get(r.nominee, ""),
                r.nominator,
                names.get(r.nominator, ""),
                value.name(locale) if value else value_key,
                criterion.level if criterion else (int(level) if level.isdigit() else level),
                criterion.title(locale) if criterion else "",
                r.story,
                r.platform,
                r.channel,
                r.source_message_id,
                r.link,
                book.local(r.created_at),
                book.local(r.updated_at),
            ],
        )
        count += 1
    return count


def write_totals(book: Book, summary: Summary, names: Mapping[str, str]) -> None:
    locale = book.t.locale
    values = [v for v in book.rubric.values if summary.value_key in (None, v.key)]
    columns = [book.header("person"), book.header("name"), book.header("total")]
    for value in values:
        name = value.name(locale)
        columns += [
            book.t.render("xlsx_col_value_cases", value=name),
            book.t.render("xlsx_col_value_ceiling", value=name),
            book.t.render("xlsx_col_value_missing", value=name),
        ]
    totals = book.sheet("totals", columns)
    for person in summary.people:
        by_value = {v.value_key: v for v in person.values}
        row: list[Any] = [person.person, names.get(person.person, ""), person.total]
        for value in values:
            found = by_value.get(value.key)
            missing = found.levels_without_evidence if found else ()
            row += [
                found.cases if found else 0,
                found.ceiling if found else 0,
                ", ".join(map(str, missing)),
            ]
        book.row(totals, row)


def summary_workbook(
    summary: Summary, templates: Templates, rubric: Rubric, zone: str, names: Mapping[str, str]
) -> bytes:
    """A summary as a spreadsheet: the totals, and the newest cases of each person."""
    book = Book(templates, rubric, zone)
    write_totals(book, summary, names)
    newest = [
        EvidenceRecord(
            "",
            "",
            "",
            "",
            c.nominee,
            c.nominator,
            c.criterion_key,
            c.story,
            c.link,
            c.nominated_on.isoformat(),
            "",
            "",
        )  # fmt: skip
        for p in summary.people
        for c in p.newest
    ]
    write_cases(book, summary.cycle.id, newest, names, sheet="newest")
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _day(text: str) -> date | str:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text
