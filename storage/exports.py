"""Exports: every case of a selection, as records or as CSV written by the database.

A million cases must leave in seconds and in constant memory, so the database does the
per-value work: dates as ISO text (both), the CSV itself (COPY on PostgreSQL; on SQLite, fields
quoted in SQL as Python's csv module quotes them).

Every CSV cell that Excel or LibreOffice would read as a formula (it begins with `=`, `+`,
`-`, `@`, a tab or a carriage return) gets a leading `'`, which shows it as the text it is
(OWASP, "CSV injection"). The SQL (`_defused`) and Python (`defused`) twins do the same.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import String, Table, and_, case, extract, func, literal, or_
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Select

from bot.core.model import EvidenceRecord
from storage.case_reads import EVIDENCE, EvidenceFilter
from storage.store import Store
from storage.tables import PersonNameRow

EXPORT_BATCH = 10_000
_PERSON: Table = PersonNameRow.__table__  # type: ignore[attr-defined]
NOMINEE_NAME = _PERSON.alias("nominee_name")
NOMINATOR_NAME = _PERSON.alias("nominator_name")
WITH_NAMES = EVIDENCE.outerjoin(
    NOMINEE_NAME, NOMINEE_NAME.c.person == EVIDENCE.c.nominee
).outerjoin(
    NOMINATOR_NAME, NOMINATOR_NAME.c.person == EVIDENCE.c.nominator
)  # each case with the names known for its nominee and nominator


class Exports(Store):
    """Streaming reads of a period's cases for exports: a million rows in constant memory."""

    def any(self, starts_on: date, ends_on: date) -> bool:
        """Whether the period holds a case at all (an empty export is said, not sent)."""
        selection = EvidenceFilter(starts_on=starts_on, ends_on=ends_on)
        query = sa_select(EVIDENCE.c.id).where(*selection.clauses()).limit(1)
        with self.engine.connect() as connection:
            return connection.execute(query).first() is not None

    def records(
        self, selection: EvidenceFilter, zone: LocalTime | None = None
    ) -> Iterator[EvidenceRecord]:
        """Every case in the selection, oldest first, fetched in batches (constant memory).

        A million cases: the database writes the dates as ISO text, and the rows are read from
        the driver's cursor as they are, with no per-value conversion in Python.
        """
        e = EVIDENCE
        text = _IsoText(self.engine.dialect.name, zone)
        columns = [
            text.day(e.c[name]) if name == "nominated_on"
            else text.moment(e.c[name]) if name in ("created_at", "updated_at")
            else e.c[name]
            for name in EvidenceRecord._fields
        ]  # fmt: skip
        last_id = 0
        while True:
            query = (
                sa_select(e.c.id, *columns)
                .where(*selection.clauses(), e.c.id > last_id)
                .order_by(e.c.id)
                .limit(EXPORT_BATCH)
            )
            with self.engine.connect() as connection:
                rows = connection.execute(query).cursor.fetchall()
            if not rows:
                return
            for row in rows:
                yield EvidenceRecord._make(row[1:])
            last_id = rows[-1][0]

    def write_csv(
        self,
        selection: EvidenceFilter,
        out: TextIO,
        *,
        leading: str,
        labels: Mapping[str, tuple[str, str, str]],
        zone: LocalTime | None = None,
    ) -> int:
        """Write the selection's export rows to `out` as CSV lines (LF), oldest first.

        Each row: `leading` (the cycle), the date, nominee and name, nominator and name, value, level and
        criterion title (`labels` by criterion key; unknown keys are split at ':'), story,
        platform, workspace, channel, message id, link, created and updated (ISO 8601 UTC).
        The database writes the lines: PostgreSQL with COPY, SQLite with SQL quoting the
        fields as Python's csv module does. Returns how many rows were written.
        """
        sheet = _Sheet(self.engine.dialect.name, leading, labels, zone)
        if sheet.postgres:
            return self._copy_csv(sheet.rows(selection), out)
        # SQLite: the database quotes the stored text and writes the dates; the cycle and the
        # rubric's labels (a few dozen distinct cells) are added here, from a dict.
        start = _csv_cell(leading) + ","
        middle: dict[str, str] = {}
        count, last_id = 0, 0
        while True:
            query = sheet.parts(selection, after=last_id, limit=EXPORT_BATCH)
            with self.engine.connect() as connection:
                rows = connection.execute(query).cursor.fetchall()
            if not rows:
                return count
            for _id, head, key, tail in rows:
                label = middle.get(key)
                if label is None:
                    label = middle[key] = ",".join(map(_csv_cell, _label_of(key, labels)))
                out.write(f"{start}{head},{label},{tail}\n")
            count += len(rows)
            last_id = rows[-1][0]

    def _copy_csv(self, query: Select[Any], out: TextIO) -> int:
        compiled = query.compile(dialect=self.engine.dialect)
        statement = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)"
        with self.engine.connect() as connection:
            cursor = connection.connection.cursor()
            decoder = codecs.getincrementaldecoder("utf-8")()
            with cursor.copy(statement, compiled.params) as copy:
                for block in copy:
                    out.write(decoder.decode(block))
            out.write(decoder.decode(b"", final=True))
            return int(cursor.rowcount)


class _Sheet:
    """The export's columns as SQL text, for one dialect."""

    def __init__(
        self,
        dialect: str,
        leading: str,
        labels: Mapping[str, tuple[str, str, str]],
        zone: LocalTime | None = None,
    ):
        self.postgres = dialect == "postgresql"
        self.iso = _IsoText(dialect, zone)
        self.leading = leading
        self.labels = labels

    def _label(self, key: ColumnElement[str], part: int) -> ColumnElement[str]:
        """Value, level or title (part 0, 1, 2) of a criterion key (PostgreSQL)."""
        known = {k: defused(label[part]) for k, label in self.labels.items()}
        fallback = literal("") if part == 2 else _defused(func.split_part(key, ":", part + 1))
        return case(known, value=key, else_=fallback) if known else fallback

    def cells(self) -> list[ColumnElement[Any]]:
        """Every cell of a row (PostgreSQL, for COPY)."""
        c = EVIDENCE.c
        d = _defused
        return [
            literal(defused(self.leading), String), self.iso.day(c.nominated_on), d(c.nominee),
            d(func.coalesce(NOMINEE_NAME.c.name, "")), d(c.nominator),
            d(func.coalesce(NOMINATOR_NAME.c.name, "")),
            self._label(c.criterion_key, 0), self._label(c.criterion_key, 1),
            self._label(c.criterion_key, 2), d(c.story), d(c.platform), d(c.workspace),
            d(c.channel), d(c.source_message_id), d(c.link), self.iso.moment(c.created_at),
            self.iso.moment(c.updated_at),
        ]  # fmt: skip

    def rows(self, selection: EvidenceFilter) -> Select[Any]:
        """For COPY: empty text as NULL, which COPY leaves unquoted as Python's csv does."""
        cells = [func.nullif(cell, "") for cell in self.cells()]
        return (
            sa_select(*cells)
            .select_from(WITH_NAMES)
            .where(*selection.clauses())
            .order_by(EVIDENCE.c.id)
        )

    def parts(self, selection: EvidenceFilter, *, after: int, limit: int) -> Select[Any]:
        """(id, "date,nominee,nominator", criterion key, "story,…,updated") as CSV text,
        in batches after the id `after` (SQLite)."""
        c = EVIDENCE.c
        people: list[ColumnElement[str]] = [
            c.nominee, NOMINEE_NAME.c.name, c.nominator, NOMINATOR_NAME.c.name,
        ]  # fmt: skip
        head = self.iso.day(c.nominated_on).concat(",").concat(_joined(people))
        tail = (
            _joined([c.story, c.platform, c.workspace, c.channel, c.source_message_id, c.link])
            .concat(",")
            .concat(self.iso.moment(c.created_at))
            .concat(",")
            .concat(self.iso.moment(c.updated_at))
        )
        return (
            sa_select(c.id, head, c.criterion_key, tail)
            .select_from(WITH_NAMES)
            .where(*selection.clauses(), c.id > after)
            .order_by(c.id)
            .limit(limit)
        )


def _joined(columns: list[ColumnElement[str]]) -> ColumnElement[str]:
    """Stored text columns as CSV fields joined by commas, each defused."""
    line = _cell(func.coalesce(columns[0], ""))
    for column in columns[1:]:
        line = line.concat(",").concat(_cell(func.coalesce(column, "")))
    return line


def _cell(text: ColumnElement[str]) -> ColumnElement[str]:
    """A CSV field as Python's csv module writes it (quoted, quotes doubled, only when it holds
    a comma, a quote or a line break), defused. `text` is read as few times as can be (SQLite
    evaluates a repeated expression each time): the quote `_defused` may add is no CSV mark,
    and a doubled `"` is no formula mark, so quoting and defusing commute."""
    needs = or_(*(func.instr(text, mark) > 0 for mark in _CSV_MARKS))
    doubled = _defused(func.replace(text, '"', '""'))
    return case((needs, literal('"').concat(doubled).concat('"')), else_=_defused(text))


FORMULA_MARKS = ("=", "+", "-", "@", "\t", "\r")


def defused(text: str) -> str:
    """A cell a spreadsheet would run as a formula, made plain text with a leading `'`."""
    return "'" + text if text.startswith(FORMULA_MARKS) else text


def _defused(text: ColumnElement[str]) -> ColumnElement[str]:
    """SQL twin of `defused`."""
    first = func.substr(text, 1, 1)  # one IN of single binds: COPY takes no expanding ones
    starts = first.in_([literal(mark) for mark in FORMULA_MARKS])
    return case((starts, literal("'")), else_=literal("")).concat(text)


def _csv_cell(text: str) -> str:
    """A CSV field as Python's csv module writes it (see _cell, its SQL twin), defused."""
    text = defused(text)
    if any(mark in text for mark in _CSV_MARKS):
        return '"' + text.replace('"', '""') + '"'
    return text


_CSV_MARKS = ('"', ",", "\n", "\r")


def _label_of(key: str, labels: Mapping[str, tuple[str, str, str]]) -> tuple[str, str, str]:
    """(value, level, title) of a criterion key; a key no longer in the rubric is split."""
    found = labels.get(key)
    if found is not None:
        return found
    return key.split(":")[0], key.split(":")[-1], ""


class LocalTime:
    """A time zone's UTC offsets over a span of days, as (from, seconds) segments: exports
    write moments in the cycle's time zone, and the database needs no time-zone data for it."""

    def __init__(self, zone: str, first: date, last: date) -> None:
        tz = ZoneInfo(zone)
        moment = datetime.combine(first, time(), UTC)
        end = datetime.combine(last, time(), UTC)
        self.segments: list[tuple[datetime, int]] = [(moment, _offset(moment, tz))]
        while moment < end:
            step = moment + timedelta(days=1)
            if _offset(step, tz) != self.segments[-1][1]:
                low, high = moment, step  # the change lies in this day: find its minute
                while high - low > timedelta(minutes=1):
                    middle = low + (high - low) / 2
                    low, high = (
                        (middle, high) if _offset(middle, tz) == _offset(low, tz) else (low, middle)
                    )
                self.segments.append((high.replace(second=0, microsecond=0), _offset(high, tz)))
            moment = step

    @staticmethod
    def suffix(seconds: int) -> str:
        sign, seconds = ("+" if seconds >= 0 else "-"), abs(seconds)
        return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _offset(moment: datetime, tz: ZoneInfo) -> int:
    offset = moment.astimezone(tz).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


class _IsoText:
    """SQL that writes a stored date or moment as the ISO text Python's isoformat() gives.

    Moments are written in `zone` (default UTC): `YYYY-MM-DDTHH:MM:SS+08:00`, with `.ffffff`
    only when there are microseconds. SQLite keeps moments as text in UTC
    (`YYYY-MM-DD HH:MM:SS.ffffff`); PostgreSQL as timestamptz.
    """

    def __init__(self, dialect: str, zone: LocalTime | None = None) -> None:
        self.postgres = dialect == "postgresql"
        self.zone = zone

    def day(self, column: ColumnElement[Any]) -> ColumnElement[str]:
        if self.postgres:
            return func.to_char(column, "YYYY-MM-DD")
        return func.date(column)

    def moment(self, column: ColumnElement[Any]) -> ColumnElement[str]:
        segments = self.zone.segments if self.zone else [(datetime.min, 0)]
        if len(segments) == 1:
            return self._moment(column, segments[0][1])
        whens = [
            (column < literal(start, column.type), self._moment(column, seconds))
            for (_, seconds), (start, _) in zip(segments, segments[1:], strict=False)
        ]
        return case(*whens, else_=self._moment(column, segments[-1][1]))

    def _moment(self, column: ColumnElement[Any], seconds: int) -> ColumnElement[str]:
        if self.postgres:
            at_utc = func.timezone("UTC", column) + func.make_interval(0, 0, 0, 0, 0, 0, seconds)
            text = func.to_char(at_utc, 'YYYY-MM-DD"T"HH24:MI:SS')
            micros = func.mod(extract("microseconds", at_utc), 1_000_000)
            fraction = case((micros != 0, func.to_char(at_utc, ".US")), else_="")
        else:
            whole = func.strftime("%Y-%m-%d %H:%M:%S", column)  # shifted whole: never rounded up
            text = func.strftime("%Y-%m-%dT%H:%M:%S", whole, f"{seconds:+d} seconds")
            digits = func.substr(column, 21, 6)
            fraction = case(
                (and_(func.substr(column, 20, 1) == ".", digits != "000000"),
                 func.substr(column, 20, 7)),
                else_="",
            )  # fmt: skip
        return text.concat(fraction).concat(LocalTime.suffix(seconds))
