"""Display names for people whose platform ids mean nothing to a reader (DingTalk staffIds)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import delete, or_
from sqlmodel import col, select

from storage.store import Store
from storage.tables import EvidenceRow, PersonNameRow, RoleGrantRow

MAX_NAME = 200


class People(Store):
    """Display names of people, as the platforms told them."""

    def remember(self, names: Mapping[str, str], *, now: datetime) -> None:
        """Store or refresh each person's name (blank names are ignored)."""
        rows = {p: n.strip()[:MAX_NAME] for p, n in names.items() if n and n.strip()}
        if not rows:
            return
        table = PersonNameRow.__table__  # type: ignore[attr-defined]
        with self.writing() as session:
            for person, name in sorted(rows.items()):
                statement = self.insert(table).values(person=person, name=name, updated_at=now)
                session.execute(
                    statement.on_conflict_do_update(
                        index_elements=["person"], set_={"name": name, "updated_at": now}
                    )
                )

    def names(self, people: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(people))
        if not wanted:
            return {}
        found: dict[str, str] = {}
        with self.reading() as session:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = session.exec(
                    select(PersonNameRow).where(col(PersonNameRow.person).in_(chunk))
                ).all()
                found.update({row.person: row.name for row in rows})
        return found

    def known(self, person: str) -> bool:
        """Whether anything stored names `person`: a case about or by them, a role, a name."""
        checks = [
            select(EvidenceRow.id).where(
                or_(col(EvidenceRow.nominee) == person, col(EvidenceRow.nominator) == person)
            ),
            select(RoleGrantRow.id).where(col(RoleGrantRow.person) == person),
            select(PersonNameRow.person).where(col(PersonNameRow.person) == person),
        ]
        with self.reading() as session:
            return any(session.exec(query.limit(1)).first() is not None for query in checks)

    def every_name(self) -> dict[str, str]:
        """Every name known (one row per person: small beside the cases it labels)."""
        with self.reading() as session:
            return {row.person: row.name for row in session.exec(select(PersonNameRow))}

    def forget(self, *, person: str) -> None:
        with self.writing() as session:
            session.execute(delete(PersonNameRow).where(col(PersonNameRow.person) == person))
