"""`values-bot people import FILE` and `people sync`: the directory from HR's file (CSV or
xlsx) or a platform's directory, idempotent, with a report of the rows it could not match."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.app.clock import Clock
from bot.core.directory import PERSON, Member, Row, Unmatched, loops, merged, read_rows
from storage.repository import Repository

Lookup = Callable[[str], "str | None"]  # a work e-mail to `PLATFORM:ID`, asked of a platform
MAX_ROWS = 100_000


class FileUnreadable(ValueError):
    """Not a CSV or xlsx file we can read; the message names the file."""


@dataclass
class ImportReport:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    unmatched: list[Unmatched] = field(default_factory=list)


def read_table(path: Path) -> Sequence[Sequence[object]]:
    """The rows of a CSV (UTF-8, with or without a BOM) or of an xlsx's first sheet."""
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
            try:
                return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)][
                    :MAX_ROWS
                ]
            finally:
                book.close()
        text = path.read_bytes().decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))[:MAX_ROWS]
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError, IndexError) as error:
        raise FileUnreadable(str(path)) from error
    except Exception as error:  # openpyxl's own errors for a file that is not a workbook
        raise FileUnreadable(str(path)) from error


def import_people(
    repo: Repository, clock: Clock, table: Iterable[Sequence[object]], lookup: Lookup | None
) -> ImportReport:
    """Match each row to a person (its id, else its e-mail in the directory or on the
    platform), resolve managers, refuse loops, and store; nothing stored is lost."""
    rows, bad = read_rows(table)
    report = ImportReport(unmatched=bad)
    known = repo.directory.by_email(r.email for r in rows)
    people: dict[str, Row] = {}
    email_to: dict[str, str] = dict(known)
    for row in rows:
        person = row.person or known.get(row.email) or (lookup(row.email) if lookup else None)
        if not person or not PERSON.match(person):
            report.unmatched.append(Unmatched(row.line, row.email, "people_email_unknown"))
            continue
        if person in people:
            report.unmatched.append(Unmatched(row.line, person, "people_duplicate"))
            continue
        people[person] = row
        if row.email:
            email_to[row.email] = person
    before = {m.person: m for m in repo.directory.members()}
    members = [
        merged(_member(person, row, email_to, report), before.get(person), row.given)
        for person, row in people.items()
    ]
    members = _without_loops(repo, members, people, report)
    report.unchanged = sum(1 for m in members if before.get(m.person) == m)
    report.added, report.changed = repo.directory.save(members, source="file", now=clock.now())
    report.unmatched.sort(key=lambda u: u.line)
    return report


def _member(person: str, row: Row, email_to: dict[str, str], report: ImportReport) -> Member:
    manager = row.manager
    if "@" in manager:
        manager = email_to.get(manager.casefold(), "")
    if row.manager and (not manager or not PERSON.match(manager) or manager == person):
        report.unmatched.append(Unmatched(row.line, row.manager, "people_manager_unknown"))
        manager = ""
    return Member(person, row.name, row.email, manager, row.department, row.country)


def _without_loops(
    repo: Repository, members: list[Member], rows: dict[str, Row], report: ImportReport
) -> list[Member]:
    """Members whose manager would close a loop lose that manager, and the row is reported."""
    managers = repo.directory.managers() | {m.person: m.manager for m in members}
    looped = loops(managers)
    kept = []
    for member in members:
        if member.person in looped and member.manager:
            report.unmatched.append(
                Unmatched(rows[member.person].line, member.manager, "people_loop")
            )
            managers[member.person] = ""
            looped = loops(managers)
            member = Member(
                member.person, member.name, member.email, "", member.department, member.country
            )
        kept.append(member)
    return kept


def sync_people(repo: Repository, clock: Clock, members: list[Member], source: str) -> ImportReport:
    """A platform's directory into ours: managers outside it are dropped, loops cut."""
    report = ImportReport()
    inside = {m.person for m in members} | set(repo.directory.managers())
    cleaned = [
        m
        if not m.manager or m.manager in inside
        else Member(m.person, m.name, m.email, "", m.department, m.country)
        for m in members
    ]
    rows = {
        m.person: Row(0, m.person, m.email, m.name, m.manager, m.department, m.country)
        for m in cleaned
    }
    kept = _without_loops(repo, cleaned, rows, report)
    before = {m.person: m for m in repo.directory.members()}
    report.unchanged = sum(1 for m in kept if before.get(m.person) == m)
    report.added, report.changed = repo.directory.save(kept, source=source, now=clock.now())
    repo.people.remember({m.person: m.name for m in kept if m.name}, now=clock.now())
    return report
