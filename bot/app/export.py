"""Exports: a cycle's cases as xlsx (bot.app.spreadsheet), CSV (with a BOM, for Excel) or JSON,
streamed; summaries as JSON. Every format names people beside their ids."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any, Protocol, TextIO

from bot.core.cycles import Cycle
from bot.core.model import EvidenceRecord
from bot.core.permissions import Access
from bot.core.rubric import Rubric
from bot.core.summaries import Summary

if TYPE_CHECKING:
    from bot.app.reading import Reading
    from bot.app.service import ValuesService
    from bot.words.templates import Templates
    from storage.repository import Repository


class _Zoned(Protocol):
    @property
    def timezone(self) -> str: ...


class Runtime(Protocol):
    """What an export reads: the service (authorised, audited reads), names, words, the zone.
    The composition root's `bot.wiring.Runtime` is one; this module does not import it."""

    @property
    def service(self) -> ValuesService: ...
    @property
    def repo(self) -> Repository: ...
    @property
    def rubric(self) -> Rubric: ...
    @property
    def templates(self) -> Templates: ...
    @property
    def settings(self) -> _Zoned: ...


EXPORT_COLUMNS = (
    "cycle", "nominated_on", "nominee", "nominee_name", "nominator", "nominator_name", "value",
    "level", "criterion", "story", "platform", "workspace", "channel", "source_message_id", "link",
    "created_at", "updated_at",
)  # fmt: skip


def summary_json(summary: Summary, rt: Runtime) -> list[dict[str, Any]]:
    return [
        {
            "person": p.person,
            "cycle": summary.cycle.id,
            "total": p.total,
            "values": {
                v.value_key: {
                    "cases": v.cases,
                    "ceiling": v.ceiling,
                    "levels_without_evidence": list(v.levels_without_evidence),
                    "levels_holding_unless_nonconforming": list(v.levels_holding_unless),
                }
                for v in p.values
            },
            "newest": [
                {**c._asdict(), "nominated_on": c.nominated_on.isoformat()} for c in p.newest
            ],
        }
        for p in summary.people
    ]


class _Labels(dict[str, tuple[str, str, str]]):
    """(value, level, criterion title) of each criterion key, looked up once per key."""

    def __init__(self, rubric: Rubric) -> None:
        super().__init__()
        self.rubric = rubric

    def __missing__(self, key: str) -> tuple[str, str, str]:
        criterion = self.rubric.criterion(key)
        found = (
            (criterion.value_key, str(criterion.level), criterion.title_zh)
            if criterion
            else (key.split(":")[0], key.split(":")[-1], "")
        )
        self[key] = found
        return found


def _row(
    record: EvidenceRecord, cycle_id: str, labels: _Labels, names: Mapping[str, str]
) -> dict[str, str | int]:
    cells = _cells(record, cycle_id, labels, names)
    return dict(zip(EXPORT_COLUMNS, cells, strict=True))


def _cells(
    record: EvidenceRecord, cycle_id: str, labels: _Labels, names: Mapping[str, str]
) -> list[str | int]:
    value, level, title = labels[record.criterion_key]
    return [
        cycle_id,
        record.nominated_on,
        record.nominee,
        names.get(record.nominee, ""),
        record.nominator,
        names.get(record.nominator, ""),
        value,
        int(level) if level.isdigit() else level,
        title,
        record.story,
        record.platform,
        record.workspace,
        record.channel,
        record.source_message_id,
        record.link,
        record.created_at,
        record.updated_at,
    ]


def write_csv(out: TextIO, rt: Runtime, actor: str, cycle: Cycle) -> int:
    """The cycle's cases as CSV that Excel opens with Chinese intact; audited. Returns rows."""
    out.write("\ufeff")  # a UTF-8 BOM, so Excel shows Chinese
    out.write(",".join(EXPORT_COLUMNS) + "\n")
    return rt.service.reading.export_csv(actor, cycle, out)


def write_json(out: TextIO, records: Iterable[EvidenceRecord], cycle_id: str, rt: Runtime) -> int:
    """The cases as a JSON array, names beside ids, levels as numbers."""
    labels, names = _Labels(rt.rubric), rt.repo.people.every_name()
    out.write("[")
    count = 0
    for record in records:
        row = _row(record, cycle_id, labels, names)
        out.write(("\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count


def write_xlsx(out: IO[bytes], rt: Runtime, actor: str, cycle: Cycle) -> int:
    """The cycle as a spreadsheet: its cases, and the totals per person; audited once."""
    names = rt.repo.people.every_name()
    reading = rt.service.reading
    return write_book(out, reading, names, rt.templates, rt.settings.timezone, actor, cycle)


def write_book(
    out: IO[bytes],
    reading: Reading,
    names: Mapping[str, str],
    templates: Templates,
    timezone: str,
    actor: str,
    cycle: Cycle,
    reader: Access | None = None,
) -> int:
    """The spreadsheet itself, from the reading service (authorised, audited once): the whole
    cycle, or a manager's channels (`reader`)."""
    from bot.app.spreadsheet import Book, write_cases, write_totals

    summary, records = reading.export_book(actor, cycle, reader)
    book = Book(templates, reading.rubric, timezone)
    count = write_cases(book, cycle.id, records, names)
    write_totals(book, summary, names)
    book.save(out)
    return count
