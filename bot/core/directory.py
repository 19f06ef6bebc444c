"""People and reporting lines, as HR's file gives them: reading the rows, finding each person's
manager chain, refusing a loop. Who is who on a platform (an e-mail to a platform id) is the
platform's business; this module only sees `PLATFORM:ID` and e-mail addresses.

The file's columns (a header row, any order, English or Chinese):
    person      PLATFORM:ID, as the CLI writes people, or empty when e-mail is given
    email       the person's work e-mail: matched to a platform id when `person` is empty
    name        shown in the web app and exports
    manager     the manager's PLATFORM:ID or e-mail (empty: nobody, e.g. the CEO)
    department  for calibration's distribution per department
    country     ISO code of the person's workday calendar (CN when empty)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MAX_FIELD = 200
MAX_CHAIN = 64  # reporting lines deeper than this are cut (and a loop is refused at import)
HEADERS = {
    "person": ("person", "person id", "id", "user", "user id", "人员", "员工id", "用户id"),
    "email": ("email", "e-mail", "mail", "邮箱", "电子邮件"),
    "name": ("name", "姓名", "名字"),
    "manager": ("manager", "manager id", "manager email", "直属上级", "主管", "上级"),
    "department": ("department", "dept", "部门"),
    "country": ("country", "国家"),
}
PERSON = re.compile(r"^[a-z]+:[^\s:][^\s]{0,90}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]+$")


@dataclass(frozen=True)
class Member:
    """One row of the directory: a person, their manager (a person id, or "") and department."""

    person: str
    name: str = ""
    email: str = ""
    manager: str = ""
    department: str = ""
    country: str = ""


@dataclass(frozen=True)
class Row:
    """A row as read, before e-mails are matched to people."""

    line: int
    person: str
    email: str
    name: str
    manager: str
    department: str
    country: str
    given: frozenset[str] = frozenset(HEADERS)  # the columns the file has: the others are kept


@dataclass(frozen=True)
class Unmatched:
    """A row that could not be imported, and why (a message template's key)."""

    line: int
    said: str  # the row's person, e-mail or name, as given
    why: str


def columns(header: Sequence[str]) -> dict[str, int] | None:
    """Which column holds which field, or None when neither person nor email is there."""
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        word = str(title or "").strip().casefold()
        for field, names in HEADERS.items():
            if word in names and field not in found:
                found[field] = index
    return found if ("person" in found or "email" in found) else None


def read_rows(table: Iterable[Sequence[object]]) -> tuple[list[Row], list[Unmatched]]:
    """The rows of a file whose first row is the header; bad rows are reported, not read."""
    rows, bad = [], []
    lines = iter(table)
    where = columns([str(c or "") for c in next(lines, [])])
    if where is None:
        return [], [Unmatched(1, "", "people_no_header")]
    for line, cells in enumerate(lines, start=2):
        got = {f: _cell(cells, where.get(f)) for f in HEADERS}
        if not any(got.values()):
            continue
        person, email = got["person"], got["email"].casefold()
        if person and not PERSON.match(person):
            bad.append(Unmatched(line, person, "people_bad_person"))
        elif email and not EMAIL.match(email):
            bad.append(Unmatched(line, email, "people_bad_email"))
        elif not person and not email:
            bad.append(Unmatched(line, got["name"], "people_no_id"))
        else:
            country = got["country"].upper()[:2]
            rows.append(
                Row(
                    line,
                    person,
                    email,
                    got["name"],
                    got["manager"],
                    got["department"],
                    country,
                    frozenset(where),
                )
            )
    return rows, bad


def _cell(cells: Sequence[object], index: int | None) -> str:
    if index is None or index >= len(cells) or cells[index] is None:
        return ""
    return "".join(ch for ch in str(cells[index]) if ch.isprintable()).strip()[:MAX_FIELD]


def merged(row: Member, before: Member | None, given: frozenset[str]) -> Member:
    """`row` over what was stored: a column the file does not have keeps its stored value."""
    if before is None:
        return row
    kept = {f: getattr(before if f not in given else row, f) for f in HEADERS if f != "person"}
    return Member(row.person, **kept)


def chain(person: str, managers: Mapping[str, str]) -> list[str]:
    """`person`'s managers, nearest first (a loop or a very deep line is cut)."""
    found: list[str] = []
    current = managers.get(person, "")
    while current and current != person and current not in found and len(found) < MAX_CHAIN:
        found.append(current)
        current = managers.get(current, "")
    return found


def reports(manager: str, managers: Mapping[str, str]) -> frozenset[str]:
    """Everyone whose chain holds `manager`: their direct and indirect reports."""
    below: dict[str, list[str]] = {}
    for person, boss in managers.items():
        if boss:
            below.setdefault(boss, []).append(person)
    found: set[str] = set()
    todo = list(below.get(manager, ()))
    while todo:
        person = todo.pop()
        if person != manager and person not in found:
            found.add(person)
            todo.extend(below.get(person, ()))
    return frozenset(found)


def loops(managers: Mapping[str, str]) -> set[str]:
    """People whose chain comes back to them (A manages B manages A)."""
    looped = set()
    for person in managers:
        seen, current = {person}, managers.get(person, "")
        while current:
            if current in seen:
                looped.add(person)
                break
            seen.add(current)
            current = managers.get(current, "")
    return looped
