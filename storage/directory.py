"""The directory: people, their e-mail, manager, department and calendar (HR's file, DingTalk)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Table, delete, text, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from bot.core.directory import MAX_CHAIN, Member
from storage.store import Store
from storage.tables import DirectoryRow

DIRECTORY: Table = DirectoryRow.__table__  # type: ignore[attr-defined]


class Directory(Store):
    """Who is who: one row per person, its manager a person id ("" for nobody)."""

    def save(self, members: Iterable[Member], *, source: str, now: datetime) -> tuple[int, int]:
        """Store or refresh each member (idempotent); returns (added, changed)."""
        added = changed = 0
        with self.writing() as session:
            for member in members:
                row = session.get(DirectoryRow, member.person)
                fields = {
                    "email": member.email,
                    "name": member.name,
                    "manager": member.manager,
                    "department": member.department,
                    "country": member.country,
                }
                if row is None:
                    session.add(
                        DirectoryRow(person=member.person, source=source, updated_at=now, **fields)
                    )
                    added += 1
                elif any(getattr(row, k) != v for k, v in fields.items()):
                    for key, value in fields.items():
                        setattr(row, key, value)
                    row.source, row.updated_at = source, now
                    changed += 1
        return added, changed

    def members(self) -> list[Member]:
        """Everyone, as plain rows through the driver (an organisation's 20,000)."""
        d = DIRECTORY.c
        query = sa_select(d.person, d.name, d.email, d.manager, d.department, d.country)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(d.person)).cursor.fetchall()
        return [Member(*row) for row in rows]

    def member(self, person: str) -> Member | None:
        with self.reading() as session:
            row = session.get(DirectoryRow, person)
            return _member(row) if row else None

    def managers(self) -> dict[str, str]:
        """Every person's manager ("" for none): the reporting lines, small beside the cases."""
        with self.reading() as session:
            rows = session.exec(select(DirectoryRow.person, DirectoryRow.manager)).all()
            return dict(rows)

    def reports(self, manager: str) -> frozenset[str]:
        """Everyone below `manager` on the reporting lines, direct and indirect: one recursive
        read down the manager index (a loop or a very deep line ends the walk)."""
        query = text(
            "WITH RECURSIVE below(person, depth) AS ("
            " SELECT person, 1 FROM directory WHERE manager = :manager"
            " UNION SELECT d.person, b.depth + 1 FROM directory d JOIN below b"
            " ON d.manager = b.person WHERE b.depth < :deepest)"
            " SELECT DISTINCT person FROM below WHERE person <> :manager"
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query, {"manager": manager, "deepest": MAX_CHAIN})
            return frozenset(row[0] for row in rows)

    def direct_reports(self, manager: str) -> list[Member]:
        d = DIRECTORY.c
        query = sa_select(d.person, d.name, d.email, d.manager, d.department, d.country)
        with self.engine.connect() as connection:
            rows = connection.execute(query.where(d.manager == manager).order_by(d.person))
            return [Member(*row) for row in rows]

    def chain(self, person: str) -> list[str]:
        """`person`'s managers, nearest first: one indexed lookup a level."""
        found: list[str] = []
        current = person
        with self.engine.connect() as connection:
            while len(found) < MAX_CHAIN:
                boss = connection.execute(
                    sa_select(DIRECTORY.c.manager).where(DIRECTORY.c.person == current)
                ).scalar()
                if not boss or boss == person or boss in found:
                    break
                found.append(boss)
                current = boss
        return found

    def by_email(self, emails: Iterable[str]) -> dict[str, str]:
        wanted = sorted({e.casefold() for e in emails if e})
        found: dict[str, str] = {}
        with self.reading() as session:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = session.exec(
                    select(DirectoryRow.email, DirectoryRow.person).where(
                        col(DirectoryRow.email).in_(chunk)
                    )
                ).all()
                found.update(dict(rows))
        return found

    def forget(self, *, person: str) -> None:
        """Erase a person: their row goes, and nobody reports to them any more."""
        with self.writing() as session:
            session.execute(delete(DirectoryRow).where(col(DirectoryRow.person) == person))
            session.execute(
                update(DirectoryRow).where(col(DirectoryRow.manager) == person).values(manager="")
            )


def _member(row: DirectoryRow) -> Member:
    return Member(
        person=row.person,
        name=row.name,
        email=row.email,
        manager=row.manager,
        department=row.department,
        country=row.country,
    )
